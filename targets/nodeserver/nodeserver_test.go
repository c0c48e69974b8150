package nodeserver_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/api"
	"github.com/faultline/faultline/targets/nodeserver"
	"github.com/faultline/faultline/targets/paxos"
)

var codec = nodeserver.Codec{Name: "t", MaxBody: 64}

// TestFailClassifies: an *Error keeps its status and verdict; anything
// else is an indeterminate 500, because nothing proves it did not happen.
func TestFailClassifies(t *testing.T) {
	cases := []struct {
		err      error
		status   int
		definite bool
	}{
		{nodeserver.Definite(503, "no quorum"), 503, true},
		{fmt.Errorf("wrapped: %w", nodeserver.Definite(409, "mismatch")), 409, true},
		{nodeserver.Indeterminate("accept sent"), 500, false},
		{errors.New("disk full"), 500, false},
	}
	for _, tc := range cases {
		w := httptest.NewRecorder()
		codec.Fail(w, tc.err)
		var body nodeserver.ErrorBody
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatalf("%v: reply %q: %v", tc.err, w.Body, err)
		}
		if w.Code != tc.status || body.Definite != tc.definite || body.Error == "" {
			t.Errorf("%v: HTTP %d %+v, want %d definite %v", tc.err, w.Code, body, tc.status, tc.definite)
		}
	}
}

