package cli

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// errBusy marks a cluster another faultline run is using: exit 255.
var errBusy = errors.New("cluster busy")

// lockNodes takes an exclusive, non-blocking lock on the nodes file, so
// that two runs on one controller never drive the same nodes at once (their
// faults and deploys would corrupt each other's results). The lock is
// released when the process exits, even on SIGKILL.
func lockNodes(nodesFile string) (release func(), err error) {
	path := nodesFile + ".lock"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		// A read-only nodes directory: run unlocked rather than not at all.
		return func() {}, nil
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b := make([]byte, 32)
		n, _ := f.ReadAt(b, 0)
		f.Close()
		holder := strings.TrimSpace(string(b[:n]))
		return nil, fmt.Errorf("%w: another faultline run (pid %s) is using the nodes of %s; wait for it, or use another cluster (--cluster, --nodes-file)", errBusy, holder, nodesFile)
	}
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() { f.Close() }, nil
}
