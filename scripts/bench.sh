#!/usr/bin/env bash
# faultline's benchmarks: prints figures and ratios, asserts nothing.
#
#   scripts/bench.sh            # checker, history writer, controller (go test -bench) + 1M-op check
#   scripts/bench.sh cluster    # the local-cluster figures (root; brings up its own cluster)
#   scripts/bench.sh catch      # only the time to catch the unsafe modes
#   scripts/bench.sh all        # go + cluster
#
# Environment: BENCH_COUNT (repetitions, default 5), BENCH_CLUSTER_NAME
# (default bench), BENCH_SUBNET (default 198.18.80.0/24), BENCH_SEEDS
# (default "1 2 3"), BENCH_TIME (throughput time limit, default 10s).
# BENCHMARKS.md explains each figure and records the results.
set -uo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
COUNT=${BENCH_COUNT:-5}
OUT=${BENCH_OUT:-$(mktemp -d /tmp/faultline-bench.XXXXXX)}
mkdir -p "$OUT/bin"
echo "bench: machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "bench: output in $OUT"
CGO_ENABLED=0 $GO build -trimpath -o "$OUT/bin/faultline" ./cmd/faultline || exit 1
CGO_ENABLED=0 $GO build -trimpath -o "$OUT/bin/faultline-node" ./cmd/faultline-node || exit 1
$GO build -o "$OUT/bin/flbench" ./bench/cmd/flbench || exit 1
FL="$OUT/bin/faultline"

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "n/a"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

go_benchmarks() {
	echo
	echo "== checker: 102 Jepsen etcd + 6 kv histories, faultline vs porcupine directly (count $COUNT)"
	$GO test -run '^$' -bench 'External' -benchtime 3x -count "$COUNT" ./checker/ | tee "$OUT/external.txt" | grep -E '^Benchmark'
	metric() { awk -v b="^$1-[0-9]+\$" -v m="$2" '$1 ~ b {for (i=1;i<=NF;i++) if ($(i+1)==m) print $i}' "$OUT/external.txt" | median; }
	echo "alternating, per history (BenchmarkExternalRatio, medians): faultline $(metric BenchmarkExternalRatio faultline-ms) ms, porcupine directly $(metric BenchmarkExternalRatio porcupine-ms) ms; wall ratio $(metric BenchmarkExternalRatio ratio), CPU ratio $(metric BenchmarkExternalRatio cpu-ratio) (target <= 1.2); verdict pass alone: ratio $(metric BenchmarkExternalRatio verdict-ratio)"
	fl=$(awk '/^BenchmarkExternalHistories-/ {print $3}' "$OUT/external.txt" | median)
	vd=$(awk '/^BenchmarkExternalHistoriesVerdict-/ {print $3}' "$OUT/external.txt" | median)
	pc=$(awk '/^BenchmarkExternalHistoriesPorcupine-/ {print $3}' "$OUT/external.txt" | median)
	awk -v a="$fl" -v v="$vd" -v b="$pc" 'BEGIN {printf "separate runs (medians): faultline %.0f ms (verdict pass alone %.0f ms), porcupine directly on pre-encoded ops %.0f ms; ratio %.2f, verdict-only ratio %.2f\n", a/1e6, v/1e6, b/1e6, a/b, v/b}'
	echo "== checker: the whole-history FIFO queue check, 100,000 ops at concurrency 50"
	$GO test -run '^$' -bench 'FIFO100k' -benchtime 10x -count "$COUNT" ./checker/ | grep -E '^Benchmark'
	for d in jepsen-etcd:cas-register:jepsen kv:kv:edn; do
		IFS=: read -r dir model format <<<"$d"
		for i in $(seq 1 "$COUNT"); do
			/usr/bin/time -f '%e' "$FL" analyze --fail-fast --model "$model" --format "$format" "testdata/external/$dir" 2>&1 >/dev/null | tail -1
		done | median | xargs printf "faultline analyze --fail-fast DIR (parse + check + explain, one process): $dir median %s s\n"
	done

	echo
	echo "== checker: generated register history, 1,000,000 ops (2,000,000 lines) over 10,000 keys"
	"$OUT/bin/flbench" gen-register -ops 1000000 -keys 10000 -procs 50 -seed 1 "$OUT/reg1m.jsonl" || return 1
	ls -l "$OUT/reg1m.jsonl" | awk '{printf "history file: %.0f MB\n", $5/1e6}'
	for i in $(seq 1 "$COUNT"); do
		/usr/bin/time -f 'wall_s=%e maxrss_kb=%M cpu_s=%U+%S' "$FL" analyze --model cas-register "$OUT/reg1m.jsonl" >"$OUT/reg1m.$i.out" 2>"$OUT/reg1m.$i.time"
		echo "run $i: $(tail -1 "$OUT/reg1m.$i.time") verdict: $(cut -f2 "$OUT/reg1m.$i.out" | head -1)"
	done
	w=$(cat "$OUT"/reg1m.*.time | sed -n 's/.*wall_s=\([0-9.]*\).*/\1/p' | median)
	m=$(cat "$OUT"/reg1m.*.time | sed -n 's/.*maxrss_kb=\([0-9]*\).*/\1/p' | median)
	awk -v w="$w" -v m="$m" 'BEGIN {printf "1M-op check (faultline analyze, read+check): median %.2f s (target < 10 s), peak RSS %.0f MB (target < 2048 MB)\n", w, m/1024}'
	$GO test -run '^$' -bench 'Register1M' -benchtime 1x -count 1 ./bench/ | grep -E '^Benchmark'

	echo
	echo "== controller: in-process fast target (count $COUNT)"
	$GO test -run '^$' -bench 'WriterRecord' -count "$COUNT" ./history/ | grep -E '^Benchmark'
	$GO test -run '^$' -bench 'Controller' -benchtime 1x -count "$COUNT" ./run/ | tee "$OUT/controller.txt" | grep -E '^Benchmark'
	for c in c10 c50 c50-rate20000; do
		o=$(awk -v c="^BenchmarkController/$c-[0-9]+\$" '$1 ~ c {for (i=1;i<=NF;i++) if ($(i+1)=="ops/s") print $i}' "$OUT/controller.txt" | median)
		u=$(awk -v c="^BenchmarkController/$c-[0-9]+\$" '$1 ~ c {for (i=1;i<=NF;i++) if ($(i+1)=="cpu-us/op") print $i}' "$OUT/controller.txt" | median)
		awk -v c="$c" -v o="$o" -v u="$u" 'BEGIN {printf "controller %s: median %.0f ops/s recorded, %.2f us CPU per op, %.2f cores at that rate (target 20000 ops/s with < 1 core)\n", c, o, u, o*u/1e6}'
	done
}

