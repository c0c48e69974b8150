package kv_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faultline/faultline/targets/clock"
	"github.com/faultline/faultline/targets/internal/clustertest"
	"github.com/faultline/faultline/targets/kv"
)

// TestProcessClusterSurvivesKill9: three real faultline-node processes in
// quorum mode; every node is killed with SIGKILL and restarted, and every
// acknowledged write and add is still there. The clock file next to the
// data directory is honoured.
func TestProcessClusterSurvivesKill9(t *testing.T) {
	bin := clustertest.BuildNode(t)
	ids := []string{"n1", "n2", "n3"}
	addrs := map[string]string{}
	var peers []string
	for _, id := range ids {
		addrs[id] = clustertest.FreeAddr(t)
		peers = append(peers, id+"="+addrs[id])
	}
	base := t.TempDir()
	args := func(id string) []string {
		return []string{"--role", "kv", "--mode", "quorum", "--id", id, "--listen", addrs[id],
			"--peers", strings.Join(peers, ","), "--data", filepath.Join(base, id, "data")}
	}
	if err := os.MkdirAll(filepath.Join(base, "n2"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(base, "n2", "clock"), []byte(`{"offset_ns": -5000000000}`), 0o644); err != nil {
		t.Fatal(err)
	}
	procs := map[string]*clustertest.Proc{}
	cls := map[string]*kv.Client{}
	for _, id := range ids {
		procs[id] = clustertest.StartProc(t, bin, args(id)...)
		cls[id] = kv.NewClient("http://"+addrs[id], 2*time.Second)
		defer cls[id].Close()
	}
	for _, id := range ids {
		clustertest.WaitHealthy(t, cls[id].Health, procs[id])
	}
	ctx := context.Background()
	if r, err := cls["n2"].Clock(ctx); err != nil || r.OffsetNS != -5e9 || r.Node != "n2" {
		t.Fatalf("n2 clock = %+v, %v; want offset -5s from its clock file", r, err)
	}
	if r, err := cls["n1"].Clock(ctx); err != nil || r.OffsetNS != 0 {
		t.Fatalf("n1 clock = %+v, %v; want no offset", r, err)
	}
	for i := range int64(30) {
		if err := cls[ids[i%3]].Write(ctx, "k", i); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		if err := cls[ids[i%3]].SetAdd(ctx, "s", i); err != nil {
			t.Fatalf("add %d: %v", i, err)
		}
	}
	// A last write through n2, whose clock is 5 s behind, is acknowledged
	// but loses to n3's write of 29: last-write-wins keeps the newest stamp.
	if err := cls["n2"].Write(ctx, "k", 100); err != nil {
		t.Fatalf("write via n2: %v", err)
	}
	for _, id := range ids {
		procs[id].Kill9(t)
	}
	for _, id := range ids {
		procs[id] = clustertest.StartProc(t, bin, args(id)...)
	}
	for _, id := range ids {
		clustertest.WaitHealthy(t, cls[id].Health, procs[id])
	}
	for _, id := range ids {
		v, err := cls[id].Read(ctx, "k")
		if err != nil || v == nil || *v != 29 {
			t.Fatalf("read via %s after kill -9 = %v, %v; want 29 (n2's later write loses to its 5 s slow clock)\nstderr:\n%s", id, show(v), err, procs[id].Stderr)
		}
		set, err := cls[id].SetRead(ctx, "s")
		if err != nil || len(set) != 30 {
			t.Fatalf("set via %s after kill -9 = %v, %v; want 30 elements", id, set, err)
		}
	}
	if h, err := cls["n1"].Health(ctx); err != nil || h.Epoch != 2 || h.Mode != kv.ModeQuorum {
		t.Fatalf("health after restart: %+v, %v", h, err)
	}
	// SIGTERM: graceful exit 0.
	if err := syscall.Kill(procs["n1"].Cmd.Process.Pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := procs["n1"].Cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\nstderr:\n%s", err, procs["n1"].Stderr)
	}
}

// TestProcessRegisterServesClock: the register role reports its clock file
// too.
func TestProcessRegisterServesClock(t *testing.T) {
	bin := clustertest.BuildNode(t)
	addr := clustertest.FreeAddr(t)
	dir := t.TempDir()
	clk := filepath.Join(dir, "myclock")
	if err := os.WriteFile(clk, []byte(`{"offset_ns": 3000000000, "rate": 1.5}`), 0o644); err != nil {
		t.Fatal(err)
	}
	p := clustertest.StartProc(t, bin, "--role", "register", "--id", "n1", "--listen", addr, "--data", filepath.Join(dir, "data"), "--clock-file", clk)
	var r clock.Reading
	for range 200 {
		resp, err := http.Get("http://" + addr + "/clock")
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&r)
			resp.Body.Close()
			if err == nil {
				break
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	if r.Node != "n1" || r.OffsetNS != 3e9 || r.Rate != 1.5 {
		t.Fatalf("register GET /clock = %+v, want offset 3s rate 1.5\nstderr:\n%s", r, p.Stderr)
	}
}

func TestProcessKVBadModes(t *testing.T) {
	bin := clustertest.BuildNode(t)
	for _, args := range [][]string{
		{"--role", "kv", "--id", "n1", "--mode", "paxos"},
		{"--role", "register", "--id", "n1", "--mode", "quorum"},
		{"--role", "kv", "--id", "n1", "--mode", "eventual"},
	} {
		cmd := exec.Command(bin, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 254 || !strings.HasPrefix(stderr.String(), "faultline-node: ") {
			t.Errorf("%q: %v %q, want exit 254 with one line", args, err, stderr.String())
		}
	}
}

func show(v *int64) string {
	if v == nil {
		return "null"
	}
	return strconv.FormatInt(*v, 10)
}
