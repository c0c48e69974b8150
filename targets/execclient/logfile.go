package execclient

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// logSeq numbers the log files this process creates, so that two clients
// of one node never share a file before their pid is known.
var logSeq atomic.Uint64

// logFile is one process's log: the program's stderr is the file itself;
// faultline's own lines (header, stray stdout, kill reasons, exit) are
// written through it, each line in one write.
type logFile struct {
	mu     sync.Mutex
	f      *os.File
	path   string
	base   string // LogDir/<node>
	seq    uint64
	closed bool
}

// openLog creates a new log file for a process of node in dir, under a
// provisional name until the pid is known (see named).
func openLog(dir, node string) (*logFile, error) {
	base := filepath.Join(dir, fileSafe(node))
	for range 1000 {
		seq := logSeq.Add(1)
		path := fmt.Sprintf("%s-new%d.log", base, seq)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o644)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("execclient: node %s: log: %w", node, err)
		}
		return &logFile{f: f, path: path, base: base, seq: seq}, nil
	}
	return nil, fmt.Errorf("execclient: node %s: log: no free name %s-newN.log in %s", node, base, dir)
}

// named gives the log its final name, <node>-<pid>.log, or
// <node>-<pid>-<seq>.log when an earlier run left that one; never
// overwriting a file. On failure the provisional name stays.
func (l *logFile) named(pid int) {
	for _, name := range []string{fmt.Sprintf("%s-%d.log", l.base, pid), fmt.Sprintf("%s-%d-%d.log", l.base, pid, l.seq)} {
		if os.Link(l.path, name) == nil {
			os.Remove(l.path)
			l.mu.Lock()
			l.path = name
			l.mu.Unlock()
			return
		}
	}
}

// Path is where the log is now.
func (l *logFile) Path() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.path
}

// note writes one line of faultline's own, stamped.
func (l *logFile) note(format string, args ...any) {
	l.write([]byte("faultline: " + time.Now().UTC().Format(time.RFC3339Nano) + " " + fmt.Sprintf(format, args...) + "\n"))
}

// stdout writes a stdout line that was no answer, saying why; when more
// follows (an over-long line streamed in parts), the line is left open.
func (l *logFile) stdout(why string, line []byte, open bool) {
	b := make([]byte, 0, len(line)+len(why)+32)
	b = append(b, "faultline: stdout ("+why+"): "...)
	b = append(b, line...)
	if !open {
		b = append(b, '\n')
	}
	l.write(b)
}

// write appends b; after close it is dropped.
func (l *logFile) write(b []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.f.Write(b)
	}
}

func (l *logFile) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.closed = true
		l.f.Close()
	}
}

// tail returns the last n bytes of the log file, for an error text.
func (l *logFile) tail(n int64) string {
	f, err := os.Open(l.Path())
	if err != nil {
		return ""
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return ""
	}
	off := max(fi.Size()-n, 0)
	b := make([]byte, fi.Size()-off)
	f.ReadAt(b, off)
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// fileSafe maps a node name onto a file name: anything but letters,
// digits, '.', '_' and '-' becomes '_'.
func fileSafe(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	if s == "." || s == ".." {
		return "_"
	}
	return string(b)
}