cluster_benchmarks() {
	name=${BENCH_CLUSTER_NAME:-bench}
	subnet=${BENCH_SUBNET:-198.18.80.0/24}
	seeds=${BENCH_SEEDS:-1 2 3}
	tl=${BENCH_TIME:-10s}
	store="$OUT/store"
	cl=(--cluster "$name" --store "$store")
	now() { date +%s.%N; }
	echo
	echo "== local cluster $name ($subnet): up / down, 5 nodes"
	"$FL" cluster down --name "$name" >/dev/null 2>&1
	for i in 1 2 3; do
		t0=$(now); "$FL" cluster up --name "$name" --subnet "$subnet" >/dev/null 2>"$OUT/up.err" || { cat "$OUT/up.err"; return 1; }
		t1=$(now); "$FL" cluster down --name "$name" >/dev/null 2>&1
		t2=$(now)
		awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {printf "up %.2f s  down %.2f s\n", b-a, c-b}'
	done | tee "$OUT/updown.txt"
	awk '{print $2}' "$OUT/updown.txt" | median | xargs printf 'cluster up: median %s s\n'
	awk '{print $5}' "$OUT/updown.txt" | median | xargs printf 'cluster down: median %s s\n'
	"$FL" cluster up --name "$name" --subnet "$subnet" >/dev/null || return 1

	echo
	echo "== targets on 5 nodes, no faults, rate 0, time limit $tl"
	for tm in register/paxos kv/serial kv/quorum kv/all kv/one kv/one-no-repair queue/paxos etcd/linearizable etcd/serializable; do
		t=${tm%/*}; m=${tm#*/}
		for c in 10 50; do
			"$FL" test "${cl[@]}" --target "$t" --mode "$m" --nemesis none --rate 0 --concurrency "$c" \
				--time-limit "$tl" --seed 1 --name "tp-$t-$m-c$c" >"$OUT/tp.out" 2>"$OUT/tp.err"
			dir=$(sed -n 's/^run: //p' "$OUT/tp.out" | tail -1)
			[ -z "$dir" ] && dir=$(readlink -f "$store/tp-$t-$m-c$c/latest")
			deploy=$(awk -F'time=' '/msg=setup/ {split($2,a," "); s=a[1]} /msg="workload starting"/ {split($2,a," "); w=a[1]} END {print s, w}' "$dir/faultline.log" |
				while read -r s w; do echo "$(date -d "$s" +%s.%N) $(date -d "$w" +%s.%N)"; done | awk '{printf "%.2f", $2-$1}')
			echo "$t $m c=$c deploy_s=$deploy $("$OUT/bin/flbench" stats "$dir")"
		done
	done | tee "$OUT/throughput.txt"
	awk '{for (i=1;i<=NF;i++) if ($i ~ /^deploy_s=/) {sub("deploy_s=","",$i); print $i}}' "$OUT/throughput.txt" | median | xargs printf 'deploy (setup phase of a run): median %s s\n'

	catch_benchmarks
	"$FL" cluster down --name "$name" >/dev/null
}

