// Package queue is the queue workload: enqueues of unique integers and
// dequeues from concurrent clients on every node, then a final phase that
// drains the queue from every node until each says it is empty. It is
// checked by checker.TotalQueue (every acknowledged enqueue dequeued exactly
// once) and by checker.FIFO (linearizability of the whole history against
// a FIFO queue, by its violation patterns; the dequeue-outcome records
// below resolve indeterminate dequeues for it too).
//
// History shape: f "enqueue" with the value on invoke and ok; f "dequeue"
// with its request id on invoke ({"id": "d-7"}) and, on ok, the element
// removed or null when the queue was empty. A definite error is fail,
// anything else info. When the target's API is a Resolver, the drain then
// asks for the outcome of every info dequeue and records it as f
// "dequeue-outcome" (ok value {"id", "applied", "value", "empty"}), which
// lets TotalQueue count it exactly instead of as a possible loss.
//
//	gen := queue.NewGenerator(queue.Options{})
//	cl := queue.NewClient(api, queueTarget.Definite, "n1")
//	op, _ := gen.Next(rng, 0)
//	done := cl.Invoke(ctx, op) // ok / fail / info
//
//	drain := queue.NewDrain(map[string]queue.API{"n1": a1, "n2": a2}, queue.DrainOptions{FirstProcess: 100})
//	test.Final = func(ctx context.Context, rec run.Recorder) error { return drain(ctx, rec) }
package queue
