package etcd

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/faultline/faultline/api"
)

// freePort returns a loopback port nobody listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startEtcd starts a single-member etcd on loopback, owned by the test,
// and returns its client URL and process.
func startEtcd(t *testing.T) (string, *os.Process) {
	t.Helper()
	bin := "/usr/bin/etcd"
	if _, err := os.Stat(bin); err != nil {
		t.Skip("etcd not installed (apt-get install etcd-server, or make setup)")
	}
	dir := t.TempDir()
	client := "http://127.0.0.1:" + strconv.Itoa(freePort(t))
	peer := "http://127.0.0.1:" + strconv.Itoa(freePort(t))
	logf, err := os.Create(filepath.Join(dir, "etcd.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--name", "t1", "--data-dir", filepath.Join(dir, "data"),
		"--listen-client-urls", client, "--advertise-client-urls", client,
		"--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
		"--initial-cluster", "t1="+peer, "--logger", "zap", "--log-outputs", "stderr")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGCONT)
		cmd.Process.Kill()
		cmd.Wait()
		logf.Close()
	})
	hc := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := Healthy(context.Background(), hc, client)
		if err == nil {
			return client, cmd.Process
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "etcd.log"))
			t.Fatalf("etcd did not become healthy: %v\n%s", err, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func i64(v int64) *int64 { return &v }

func TestClientRegisterSemantics(t *testing.T) {
	base, _ := startEtcd(t)
	ctx := context.Background()
	for _, serializable := range []bool{false, true} {
		c := NewClient(base, 5*time.Second, serializable)
		key := "k-" + strconv.FormatBool(serializable)
		if v, err := c.Read(ctx, key); err != nil || v != nil {
			t.Fatalf("read of an absent key = %v, %v; want nil, nil", v, err)
		}
		// cas from absent: succeeds once, then the key exists.
		if err := c.CAS(ctx, key, nil, 5); err != nil {
			t.Fatalf("cas absent->5: %v", err)
		}
		err := c.CAS(ctx, key, nil, 6)
		if !errors.Is(err, ErrMismatch) || !Definite(err) {
			t.Fatalf("cas absent->6 on a present key: %v; want a definite mismatch", err)
		}
		if err := c.Write(ctx, key, 1); err != nil {
			t.Fatalf("write: %v", err)
		}
		if v, err := c.Read(ctx, key); err != nil || v == nil || *v != 1 {
			t.Fatalf("read after write 1 = %v, %v", v, err)
		}
		if err := c.CAS(ctx, key, i64(1), 2); err != nil {
			t.Fatalf("cas 1->2: %v", err)
		}
		err = c.CAS(ctx, key, i64(1), 3)
		if !errors.Is(err, ErrMismatch) || !Definite(err) {
			t.Fatalf("cas 1->3 when key holds 2: %v; want a definite mismatch", err)
		}
		if v, err := c.Read(ctx, key); err != nil || v == nil || *v != 2 {
			t.Fatalf("read after cas = %v, %v; want 2", v, err)
		}
		c.Close()
	}
}

// TestClientErrorClasses: a refused connection is definite (the request
// never left); a member that does not answer in time is indeterminate.
func TestClientErrorClasses(t *testing.T) {
	base, proc := startEtcd(t)
	ctx := context.Background()

	dead := NewClient("http://127.0.0.1:"+strconv.Itoa(freePort(t)), time.Second, false)
	err := dead.Write(ctx, "k", 1)
	if err == nil || !Definite(err) {
		t.Fatalf("write to a closed port: %v; want a definite error", err)
	}

	c := NewClient(base, 0, false)
	if err := c.Write(ctx, "k", 1); err != nil { // warm a connection
		t.Fatal(err)
	}
	if err := proc.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	err = c.Write(short, "k", 2)
	cancel()
	proc.Signal(syscall.SIGCONT)
	if err == nil || Definite(err) {
		t.Fatalf("write to a paused member: %v; want an indeterminate error", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timeout error does not wrap context.DeadlineExceeded: %v", err)
	}
	// After SIGCONT the member answers again.
	if _, err := c.Read(ctx, "k"); err != nil {
		t.Fatalf("read after resume: %v", err)
	}
}

// TestGatewayErrors classifies the gateway's error replies.
func TestGatewayErrors(t *testing.T) {
	cases := []struct {
		status   int
		body     string
		definite bool
	}{
		{503, `{"error":"etcdserver: request timed out","message":"etcdserver: request timed out","code":14}`, false},
		{503, `{"error":"etcdserver: request timed out, possibly due to previous leader failure","code":14}`, false},
		{503, `{"error":"etcdserver: leader changed","code":14}`, false},
		{429, `{"error":"etcdserver: too many requests","code":14}`, true},
		{503, `{"error":"raft proposal dropped","code":2}`, true},
		{400, `{"error":"etcdserver: key is not provided","code":3}`, true},
		{502, `bad gateway`, false},
	}
	for _, tc := range cases {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(tc.status)
			w.Write([]byte(tc.body))
		}))
		err := NewClient(srv.URL, time.Second, false).Write(context.Background(), "k", 1)
		srv.Close()
		var e *Error
		if !errors.As(err, &e) || e.Status != tc.status {
			t.Fatalf("%s: error %v; want *Error with status %d", tc.body, err, tc.status)
		}
		if Definite(err) != tc.definite {
			t.Errorf("%s: Definite = %v, want %v (%v)", tc.body, Definite(err), tc.definite, err)
		}
	}
}

// The harness classifies through package api's sentinels: etcd's wrap them.
func TestErrorsWrapAPISentinels(t *testing.T) {
	def := &Error{Op: "write", Key: "k", Definite: true}
	mis := &Error{Op: "cas", Key: "k", Definite: true, Mismatch: true}
	ind := &Error{Op: "read", Key: "k"}
	if !errors.Is(def, api.ErrDefinite) || !errors.Is(mis, api.ErrMismatch) || !errors.Is(mis, ErrMismatch) {
		t.Errorf("definite %v, mismatch %v", errors.Is(def, api.ErrDefinite), errors.Is(mis, api.ErrMismatch))
	}
	if errors.Is(ind, api.ErrDefinite) || errors.Is(def, api.ErrMismatch) {
		t.Error("an indeterminate error or a plain definite one matches the wrong sentinel")
	}
}
