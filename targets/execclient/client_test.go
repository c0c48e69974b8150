package execclient_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/targets/execclient"
)

// Client is a workloads.Client (not imported: targets sit below workloads).
var _ interface {
	Invoke(context.Context, history.Op) history.Op
	Close() error
} = (*execclient.Client)(nil)

// opTimeout is generous: no test asserts on timing, only on outcomes.
const opTimeout = 20 * time.Second

// newClient returns a client running the test binary in mode, with its
// logs in a fresh directory, closed at the end of the test.
func newClient(t *testing.T, mode string, edit ...func(*execclient.Config)) (*execclient.Client, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "logs")
	cfg := execclient.Config{
		Argv:    []string{os.Args[0], "-test.run=^$"},
		Env:     []string{modeEnv + "=" + mode, "EXTRA=yes"},
		Node:    "n1",
		Address: "127.0.0.1:7001",
		Nodes:   []string{"n1=127.0.0.1:7001", "n2=127.0.0.1:7002"},
		LogDir:  dir,
	}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := execclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, dir
}

// invoke runs one op with f on c under timeout.
func invoke(c *execclient.Client, f string, value any, timeout time.Duration) history.Op {
	op := history.Op{Process: 7, Type: history.Invoke, F: f, Key: "k1", Value: history.Raw(value)}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return c.Invoke(ctx, op)
}

type echoed struct {
	PID     int             `json:"pid"`
	Got     json.RawMessage `json:"got"`
	Node    string          `json:"node"`
	Address string          `json:"address"`
	Nodes   string          `json:"nodes"`
	Extra   string          `json:"extra"`
}

// echo runs an echo op, checks it is ok and returns what the program saw.
func echo(t *testing.T, c *execclient.Client) echoed {
	t.Helper()
	got := invoke(c, "echo", 42, opTimeout)
	if got.Type != history.OK {
		t.Fatalf("echo: %+v, want ok", got)
	}
	var e echoed
	if err := json.Unmarshal(got.Value, &e); err != nil {
		t.Fatalf("echo value %s: %v", got.Value, err)
	}
	return e
}

// logs returns the text of every log file in dir.
func logs(t *testing.T, dir string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	var b strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
	}
	return b.String()
}

