package kv

import (
	"testing"
	"time"

	"github.com/faultline/faultline/api"
)

// TestSessionPerWorker: in session mode RegisterClient (called once per
// workload worker) hands out a new Session over the node's shared Client
// each time, so workers never share session state; other modes hand out
// the Client itself.
func TestSessionPerWorker(t *testing.T) {
	c := NewClient("http://127.0.0.1:1", time.Second)
	defer c.Close()
	d := &deployment{clients: map[string]*Client{"n1": c}, session: true}
	a, err := d.RegisterClient("n1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := d.RegisterClient("n1")
	sa, ok1 := a.(*Session)
	sb, ok2 := b.(*Session)
	if !ok1 || !ok2 || sa == sb || sa.c != c || sb.c != c {
		t.Fatalf("session mode: RegisterClient gave %T %p and %T %p; want two distinct Sessions over n1's client", a, a, b, b)
	}
	sa.observe("x", Version{TS: 5, Node: "n1"})
	if got := sb.Seen("x"); got != (Version{}) {
		t.Fatalf("worker b's session sees worker a's version %+v", got)
	}
	if _, err := d.RegisterClient("n9"); err == nil {
		t.Fatal("RegisterClient of an unknown node succeeded")
	}
	d.session = false
	if r, _ := d.RegisterClient("n1"); r != api.Register(c) {
		t.Fatalf("one mode: RegisterClient gave %T, want the node's Client", r)
	}
}