func TestDecodeBoundsTheBody(t *testing.T) {
	var v struct{ S string }
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"S":"`+strings.Repeat("x", 100)+`"}`))
	if err := codec.Decode(r, &v); err == nil {
		t.Fatal("a body over MaxBody decoded")
	}
	r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(" "))
	if err := codec.DecodeOptional(r, &v); err != nil {
		t.Fatalf("an empty optional body: %v", err)
	}
	r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(" "))
	if err := codec.Decode(r, &v); err == nil {
		t.Fatal("an empty body decoded")
	}
}

// TestPeerClientMarksNotSent: only what cannot have reached the peer, or
// what it refused before acting, is ErrNotSent.
func TestPeerClientMarksNotSent(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/bad":
			w.WriteHeader(400)
		case "/fail":
			w.WriteHeader(500)
		default:
			w.Write([]byte(`{"v":1}`))
		}
	}))
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	c := nodeserver.NewPeerClient("t", map[string]string{"up": strings.TrimPrefix(srv.URL, "http://"), "down": closed},
		nodeserver.PeerOptions{MaxIdleConns: 4, MaxIdleConnsPerHost: 4, MaxReply: 1 << 10})
	defer c.CloseIdle()
	ctx := context.Background()
	var out struct{ V int }
	if err := c.Do(ctx, "up", http.MethodPost, "/ok", struct{}{}, &out); err != nil || out.V != 1 {
		t.Fatalf("ok: %v %+v", err, out)
	}
	for _, tc := range []struct {
		to, path string
		notSent  bool
	}{{"nobody", "/ok", true}, {"down", "/ok", true}, {"up", "/bad", true}, {"up", "/fail", false}} {
		err := c.Do(ctx, tc.to, http.MethodGet, tc.path, nil, nil)
		if err == nil || nodeserver.NotSent(err) != tc.notSent {
			t.Errorf("%s%s: %v, want not-sent %v", tc.to, tc.path, err, tc.notSent)
		}
	}
}

// TestFanoutOutlivesTheWait: a caller that stops waiting still gets the
// late replies from Rest, and Next reports the end of the wait.
func TestFanoutOutlivesTheWait(t *testing.T) {
	f := nodeserver.Send(context.Background(), []string{"fast", "slow"}, time.Second, func(ctx context.Context, id string) (string, error) {
		if id == "slow" {
			time.Sleep(50 * time.Millisecond)
		}
		return id, nil
	})
	wait, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if rep, ok := f.Next(wait); !ok || rep.From != "fast" || rep.Value != "fast" {
		t.Fatalf("first reply %+v %v", rep, ok)
	}
	if _, ok := f.Next(wait); ok || f.Pending() != 1 {
		t.Fatalf("the slow reply arrived before the wait ended (pending %d)", f.Pending())
	}
	if rest := f.Rest(); len(rest) != 1 || rest[0].From != "slow" || f.Pending() != 0 {
		t.Fatalf("rest %+v", rest)
	}
}

// memAcceptors are in-memory acceptors; down ones fail every request.
type memAcceptors struct {
	accs map[string]*paxos.Acceptor
	down map[string]error
}

func (m memAcceptors) Prepare(_ context.Context, to string, msg paxos.Prepare) (paxos.Promise, error) {
	if err := m.down[to]; err != nil {
		return paxos.Promise{}, err
	}
	p, _ := m.accs[to].HandlePrepare(msg.Key, msg.Ballot)
	return p, nil
}

func (m memAcceptors) Accept(_ context.Context, to string, msg paxos.Accept) (paxos.Accepted, error) {
	if err := m.down[to]; err != nil {
		return paxos.Accepted{}, err
	}
	a, _ := m.accs[to].HandleAccept(msg.Key, msg.Ballot, msg.Value)
	return a, nil
}

func newMem(ids ...string) memAcceptors {
	m := memAcceptors{accs: map[string]*paxos.Acceptor{}, down: map[string]error{}}
	for _, id := range ids {
		m.accs[id] = paxos.NewAcceptor(paxos.ModePaxos)
	}
	return m
}

func TestRoundIODecidesWithAQuorum(t *testing.T) {
	m := newMem("a", "b", "c")
	m.down["c"] = errors.New("unreachable")
	io := nodeserver.RoundIO{IDs: []string{"a", "b", "c"}, Acceptors: m, Timeout: time.Second}
	r := paxos.NewRound("k", paxos.Ballot{Counter: 1, Node: "a"}, 3, func([]byte) ([]byte, error) { return []byte("1"), nil })
	if io.Run(context.Background(), r) || r.Phase() != paxos.Decided || !r.AcceptSent() {
		t.Fatalf("phase %v accept sent %v, want decided", r.Phase(), r.AcceptSent())
	}
	if st := m.accs["a"].State("k"); string(st.Value) != "1" {
		t.Fatalf("acceptor a holds %q", st.Value)
	}
}

func TestRoundIOStop(t *testing.T) {
	m := newMem("a", "b", "c")
	settled := errors.New("already decided")
	m.down["b"], m.down["c"] = settled, settled
	var seen []error
	io := nodeserver.RoundIO{IDs: []string{"a", "b", "c"}, Acceptors: m, Timeout: time.Second,
		Stop: func(_ string, err error) bool { seen = append(seen, err); return errors.Is(err, settled) }}
	r := paxos.NewRound("k", paxos.Ballot{Counter: 1, Node: "a"}, 3, func([]byte) ([]byte, error) { return []byte("1"), nil })
	if !io.Run(context.Background(), r) || r.Phase() != paxos.Preparing || r.AcceptSent() || len(seen) != 1 {
		t.Fatalf("phase %v accept sent %v stops %v, want stopped in preparing at the first settled reply", r.Phase(), r.AcceptSent(), seen)
	}
}

// TestProposerClassifies: a decided op returns what it saw, a mismatch is
// a definite 409, and a round with no quorum before any accept is a
// definite 503.
func TestProposerClassifies(t *testing.T) {
	m := newMem("a", "b", "c")
	p := nodeserver.NewProposer(nodeserver.ProposerConfig{Name: "t", Node: "a", Epoch: 1, Acceptors: m,
		OpTimeout: time.Second, PeerTimeout: 50 * time.Millisecond, MaxAttempts: 3})
	ids := []string{"a", "b", "c"}
	write := nodeserver.Op{Kind: "write", Key: "k", IDs: ids, Change: func([]byte) ([]byte, error) { return []byte("7"), nil }}
	if _, err := p.Do(context.Background(), write); err != nil {
		t.Fatalf("write: %v", err)
	}
	read := nodeserver.Op{Kind: "read", Key: "k", IDs: ids, ReadOnly: true, Change: func(cur []byte) ([]byte, error) { return cur, nil }}
	if v, err := p.Do(context.Background(), read); err != nil || string(v) != "7" {
		t.Fatalf("read: %q %v", v, err)
	}
	mismatch := nodeserver.Op{Kind: "cas", Key: "k", IDs: ids, Change: func([]byte) ([]byte, error) {
		return nil, fmt.Errorf("no: %w", api.ErrMismatch)
	}}
	if _, err := p.Do(context.Background(), mismatch); err == nil || err.Status != 409 || !err.Definite {
		t.Fatalf("cas mismatch: %+v, want a definite 409", err)
	}
	m.down["b"], m.down["c"] = errors.New("cut"), errors.New("cut")
	if _, err := p.Do(context.Background(), write); err == nil || err.Status != 503 || !err.Definite {
		t.Fatalf("no quorum: %+v, want a definite 503", err)
	}
}
