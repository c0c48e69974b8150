package execclient

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Timings of a process's end.
const (
	// closeGrace is how long Close lets the program exit after closing
	// its stdin before killing it.
	closeGrace = time.Second
	// drainGrace is how long stdout is still read after the program
	// exited, for what is left in the pipe; only a descendant that left
	// the process group (setsid) can hold it open longer.
	drainGrace = time.Second
	// exitGrace is how long an op whose program closed its stdout (or
	// stdin) waits for the exit status that says why (never past the
	// op's deadline).
	exitGrace = time.Second
)

// readBuf is the read buffer of stdout; lines longer than it are
// assembled up to MaxLine.
const readBuf = 64 << 10

// proc is one run of the program: its pipes, its log and two goroutines,
// the reader of its stdout and the waiter for its exit.
type proc struct {
	pid    int
	cmd    *exec.Cmd
	stdin  *os.File // faultline's end
	stdout *os.File // faultline's end
	log    *logFile

	answers  chan answer   // one per op; closed when stdout ends
	readDone chan struct{} // closed when the reader has returned
	done     chan struct{} // closed when the program has exited and its group is killed
	waitErr  error         // how it exited; set before done is closed

	mu       sync.Mutex
	seq      uint64 // counts ops, for the cancellation of a write
	inflight bool   // an op was written and its answer is awaited
	answered bool   // the op in flight has its answer
	stray    string // the first line printed while no op was in flight, clipped

	stdinOnce, killOnce sync.Once
}

// startProc starts the program of cfg with env; wg counts its goroutines.
func startProc(cfg *Config, env []string, wg *sync.WaitGroup) (*proc, error) {
	lf, err := openLog(cfg.LogDir, cfg.Node)
	if err != nil {
		return nil, err
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		lf.close()
		return nil, fmt.Errorf("execclient: node %s: stdin pipe: %w", cfg.Node, err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		lf.close()
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("execclient: node %s: stdout pipe: %w", cfg.Node, err)
	}
	cmd := exec.Command(cfg.Argv[0], cfg.Argv[1:]...)
	cmd.Env, cmd.Dir = env, cfg.Dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, lf.f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	dir := cfg.Dir
	if dir == "" {
		dir, _ = os.Getwd()
	}
	lf.note("starting %q in %s for node %s (address %q)", cfg.Argv, dir, cfg.Node, cfg.Address)
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		lf.note("could not start: %v", err)
		lf.close()
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("execclient: node %s: start %q: %w (log %s)", cfg.Node, cfg.Argv, err, lf.Path())
	}
	pid := cmd.Process.Pid
	lf.named(pid)
	lf.note("started pid %d (process group %d)", pid, pid)
	p := &proc{
		pid: pid, cmd: cmd, stdin: inW, stdout: outR, log: lf,
		answers:  make(chan answer, 1),
		readDone: make(chan struct{}),
		done:     make(chan struct{}),
	}
	wg.Add(2)
	go p.read(cfg.maxLine(), wg)
	go p.wait(wg)
	return p, nil
}

// wait reaps the program, kills what is left of its process group, and
// closes the pipes and the log once the reader is done.
func (p *proc) wait(wg *sync.WaitGroup) {
	defer wg.Done()
	p.waitErr = p.cmd.Wait()
	syscall.Kill(-p.pid, syscall.SIGKILL) // its children, if any are left
	close(p.done)
	p.closeStdin()
	p.stdout.SetReadDeadline(time.Now().Add(drainGrace))
	<-p.readDone
	p.stdout.Close()
	p.log.note("pid %d ended: %s", p.pid, exitText(p.waitErr))
	p.log.close()
}

// exitText says how a program exited.
func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error() // "exit status 3", "signal: killed"
}

