package queue_test

import (
	"bytes"
	"context"
	"net"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/faultline/faultline/targets/internal/clustertest"
	"github.com/faultline/faultline/targets/queue"
)

// TestNodeProcessSurvivesKill9 runs a 3-node cluster of real daemons,
// kills the node that took the enqueues with SIGKILL, restarts it and
// drains the queue from it: nothing acknowledged is lost.
func TestNodeProcessSurvivesKill9(t *testing.T) {
	bin := clustertest.BuildNode(t)
	ids := []string{"n1", "n2", "n3"}
	addrs := map[string]string{}
	peers := ""
	for _, id := range ids {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addrs[id] = ln.Addr().String()
		ln.Close()
		if peers != "" {
			peers += ","
		}
		peers += id + "=" + addrs[id]
	}
	dirs := map[string]string{}
	args := func(id string) []string {
		return []string{"--role", "queue", "--id", id, "--listen", addrs[id], "--peers", peers, "--data", dirs[id], "--op-timeout", "3s"}
	}
	procs := map[string]*clustertest.Proc{}
	cls := map[string]*queue.Client{}
	for _, id := range ids {
		dirs[id] = t.TempDir()
		procs[id] = clustertest.StartProc(t, bin, args(id)...)
		cls[id] = queue.NewClient("http://"+addrs[id], 5*time.Second)
		defer cls[id].Close()
	}
	for _, id := range ids {
		clustertest.WaitHealthy(t, cls[id].Health, procs[id])
	}
	ctx := context.Background()
	var want []int64
	for i := range int64(30) {
		if err := cls["n1"].Enqueue(ctx, i); err != nil {
			t.Fatalf("enqueue %d: %v\n%s", i, err, procs["n1"].Stderr)
		}
		want = append(want, i)
	}
	procs["n1"].Kill9(t)
	cls["n1"].Close()
	procs["n1"] = clustertest.StartProc(t, bin, args("n1")...)
	clustertest.WaitHealthy(t, cls["n1"].Health, procs["n1"])
	h, err := cls["n1"].Health(ctx)
	if err != nil || h.Epoch != 2 || h.Role != "queue" || h.Mode != queue.ModePaxos {
		t.Fatalf("health after restart: %+v, %v", h, err)
	}
	var got []int64
	for {
		v, empty, err := cls["n1"].Dequeue(ctx)
		if err != nil {
			t.Fatalf("dequeue after kill -9: %v\n%s", err, procs["n1"].Stderr)
		}
		if empty {
			break
		}
		got = append(got, v)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("after kill -9 and restart drained %v, want %v", got, want)
	}
	// n2 learns the drain (broadcast or catch-up) and reports it.
	waitFor(t, "n2 applying the drain", func() bool {
		st, err := cls["n2"].Stats(ctx)
		return err == nil && st.QueueLen == 0 && st.AppliedSlot >= 60
	})
	st, err := cls["n2"].Stats(ctx)
	if err != nil || st.RSSBytes <= 0 || st.Node != "n2" {
		t.Fatalf("stats of n2: %+v, %v", st, err)
	}
	// Bad mode: one line, exit 254.
	out, err := exec.Command(bin, "--role", "queue", "--id", "n1", "--mode", "eventual").CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 254 || !bytes.Contains(out, []byte("async-ack")) {
		t.Fatalf("bad --mode: %v %q", err, out)
	}
}
