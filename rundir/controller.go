package rundir

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// ControllerFile holds the pid and start time of the controller running
// the run, while it runs: a run with no results is "running" only while
// that process lives, and "interrupted" once it is gone.
const ControllerFile = "controller.pid"

// WriteController records this process as the run's controller.
func WriteController(dir string) error {
	start, err := startTime(os.Getpid())
	if err != nil {
		start = "0"
	}
	return WriteFile(dir, ControllerFile, fmt.Appendf(nil, "%d %s\n", os.Getpid(), start))
}

// RemoveController says the controller is done with the run.
func RemoveController(dir string) error {
	err := os.Remove(filepath.Join(dir, ControllerFile))
	if os.IsNotExist(err) {
		return nil
	}
	return err
}

// ControllerAlive reports whether the run in dir (of fsys) has a
// controller that is still running on this machine: its pid file names a
// live process with the start time it recorded (a pid reused by another
// program does not count).
func ControllerAlive(fsys fs.FS, dir string) bool {
	b, err := fs.ReadFile(fsys, path.Join(dir, ControllerFile))
	if err != nil || len(b) > 64 {
		return false
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return false
	}
	pid, err := strconv.Atoi(f[0])
	if err != nil || pid <= 0 {
		return false
	}
	start, err := startTime(pid)
	return err == nil && start == f[1]
}

// startTime is a process's start time in clock ticks since boot (field 22
// of /proc/PID/stat), which with the pid names one process.
func startTime(pid int) (string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')') // the command may hold spaces and parentheses
	if i < 0 {
		return "", fmt.Errorf("rundir: /proc/%d/stat: no command field", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return "", fmt.Errorf("rundir: /proc/%d/stat: %d fields", pid, len(f))
	}
	return f[19], nil // field 22 overall: after ')' come fields 3..
}
