// Command faultline-redis is faultline with one more target: Redis with
// Sentinel, from Debian's redis-server and redis-sentinel packages, written
// only against faultline's public Go API (package cli, targets,
// targets/deploy, api). It is the worked example of docs/own-system.md.
//
// On the five nodes: one Redis primary (n1 at the start), the others its
// replicas, and a Sentinel on every node (quorum 3). Replication is
// asynchronous, as Redis's is; the primary takes writes only while at least
// one replica is connected and less than 10 s behind
// (min-replicas-to-write 1, min-replicas-max-lag 10), which is what Redis's
// own documentation recommends against split-brain. Sentinels declare the
// primary down after 5 s and may fail over every 10 s. A client bound to a
// node asks that node's Sentinel which server is the primary.
//
// The deployment says which servers are primaries (targets.Primaries, by
// ROLE), so the partition nemesis also draws partitions that isolate them.
// Under a partition that isolates the primary, the majority side promotes
// a replica; writes the old primary acknowledged before it noticed are
// lost when it rejoins as a replica. faultline catches it: the set
// workload names the lost elements, the register workload the reads that
// cannot be linearized.
//
//	go build -o faultline-redis . && ./faultline-redis test --target redis --workload set --nemesis partition
package main