// read splits stdout into lines of at most max bytes and hands each to
// offer; an over-long line is streamed to the log and offered as garbage.
func (p *proc) read(max int, wg *sync.WaitGroup) {
	defer wg.Done()
	defer close(p.readDone)
	defer close(p.answers)
	br := bufio.NewReaderSize(p.stdout, readBuf)
	var line []byte
	over := false // inside an over-long line
	for {
		chunk, err := br.ReadSlice('\n')
		end := err == nil // chunk ends the line
		n := len(line) + len(chunk)
		if end {
			n--
		}
		switch {
		case over:
			p.log.write(chunk)
		case n > max:
			over = true
			head := append(line, chunk...)
			why := fmt.Sprintf("a line longer than %d bytes", max)
			p.log.stdout(why, head, true)
			p.offer(answer{garbage: fmt.Sprintf("%s, starting %s", why, clip(head[:min(len(head), clipLen)]))}, nil)
			line = line[:0]
		default:
			line = append(line, chunk...)
			if end {
				p.offer(parseAnswer(line[:len(line)-1]), line[:len(line)-1])
				if cap(line) > readBuf {
					line = nil // do not keep a large line's buffer
				} else {
					line = line[:0]
				}
			}
		}
		if end {
			over = false
		}
		if err == nil || err == bufio.ErrBufferFull {
			continue
		}
		if over {
			p.log.write([]byte("\n"))
		} else if len(line) > 0 { // a last line without its newline
			p.offer(parseAnswer(line), line)
		}
		switch {
		case err == io.EOF:
		case errors.Is(err, os.ErrDeadlineExceeded):
			p.log.note("stdout still open %v after pid %d exited (held by a process outside its group?): stopped reading", drainGrace, p.pid)
		default:
			p.log.note("reading stdout: %v", err)
		}
		return
	}
}

// offer hands one stdout line to the op in flight, or, when there is none
// or it is answered already, logs it as stray and marks the process so
// that the next op is not sent. line is nil when already logged.
func (p *proc) offer(a answer, line []byte) {
	p.mu.Lock()
	deliver := p.inflight && !p.answered
	if deliver {
		p.answered = true
	} else if p.stray == "" {
		if line != nil {
			p.stray = clip(line)
		} else {
			p.stray = a.garbage
		}
	}
	p.mu.Unlock()
	if line != nil {
		switch {
		case !deliver:
			p.log.stdout("no op in flight", line, false)
		case a.garbage != "":
			p.log.stdout("not an answer", line, false)
		}
	}
	if deliver {
		select {
		case p.answers <- a:
		default: // cannot happen: one answer per op, and the channel holds one
		}
	}
}

// begin marks an op in flight and returns its sequence number, or the
// stray line that bars this process from taking another op.
func (p *proc) begin() (seq uint64, stray string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stray != "" {
		return 0, p.stray
	}
	p.seq++
	p.inflight, p.answered = true, false
	return p.seq, ""
}

// end marks the op in flight done.
func (p *proc) end() {
	p.mu.Lock()
	p.inflight = false
	p.mu.Unlock()
}

// busy reports whether an op is in flight.
func (p *proc) busy() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.inflight
}

// cancelWrite makes a blocked write of op seq return at once, if that op
// is still in flight.
func (p *proc) cancelWrite(seq uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inflight && p.seq == seq {
		p.stdin.SetWriteDeadline(time.Now())
	}
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *proc) closeStdin() { p.stdinOnce.Do(func() { p.stdin.Close() }) }

// kill sends SIGKILL to the program's process group, saying why in the
// log; the waiter reaps it. A no-op once it has exited.
func (p *proc) kill(reason string) {
	p.killOnce.Do(func() {
		if p.exited() {
			return
		}
		p.log.note("killing process group %d: %s", p.pid, reason)
		syscall.Kill(-p.pid, syscall.SIGKILL)
		p.closeStdin()
	})
}

// stop ends the program for Close: at once when an op is in flight,
// otherwise by closing its stdin and killing it if it has not exited
// after closeGrace. It returns once the program has exited.
func (p *proc) stop() {
	if p.busy() {
		p.kill("client closed with an op in flight")
	} else {
		p.closeStdin()
		t := time.NewTimer(closeGrace)
		select {
		case <-p.done:
		case <-t.C:
			p.kill(fmt.Sprintf("client closed, and it did not exit within %v of its stdin closing", closeGrace))
		}
		t.Stop()
	}
	<-p.done
}

// where names the process in an op's error text.
func (p *proc) where() string {
	return fmt.Sprintf("pid %d, log %s", p.pid, p.log.Path())
}