// waitLogged waits until the logs in dir hold text.
func waitLogged(t *testing.T, dir, text string) {
	t.Helper()
	for i := 0; !strings.Contains(logs(t, dir), text); i++ {
		if i > 2000 {
			t.Fatalf("the logs never said %q", text)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestPassThrough(t *testing.T) {
	c, _ := newClient(t, "ops")
	e := echo(t, c)
	if string(e.Got) != "42" || e.Node != "n1" || e.Address != "127.0.0.1:7001" ||
		e.Nodes != "n1=127.0.0.1:7001,n2=127.0.0.1:7002" || e.Extra != "yes" {
		t.Errorf("the program saw %+v", e)
	}
	for _, tc := range []struct {
		f     string
		typ   history.Type
		value string
		err   string
	}{
		{"echo", history.OK, "", ""},
		{"novalue", history.OK, `"arg"`, ""},
		{"nullvalue", history.OK, "null", ""},
		{"fail", history.Fail, `"arg"`, "nope"},
		{"info", history.Info, `"half"`, "maybe"},
	} {
		got := invoke(c, tc.f, "arg", opTimeout)
		want := history.Op{Process: 7, Type: tc.typ, F: tc.f, Key: "k1", Node: "n1", Value: got.Value, Error: tc.err}
		if tc.value != "" {
			want.Value = json.RawMessage(tc.value)
		}
		if got.Process != want.Process || got.Type != want.Type || got.F != want.F || got.Key != want.Key ||
			got.Node != want.Node || string(got.Value) != string(want.Value) || got.Error != want.Error {
			t.Errorf("%s: got %+v, want %+v", tc.f, got, want)
		}
	}
	if again := echo(t, c); again.PID != e.PID {
		t.Errorf("pid %d then %d: a well-behaved program was restarted", e.PID, again.PID)
	}
}

// The completion keeps the invoke's node when it has one.
func TestKeepsOpNode(t *testing.T) {
	c, _ := newClient(t, "ops")
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	got := c.Invoke(ctx, history.Op{Process: 1, Type: history.Invoke, F: "novalue", Node: "n9"})
	if got.Type != history.OK || got.Node != "n9" {
		t.Errorf("got %+v, want ok on n9", got)
	}
}

// Each misbehaviour makes the op an info naming it, and the next op is
// served by a fresh process.
func TestMisbehaviourRestarts(t *testing.T) {
	for _, tc := range []struct {
		f       string
		value   any
		timeout time.Duration
		err     string // a regexp
		logged  string // in the log
	}{
		{"exit", nil, opTimeout, `client exited: exit status 3 \(pid \d+, log .*n1-\d+\.log\)`, "ended: exit status 3"},
		{"hang", nil, 300 * time.Millisecond, `client did not answer within 300ms`, "hanging"},
		{"hangchild", nil, 300 * time.Millisecond, `client did not answer within 300ms`, "child pid"},
		{"garbage", nil, opTimeout, `client printed garbage: not a JSON object: "hello, world"`, "faultline: stdout (not an answer): hello, world\n"},
		{"badtype", nil, opTimeout, `client printed garbage: type "invoke" is not ok, fail or info`, `{"type":"invoke"}`},
		{"badfield", nil, opTimeout, `client printed garbage: "error" is a JSON number, not a string`, `{"type":"fail","error":3}`},
		{"torn", nil, opTimeout, `client printed garbage: not JSON \(unexpected end of JSON input\)`, `{"type":"ok","value":[1,`},
		{"huge", 200_000, opTimeout, `client printed garbage: a line longer than 65536 bytes, starting "xxx`, "faultline: stdout (a line longer than 65536 bytes): " + strings.Repeat("x", 65537)}, // killed mid-line: what it printed so far
	} {
		t.Run(tc.f, func(t *testing.T) {
			c, dir := newClient(t, "ops", func(cfg *execclient.Config) { cfg.MaxLine = 64 << 10 })
			before := echo(t, c)
			got := invoke(c, tc.f, tc.value, tc.timeout)
			if got.Type != history.Info || !regexp.MustCompile(tc.err).MatchString(got.Error) {
				t.Errorf("%s: got %s %q, want info matching %s", tc.f, got.Type, got.Error, tc.err)
			}
			if got.F != tc.f || got.Key != "k1" || got.Process != 7 || got.Node != "n1" {
				t.Errorf("%s: the completion lost the invoke's fields: %+v", tc.f, got)
			}
			after := echo(t, c)
			if after.PID == before.PID {
				t.Errorf("%s: pid %d served the op after: not restarted", tc.f, after.PID)
			}
			c.Close()
			text := logs(t, dir)
			if !strings.Contains(text, tc.logged) {
				t.Errorf("%s: logs lack %.100q (%d bytes):\n%.2000s", tc.f, tc.logged, len(tc.logged), text)
			}
			if !strings.Contains(text, "started pid "+strconv.Itoa(before.PID)) || !strings.Contains(text, "started pid "+strconv.Itoa(after.PID)) {
				t.Errorf("%s: logs lack the start headers of pids %d and %d:\n%.2000s", tc.f, before.PID, after.PID, text)
			}
			if tc.f == "hangchild" {
				m := regexp.MustCompile(`child pid (\d+)`).FindStringSubmatch(text)
				if m == nil {
					t.Fatalf("no child pid in the log")
				}
				pid, _ := strconv.Atoi(m[1])
				waitGone(t, pid)
			}
		})
	}
}

// waitGone waits until pid no longer runs (gone or a zombie).
func waitGone(t *testing.T, pid int) {
	t.Helper()
	for range 200 {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if syscall.Kill(pid, 0) != nil || (err == nil && strings.Contains(string(stat), ") Z ")) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("pid %d, in the killed process group, still runs", pid)
}

// A line while no op is in flight bars the process: the next op is an
// info, not sent, and the one after runs on a fresh process.
func TestStrayLine(t *testing.T) {
	c, dir := newClient(t, "ops")
	first := invoke(c, "stray", nil, opTimeout)
	if first.Type != history.OK {
		t.Fatalf("stray: %+v, want ok (its first answer)", first)
	}
	// The second answer may arrive after the next op is written, and then
	// answers it: wait until it is in the log.
	waitLogged(t, dir, "no op in flight")
	got := invoke(c, "echo", nil, opTimeout)
	if got.Type != history.Info || !strings.Contains(got.Error, `client printed garbage: a line while no op was in flight: "{\"type\":\"ok\",\"value\":\"extra\"}"; op not sent`) {
		t.Errorf("after a stray line: %+v, want info", got)
	}
	echo(t, c)
	c.Close()
	if text := logs(t, dir); !strings.Contains(text, `faultline: stdout (no op in flight): {"type":"ok","value":"extra"}`+"\n") {
		t.Errorf("the stray line is not in the log:\n%s", text)
	}
}

// A program that exits after answering is replaced without harm.
func TestExitBetweenOps(t *testing.T) {
	c, _ := newClient(t, "ops")
	before := echo(t, c)
	if got := invoke(c, "exitafter", nil, opTimeout); got.Type != history.OK {
		t.Fatalf("exitafter: %+v, want ok", got)
	}
	// The next op may race the exit: it is either served by a fresh
	// process or (written before the exit was seen) an info.
	for range 3 {
		got := invoke(c, "echo", nil, opTimeout)
		if got.Type == history.OK {
			var e echoed
			json.Unmarshal(got.Value, &e)
			if e.PID == before.PID {
				t.Errorf("pid %d answered after it exited", e.PID)
			}
			return
		}
		if got.Type != history.Info || !strings.Contains(got.Error, "exit") {
			t.Fatalf("after an exit: %+v", got)
		}
	}
	t.Error("no fresh process served an op")
}

func TestStderrLogged(t *testing.T) {
	c, dir := newClient(t, "ops")
	pid := echo(t, c).PID
	if got := invoke(c, "chatter", nil, opTimeout); got.Type != history.OK {
		t.Fatalf("chatter: %+v", got)
	}
	c.Close()
	path := filepath.Join(dir, "n1-"+strconv.Itoa(pid)+".log")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the log of pid %d: %v", pid, err)
	}
	text := string(data)
	for i := range 100 {
		if !strings.Contains(text, "chatter "+strconv.Itoa(i)+"\n") {
			t.Fatalf("%s lacks chatter %d:\n%s", path, i, text)
		}
	}
	for _, want := range []string{"starting [\"" + os.Args[0], "started pid " + strconv.Itoa(pid), "pid " + strconv.Itoa(pid) + " ended: "} {
		if !strings.Contains(text, want) {
			t.Errorf("%s lacks %q:\n%s", path, want, text)
		}
	}
}

func TestCloseWithoutProcess(t *testing.T) {
	c, dir := newClient(t, "ops")
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	got := invoke(c, "echo", nil, opTimeout)
	if got.Type != history.Fail || !strings.Contains(got.Error, "op not sent: client is closed") {
		t.Errorf("Invoke after Close: %+v, want fail", got)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) != 0 {
		t.Errorf("no process ran, yet %v", files)
	}
}

// Close during an Invoke that hangs returns, and so does the Invoke.
func TestCloseDuringHang(t *testing.T) {
	for _, mode := range []string{"ops", "ignoreeof"} {
		t.Run(mode, func(t *testing.T) {
			c, dir := newClient(t, mode)
			res := make(chan history.Op)
			go func() { res <- invoke(c, "hang", nil, time.Hour) }()
			waitLogged(t, dir, "hanging")
			closed := make(chan error)
			go func() { closed <- c.Close() }()
			select {
			case got := <-res:
				if got.Type != history.Info || !strings.Contains(got.Error, "client closed while the op was in flight") {
					t.Errorf("the hung op: %+v, want info", got)
				}
			case <-time.After(opTimeout):
				t.Fatal("Invoke did not return after Close")
			}
			select {
			case <-closed:
			case <-time.After(opTimeout):
				t.Fatal("Close did not return")
			}
		})
	}
}

// A program that ignores its stdin closing is killed by Close.
func TestCloseKillsLingerer(t *testing.T) {
	c, dir := newClient(t, "ignoreeof")
	echo(t, c)
	c.Close()
	if text := logs(t, dir); !strings.Contains(text, "did not exit within 1s of its stdin closing") || !strings.Contains(text, "signal: killed") {
		t.Errorf("the log does not say it was killed:\n%s", text)
	}
}

func TestCancelledContext(t *testing.T) {
	c, dir := newClient(t, "ops")
	ctx, cancel := context.WithCancel(context.Background())
	res := make(chan history.Op)
	go func() { res <- c.Invoke(ctx, history.Op{Process: 1, Type: history.Invoke, F: "hang"}) }()
	waitLogged(t, dir, "hanging")
	cancel()
	got := <-res
	if got.Type != history.Info || !strings.Contains(got.Error, "op abandoned before the client answered: context canceled") {
		t.Errorf("cancelled: %+v", got)
	}
	got = c.Invoke(ctx, history.Op{Process: 1, Type: history.Invoke, F: "echo"})
	if got.Type != history.Fail || !strings.Contains(got.Error, "op not sent: context canceled") {
		t.Errorf("with a done ctx: %+v, want fail", got)
	}
}

func TestStartCheck(t *testing.T) {
	dir := t.TempDir()
	_, err := execclient.New(execclient.Config{
		Argv: []string{os.Args[0]}, Env: []string{modeEnv + "=exitnow"},
		Node: "n1", LogDir: dir, StartCheck: opTimeout,
	})
	if err == nil || !strings.Contains(err.Error(), "exit status 2") || !strings.Contains(err.Error(), "boom") {
		t.Errorf("New of a program that exits at once: %v", err)
	}
	c, err := execclient.New(execclient.Config{
		Argv: []string{os.Args[0]}, Env: []string{modeEnv + "=ops"},
		Node: "n1", LogDir: dir, StartCheck: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	echo(t, c)
}

func TestNewValidates(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	good := execclient.Config{Argv: []string{os.Args[0]}, Node: "n1", LogDir: dir}
	for _, tc := range []struct {
		name string
		edit func(*execclient.Config)
		want string
	}{
		{"no argv", func(c *execclient.Config) { c.Argv = nil }, "Argv names no program"},
		{"empty program", func(c *execclient.Config) { c.Argv = []string{""} }, "Argv names no program"},
		{"no node", func(c *execclient.Config) { c.Node = "" }, "Node is empty"},
		{"no log dir", func(c *execclient.Config) { c.LogDir = "" }, "LogDir is empty"},
		{"log dir is a file", func(c *execclient.Config) { c.LogDir = filepath.Join(file, "x") }, "LogDir"},
		{"missing program", func(c *execclient.Config) { c.Argv = []string{"/no/such/program"} }, "program"},
		{"not in PATH", func(c *execclient.Config) { c.Argv = []string{"no-such-program-xyz"} }, "program"},
		{"not executable", func(c *execclient.Config) { c.Argv = []string{file} }, "program"},
		{"bad env", func(c *execclient.Config) { c.Env = []string{"NOEQUALS"} }, "Env entry"},
		{"bad nodes", func(c *execclient.Config) { c.Nodes = []string{"n1"} }, "Nodes entry"},
		{"comma in nodes", func(c *execclient.Config) { c.Nodes = []string{"n1=a,b"} }, "Nodes entry"},
		{"dir missing", func(c *execclient.Config) { c.Dir = filepath.Join(dir, "nope") }, "Dir"},
		{"dir is a file", func(c *execclient.Config) { c.Dir = file }, "not a directory"},
		{"negative max line", func(c *execclient.Config) { c.MaxLine = -1 }, "MaxLine"},
		{"negative start check", func(c *execclient.Config) { c.StartCheck = -1 }, "StartCheck"},
	} {
		cfg := good
		tc.edit(&cfg)
		if c, err := execclient.New(cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			if c != nil {
				c.Close()
			}
			t.Errorf("%s: New: %v, want an error about %s", tc.name, err, tc.want)
		}
	}
	c, err := execclient.New(good)
	if err != nil {
		t.Fatalf("a good config: %v", err)
	}
	c.Close()
}

// A relative program path is taken relative to Dir.
func TestRelativeProgram(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink(os.Args[0], filepath.Join(dir, "client")); err != nil {
		t.Fatal(err)
	}
	c, _ := newClient(t, "ops", func(cfg *execclient.Config) { cfg.Argv = []string{"./client"}; cfg.Dir = dir })
	echo(t, c)
}

// No goroutine outlives Close, whatever the program did.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	for _, f := range []string{"echo", "exit", "hang", "hangchild", "garbage", "stray", "exitafter"} {
		c, _ := newClient(t, "ops")
		invoke(c, f, nil, 300*time.Millisecond)
		invoke(c, "echo", nil, opTimeout)
		c.Close()
	}
	for i := 0; ; i++ {
		now := runtime.NumGoroutine()
		if now <= before {
			return
		}
		if i > 200 {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines before, %d after Close:\n%s", before, now, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// A program that does not read its stdin cannot block Invoke past its
// deadline, even with an op larger than the pipe holds.
func TestWriteBlocked(t *testing.T) {
	c, _ := newClient(t, "noread")
	got := invoke(c, "echo", strings.Repeat("v", 1<<20), 300*time.Millisecond)
	if got.Type != history.Info || !strings.Contains(got.Error, "client did not answer within 300ms") {
		t.Errorf("a write into a full pipe: %s %q, want info", got.Type, got.Error)
	}
}
