package set

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/targets"
	"github.com/faultline/faultline/workloads"
)

// opSetStore is a set store behind op clients, as a client executable
// would serve it: adds and reads go in as history ops.
type opSetStore struct {
	mu     sync.Mutex
	sets   map[string][]int64
	nodes  map[string]int // clients opened per node
	closed int
}

type opSetClient struct {
	s    *opSetStore
	node string
}

func (c opSetClient) Invoke(_ context.Context, op history.Op) history.Op {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	done := op
	done.Type = history.OK
	switch op.F {
	case "add":
		var e int64
		if json.Unmarshal(op.Value, &e) != nil {
			done.Type, done.Error = history.Fail, "bad element"
			return done
		}
		c.s.sets[op.Key] = append(c.s.sets[op.Key], e)
	case "read":
		done.Value, _ = json.Marshal(map[string]any{"elements": c.s.sets[op.Key]})
	default:
		done.Type, done.Error = history.Fail, "unknown f "+op.F
	}
	return done
}

func (c opSetClient) Close() error {
	c.s.mu.Lock()
	c.s.closed++
	c.s.mu.Unlock()
	return nil
}

// opDeployment serves only op clients: no api.SetClients, no api.Local.
type opDeployment struct {
	targets.Deployment
	s *opSetStore
}

func (d opDeployment) OpClient(node string) (targets.OpClient, error) {
	d.s.mu.Lock()
	d.s.nodes[node]++
	d.s.mu.Unlock()
	return opSetClient{d.s, node}, nil
}

type recorder struct {
	mu  sync.Mutex
	ops []history.Op
}

func (r *recorder) Record(op history.Op) (history.Op, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	op.Index = int64(len(r.ops))
	r.ops = append(r.ops, op)
	return op, nil
}

// A deployment whose clients take history ops gets the generator's ops
// unchanged, and its reads serve the final phase on every node.
func TestOpClientsServeTheWorkersAndTheFinalReads(t *testing.T) {
	s := &opSetStore{sets: map[string][]int64{}, nodes: map[string]int{}}
	nodes := []string{"n1", "n2", "n3"}
	run, err := Workload.Build(workloads.Env{Deployment: opDeployment{s: s}, Nodes: nodes, Concurrency: 2})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	c, err := run.NewClient("n1")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	added := 0
	for i := 0; i < 50; i++ {
		op, ok := run.Generator.Next(rng, 0)
		if !ok {
			break
		}
		done := c.Invoke(context.Background(), op)
		if done.Type != history.OK {
			t.Fatalf("%s %s: %s %s", op.F, op.Key, done.Type, done.Error)
		}
		if op.F == "add" {
			added++
		}
	}
	if added == 0 {
		t.Fatal("the generator gave no adds")
	}
	rec := &recorder{}
	if err := run.Final(context.Background(), rec); err != nil {
		t.Fatalf("Final: %v", err)
	}
	read := map[string]bool{}
	for _, op := range rec.ops {
		if op.Type == history.OK {
			read[op.Node] = true
		}
	}
	for _, n := range nodes {
		if !read[n] || s.nodes[n] == 0 {
			t.Errorf("node %s: final read recorded %v, clients opened %d", n, read[n], s.nodes[n])
		}
	}
	if s.closed < len(nodes) {
		t.Errorf("the final phase closed %d clients, want at least %d", s.closed, len(nodes))
	}
	var keys []string
	for k := range s.sets {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys) == 0 {
		t.Fatal("nothing was added through the op client")
	}
}
