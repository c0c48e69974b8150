package register_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/faultline/faultline/targets/paxos"
)

// BenchmarkClusterMixed measures half-read, half-write throughput of an
// in-process 5-node cluster on loopback, 64 keys:
//
//	go test -run '^$' -bench ClusterMixed ./targets/register/
func BenchmarkClusterMixed(b *testing.B) {
	c := newCluster(b, 5, paxos.ModePaxos)
	cls := c.clients(0)
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		rng := rand.New(rand.NewPCG(rand.Uint64(), 1))
		ctx := context.Background()
		for pb.Next() {
			cl := cls[c.ids[rng.IntN(len(c.ids))]]
			key := "k" + strconv.Itoa(rng.IntN(64))
			var err error
			if rng.IntN(2) == 0 {
				_, err = cl.Read(ctx, key)
			} else {
				err = cl.Write(ctx, key, 1)
			}
			if err != nil {
				b.Logf("op error: %v", err)
			}
		}
	})
}
