// Command flbench is the helper of scripts/bench.sh: it generates large
// register histories and summarises recorded runs.
//
//	flbench gen-register -ops 1000000 -keys 10000 OUT.jsonl
//	flbench stats RUN_DIR    # throughput, latency quantiles, verdict, first anomaly
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/faultline/faultline/bench"
	"github.com/faultline/faultline/history"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "gen-register":
		err = genRegister(os.Args[2:])
	case "stats":
		err = stats(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "flbench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: flbench gen-register [-ops N -keys N -procs N -seed N -info PCT] OUT.jsonl | flbench stats RUN_DIR")
	os.Exit(254)
}

func genRegister(args []string) error {
	fs := flag.NewFlagSet("gen-register", flag.ExitOnError)
	var o bench.RegisterOptions
	fs.IntVar(&o.Ops, "ops", 1_000_000, "client operations (2 history lines each)")
	fs.IntVar(&o.Keys, "keys", 10_000, "independent registers")
	fs.IntVar(&o.Processes, "procs", 50, "concurrent clients")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed")
	fs.IntVar(&o.InfoPercent, "info", 1, "percent of writes and cas ending in info")
	fs.Parse(args)
	if fs.NArg() != 1 {
		usage()
	}
	f, err := os.Create(fs.Arg(0))
	if err != nil {
		return err
	}
	if err := bench.WriteRegister(f, o); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// stats prints one line: the verdict, throughput and latency of the run in
// dir, and when the linearizability checker explained an anomaly, the
// history time of its op.
func stats(args []string) error {
	if len(args) != 1 {
		usage()
	}
	dir := args[0]
	h, err := history.ReadFile(filepath.Join(dir, "history.jsonl"))
	if err != nil {
		return err
	}
	s := bench.Summarise(h)
	var res struct {
		Verdict  string `json:"verdict"`
		Checkers map[string]struct {
			Verdict string         `json:"verdict"`
			Details map[string]any `json:"details"`
		} `json:"checkers"`
	}
	if b, err := os.ReadFile(filepath.Join(dir, "results.json")); err == nil {
		json.Unmarshal(b, &res)
	}
	line := fmt.Sprintf("verdict=%s %s", res.Verdict, s)
	// The workload starts at the first client invoke (after deploy).
	var start int64 = -1
	for _, o := range h {
		if !o.IsNemesis() && o.Type == history.Invoke {
			start = o.Time
			break
		}
	}
	for name, c := range res.Checkers {
		if c.Verdict != "valid" {
			line += fmt.Sprintf(" %s=%s", name, c.Verdict)
		}
		a, _ := c.Details["anomaly"].(map[string]any)
		if idx, ok := a["index"].(float64); ok && int(idx) < len(h) {
			line += fmt.Sprintf(" anomaly_op_time_s=%.2f", time.Duration(h[int(idx)].Time-start).Seconds())
		}
	}
	fmt.Println(line)
	return nil
}
