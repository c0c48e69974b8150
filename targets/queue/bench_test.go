package queue_test

import (
	"context"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/faultline/faultline/targets/queue"
)

// BenchmarkClusterMixed measures half-enqueue, half-dequeue throughput of an
// in-process 5-node cluster on loopback, clients spread over every node:
//
//	go test -run '^$' -bench ClusterMixed ./targets/queue/
func BenchmarkClusterMixed(b *testing.B) {
	c := newCluster(b, 5, queue.Config{})
	cls := c.clients(0)
	var next, errs atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		rng := rand.New(rand.NewPCG(rand.Uint64(), 1))
		ctx := context.Background()
		for pb.Next() {
			cl := cls[c.ids[rng.IntN(len(c.ids))]]
			var err error
			if rng.IntN(2) == 0 {
				err = cl.Enqueue(ctx, next.Add(1))
			} else {
				_, _, err = cl.Dequeue(ctx)
			}
			if err != nil {
				errs.Add(1)
			}
		}
	})
	b.ReportMetric(float64(errs.Load())/float64(b.N), "errors/op")
}