# Time to catch each unsafe mode of the truth table, on the cluster $name
# (brought up if needed), seeds $BENCH_SEEDS.
catch_benchmarks() {
	name=${BENCH_CLUSTER_NAME:-bench}
	subnet=${BENCH_SUBNET:-198.18.80.0/24}
	seeds=${BENCH_SEEDS:-1 2 3}
	store="$OUT/store"
	cl=(--cluster "$name" --store "$store")
	"$FL" cluster up --name "$name" --subnet "$subnet" >/dev/null || return 1
	echo
	echo "== time to catch the unsafe modes (seeds: $seeds)"
	# catch LABEL CHECKER TARGET MODE NEMESIS TIME-LIMIT SEED: one run; exit 0
	# when CHECKER found it invalid.
	catch() {
		"$FL" test "${cl[@]}" --target "$3" --mode "$4" --nemesis "$5" --time-limit "$6" --seed "$7" --name "catch-$1" >"$OUT/c.out" 2>"$OUT/c.err"
		local rc=$? dir line
		dir=$(readlink -f "$store/catch-$1/latest")
		line="$1 seed=$7 limit=$6 exit=$rc $("$OUT/bin/flbench" stats "$dir")"
		echo "$line"
		grep -q " $2=invalid" <<<"$line"
	}
	# Caught during the run: the history time of the op the checker explains.
	for s in $seeds; do
		catch register-naive linearizable register naive partition 30s "$s"
		catch kv-quorum-clock linearizable kv quorum clock 30s "$s"
		catch kv-one-partition linearizable kv one partition 30s "$s"
	done | tee "$OUT/catch-anomaly.txt"
	# Caught at the end (convergence, lost messages): the shortest time
	# limit at which the named checker finds it.
	for s in $seeds; do
		for l in 5s 10s 20s 40s 60s; do catch kv-one-no-repair convergence kv one-no-repair partition "$l" "$s" && break; done
		for l in 5s 10s 20s 40s 60s; do catch queue-async-ack total-queue queue async-ack kill "$l" "$s" && break; done
	done | tee "$OUT/catch-limit.txt"
	for m in register-naive kv-quorum-clock kv-one-partition; do
		grep "^$m " "$OUT/catch-anomaly.txt" | sed -n 's/.*anomaly_op_time_s=\([0-9.]*\).*/\1/p' | median | xargs printf "$m: caught in $(grep -c "^$m .*linearizable=invalid" "$OUT/catch-anomaly.txt")/$(grep -c "^$m " "$OUT/catch-anomaly.txt") runs, median anomaly op at %s s into the workload\n"
	done
	for m in kv-one-no-repair:convergence queue-async-ack:total-queue; do
		c=${m#*:}; m=${m%:*}
		grep "^$m .* $c=invalid" "$OUT/catch-limit.txt" | sed -n 's/.*limit=\([0-9]*\)s.*/\1/p' | median | xargs printf "$m: $c caught it in $(grep -c "^$m .* $c=invalid" "$OUT/catch-limit.txt") of $(echo $seeds | wc -w) seeds, median shortest catching time limit %s s\n"
	done
}

case "${1:-go}" in
go) go_benchmarks ;;
cluster) cluster_benchmarks ;;
catch) catch_benchmarks; "$FL" cluster down --name "${BENCH_CLUSTER_NAME:-bench}" >/dev/null ;;
all) go_benchmarks; cluster_benchmarks ;;
*) echo "usage: scripts/bench.sh [go|cluster|catch|all]" >&2; exit 254 ;;
esac
