package local

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// netnsDir is where iproute2 keeps named network namespaces.
const netnsDir = "/run/netns"

// run runs a host command and returns its error with the command and its
// stderr, as one line.
func run(ctx context.Context, argv ...string) error {
	_, err := output(ctx, argv...)
	return err
}

func output(ctx context.Context, argv ...string) (string, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.Join(strings.Fields(stderr.String()), " ")
		if msg == "" {
			msg = err.Error()
		}
		return stdout.String(), fmt.Errorf("cluster/local: %s: %s", strings.Join(argv, " "), msg)
	}
	return stdout.String(), nil
}

func netnsExists(ns string) bool {
	_, err := os.Stat(filepath.Join(netnsDir, ns))
	return err == nil
}

// listNetns returns the named network namespaces prefix followed by a node
// number, by node number.
func listNetns(prefix string) map[int]string {
	out := map[int]string{}
	entries, _ := os.ReadDir(netnsDir)
	for _, e := range entries {
		if i := indexAfter(prefix, e.Name()); i > 0 {
			out[i] = e.Name()
		}
	}
	return out
}

// linkExists reports whether the host (this process's network namespace)
// has an interface called name.
func linkExists(name string) bool {
	_, err := os.Lstat(filepath.Join("/sys/class/net", name))
	return err == nil
}

// listLinks returns host interfaces named prefix followed by a node number.
func listLinks(prefix string) map[int]string {
	out := map[int]string{}
	entries, _ := os.ReadDir("/sys/class/net")
	for _, e := range entries {
		if i := indexAfter(prefix, e.Name()); i > 0 {
			out[i] = e.Name()
		}
	}
	return out
}

// linkMaster is the bridge a host interface is enslaved to, or "".
func linkMaster(name string) string {
	t, err := os.Readlink(filepath.Join("/sys/class/net", name, "master"))
	if err != nil {
		return ""
	}
	return filepath.Base(t)
}

type nsID struct{ dev, ino uint64 }

func nsIdentity(path string) (nsID, bool) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return nsID{}, false
	}
	return nsID{uint64(st.Dev), st.Ino}, true
}

// netnsPIDs returns the live processes in the named network namespace:
// what `ip netns pids NS` prints, read from /proc directly. Zombies have no
// namespace any more and are not listed.
func netnsPIDs(ns string) []int {
	want, ok := nsIdentity(filepath.Join(netnsDir, ns))
	if !ok {
		return nil
	}
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if id, ok := nsIdentity(fmt.Sprintf("/proc/%d/ns/net", pid)); ok && id == want {
			pids = append(pids, pid)
		}
	}
	sort.Ints(pids)
	return pids
}

// killNetns SIGKILLs every process in the namespace ns (they are all the
// node's: our sshd, its children, whatever was deployed there) and waits,
// bounded, until none is left.
func killNetns(ctx context.Context, ns string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		pids := netnsPIDs(ns)
		if len(pids) == 0 {
			return nil
		}
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cluster/local: processes %v in netns %s survived SIGKILL", pids, ns)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cluster/local: stopping netns %s: %w", ns, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// sshdAlive reports whether pid is the sshd that is PID 1 of a node whose
// network namespace is ns (and not a recycled PID).
func sshdAlive(pid int, ns string) bool {
	if pid <= 0 {
		return false
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil || strings.TrimSpace(string(comm)) != "sshd" {
		return false
	}
	want, ok1 := nsIdentity(filepath.Join(netnsDir, ns))
	got, ok2 := nsIdentity(fmt.Sprintf("/proc/%d/ns/net", pid))
	if !ok1 || !ok2 || want != got {
		return false
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f, ok := strings.CutPrefix(line, "NSpid:"); ok {
			ids := strings.Fields(f)
			return len(ids) >= 2 && ids[len(ids)-1] == "1"
		}
	}
	return false
}

// subnetUser returns the host interface (other than except) with an
// address overlapping p, or "".
func subnetUser(p netip.Prefix, except string) (string, netip.Prefix) {
	ifs, _ := net.Interfaces()
	for _, ifc := range ifs {
		if ifc.Name == except {
			continue
		}
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			pa, err := netip.ParsePrefix(ipn.String())
			if err != nil {
				continue
			}
			if pa.Overlaps(p) {
				return ifc.Name, pa
			}
		}
	}
	return "", netip.Prefix{}
}
