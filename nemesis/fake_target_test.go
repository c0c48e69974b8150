package nemesis

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"
)

// fakeTarget is a target daemon on a fakeNet that implements Process,
// Pauser and Clocker: its clock follows the node's clock file exactly as
// the real daemon's does, and a paused node's clock cannot be read.
type fakeTarget struct {
	net  *fakeNet
	file string

	mu      sync.Mutex
	paused  map[string]bool
	calls   []string // "pause n1", "resume n2", ...
	failOn  string   // Pause/Resume on this node fail
	ignored string   // this node's daemon ignores the clock file (a broken daemon)
	stuck   string   // this node's clock runs 9s ahead whatever its file says
	log     *[]string
}

func newFakeTarget(net *fakeNet) *fakeTarget {
	return &fakeTarget{net: net, file: ClockFile, paused: map[string]bool{}}
}

func (t *fakeTarget) record(s string) {
	t.calls = append(t.calls, s)
	if t.log != nil {
		*t.log = append(*t.log, s)
	}
}

func (t *fakeTarget) Kill(_ context.Context, node string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.record("kill " + node)
	return nil
}

func (t *fakeTarget) Start(_ context.Context, node string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.record("start " + node)
	return nil
}

func (t *fakeTarget) Pause(_ context.Context, node string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.record("pause " + node)
	if node == t.failOn {
		return errors.New("ssh: connection refused")
	}
	t.paused[node] = true
	return nil
}

func (t *fakeTarget) Resume(_ context.Context, node string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.record("resume " + node)
	if node == t.failOn {
		return errors.New("ssh: connection refused")
	}
	t.paused[node] = false
	return nil
}

// ReadClock is the controller's clock plus the node's file offset.
func (t *fakeTarget) ReadClock(_ context.Context, node string) (time.Time, error) {
	t.mu.Lock()
	paused, ignored, stuck := t.paused[node], t.ignored == node, t.stuck == node
	t.mu.Unlock()
	if stuck {
		return time.Now().Add(9 * time.Second), nil
	}
	if paused {
		return time.Time{}, errors.New("GET /clock: context deadline exceeded")
	}
	t.net.mu.Lock()
	body := t.net.nodes[node].files[t.file]
	t.net.mu.Unlock()
	var spec ClockSpec
	if s := strings.TrimSpace(body); s != "" && !ignored {
		if err := json.Unmarshal([]byte(s), &spec); err != nil {
			return time.Time{}, err
		}
	}
	return time.Now().Add(time.Duration(spec.OffsetNs)), nil
}

// plainProcess is a target with no optional capabilities.
type plainProcess struct{}

func (plainProcess) Kill(context.Context, string) error  { return nil }
func (plainProcess) Start(context.Context, string) error { return nil }
