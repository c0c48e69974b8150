package nemesis

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/control/dummy"
	"github.com/faultline/faultline/history"
)

// t0 is the fake controller's time in these tests.
var t0 = time.Unix(1_700_000_000, 250_000_000)

// fakeClocks is a controller clock that advances tick per reading, and
// dummy nodes whose system clocks are the controller's plus a skew that
// `date -u -s` changes.
type fakeClocks struct {
	mu    sync.Mutex
	now   time.Time
	tick  time.Duration
	skew  map[string]time.Duration
	boot  map[string]string
	units map[string][]string // active NTP units by node
}

func (f *fakeClocks) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.now
	f.now = f.now.Add(f.tick)
	return t
}

func (f *fakeClocks) handler(node string) dummy.Handler {
	return func(c dummy.Call) (control.Result, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		a := c.Argv
		switch {
		case slices.Equal(a, []string{"cat", BootIDFile}):
			return control.Result{Stdout: []byte(f.boot[node] + "\n")}, nil
		case slices.Equal(a, []string{"date", "+%s.%N"}):
			t := f.now.Add(f.skew[node])
			return control.Result{Stdout: []byte(fmt.Sprintf("%d.%09d\n", t.Unix(), t.Nanosecond()))}, nil
		case len(a) == 4 && a[0] == "date" && a[1] == "-u" && a[2] == "-s":
			t, err := parseEpoch(strings.TrimPrefix(a[3], "@"))
			if err != nil || !c.Sudo {
				return control.Result{ExitCode: 1, Stderr: []byte("date: cannot set date")}, nil
			}
			f.skew[node] = t.Sub(f.now)
			return control.Result{}, nil
		case len(a) == 3 && a[0] == "systemctl" && a[1] == "is-active":
			if slices.Contains(f.units[node], a[2]) {
				return control.Result{Stdout: []byte("active\n")}, nil
			}
			return control.Result{ExitCode: 3, Stdout: []byte("inactive\n")}, nil
		case len(a) == 3 && a[0] == "systemctl" && (a[1] == "stop" || a[1] == "start"):
			return control.Result{}, nil
		}
		return control.Result{ExitCode: 127, Stderr: []byte("unexpected command")}, nil
	}
}

// newSystemTest builds a system-mode clock over n dummy nodes with
// distinct boot ids, node i running the NTP units in units[i].
func newSystemTest(t *testing.T, n int, units ...[]string) (*Clock, *fakeClocks, []*dummy.Remote) {
	t.Helper()
	f := &fakeClocks{now: t0, skew: map[string]time.Duration{}, boot: map[string]string{}, units: map[string][]string{}}
	env := Env{Remotes: map[string]control.Remote{}}
	var rs []*dummy.Remote
	for i := range n {
		name := fmt.Sprintf("n%d", i+1)
		r := dummy.New(name).Handle(f.handler(name))
		env.Nodes = append(env.Nodes, name)
		env.Remotes[name] = r
		f.boot[name] = fmt.Sprintf("boot-%d", i+1)
		if i < len(units) {
			f.units[name] = units[i]
		}
		rs = append(rs, r)
	}
	opts := fastClock
	opts.Mode = ClockModeSystem
	c, err := NewClockWith(env, rand.New(rand.NewPCG(1, 1)), opts)
	if err != nil {
		t.Fatal(err)
	}
	c.now = f.Now
	return c, f, rs
}

func TestClockSystemBumpArgv(t *testing.T) {
	ctx := context.Background()
	c, f, rs := newSystemTest(t, 2, []string{"systemd-timesyncd", "ntp"}, []string{"chrony"})
	f.skew["n1"] = 200 * time.Millisecond // n1 runs 200ms ahead already
	done := c.Invoke(ctx, killOp("bump-clock", `{"n1": 5000000000}`))
	if done.Type != history.OK {
		t.Fatalf("bump = %s %q", done.Type, done.Error)
	}
	want := []string{
		"cat " + BootIDFile,
		"systemctl is-active systemd-timesyncd",
		"sudo systemctl stop systemd-timesyncd",
		"systemctl is-active chrony",
		"systemctl is-active ntp",
		"sudo systemctl stop ntp",
		"date +%s.%N",
		// node time (t0+200ms) plus 5s, the fake controller not advancing
		"sudo date -u -s @1700000005.450000000",
		"date +%s.%N", // measurement
	}
	if got := commands(rs[0]); !slices.Equal(got, want) {
		t.Fatalf("n1 ran\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// n2 was not bumped: its NTP stays up, its clock untouched.
	if got, want := commands(rs[1]), []string{"cat " + BootIDFile, "date +%s.%N"}; !slices.Equal(got, want) {
		t.Fatalf("n2 ran %q, want %q", got, want)
	}
	v := clockValue(t, done)
	if v.OffsetsNs["n1"] != int64(5200*time.Millisecond) || v.OffsetsNs["n2"] != 0 {
		t.Fatalf("measured %v, want n1 5.2s, n2 0", v.OffsetsNs)
	}
	// A second bump replaces the first: it steps by the difference and
	// does not stop NTP again.
	rs[0].Reset()
	done = c.Invoke(ctx, killOp("bump-clock", `{"n1": -1000000000}`))
	if done.Type != history.OK {
		t.Fatalf("second bump = %s %q", done.Type, done.Error)
	}
	// steps by -6s from the node's t0+5.2s
	want = []string{"date +%s.%N", "sudo date -u -s @1699999999.450000000", "date +%s.%N"}
	if got := commands(rs[0]); !slices.Equal(got, want) {
		t.Fatalf("second bump ran %q, want %q", got, want)
	}
}

func TestClockSystemHealRestartsExactlyStoppedUnits(t *testing.T) {
	ctx := context.Background()
	c, f, rs := newSystemTest(t, 3, []string{"chrony"}, []string{"systemd-timesyncd", "ntp"}, nil)
	done := c.Invoke(ctx, killOp("bump-clock", `{"n1": 3000000000, "n2": -4000000000, "n3": 1000000000}`))
	if done.Type != history.OK {
		t.Fatalf("bump = %s %q", done.Type, done.Error)
	}
	res, err := c.Residue(ctx)
	if err != nil || len(res) != 5 { // three clocks off, two nodes with NTP stopped
		t.Fatalf("residue after bump = %q, %v", res, err)
	}
	for _, r := range rs {
		r.Reset()
	}
	if err := c.Heal(ctx); err != nil {
		t.Fatal(err)
	}
	wants := map[string][]string{
		"n1": {"sudo date -u -s @1700000000.250000000", "sudo systemctl start chrony", "date +%s.%N"},
		"n2": {"sudo date -u -s @1700000000.250000000", "sudo systemctl start systemd-timesyncd", "sudo systemctl start ntp", "date +%s.%N"},
		"n3": {"sudo date -u -s @1700000000.250000000", "date +%s.%N"},
	}
	for i, r := range rs {
		n := c.env.Nodes[i]
		if got := commands(r); !slices.Equal(got, wants[n]) {
			t.Errorf("%s heal ran %q, want %q", n, got, wants[n])
		}
		if f.skew[n] != 0 {
			t.Errorf("%s still %v off after heal", n, f.skew[n])
		}
	}
	if res, err := c.Residue(ctx); err != nil || len(res) != 0 {
		t.Fatalf("residue after heal = %q, %v", res, err)
	}
	// A second heal restarts nothing.
	rs[1].Reset()
	if err := c.Heal(ctx); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range commands(rs[1]) {
		if strings.Contains(cmd, "systemctl") {
			t.Fatalf("second heal ran %q", cmd)
		}
	}
}

func TestClockSystemMissingUnitIgnored(t *testing.T) {
	ctx := context.Background()
	c, _, rs := newSystemTest(t, 2, []string{"chrony", "ntp"})
	// chrony reports active but its stop says it is not loaded.
	rs[0].On([]string{"systemctl", "stop", "chrony"}, control.Result{ExitCode: 5, Stderr: []byte("Failed to stop chrony.service: Unit chrony.service not loaded.")})
	if done := c.Invoke(ctx, killOp("bump-clock", `{"n1": 2000000000}`)); done.Type != history.OK {
		t.Fatalf("bump = %s %q", done.Type, done.Error)
	}
	rs[0].Reset()
	if err := c.Heal(ctx); err != nil {
		t.Fatal(err)
	}
	var starts []string
	for _, cmd := range commands(rs[0]) {
		if strings.Contains(cmd, "systemctl start") {
			starts = append(starts, cmd)
		}
	}
	if !slices.Equal(starts, []string{"sudo systemctl start ntp"}) {
		t.Fatalf("heal started %q, want only ntp", starts)
	}
	// Any other stop failure fails the op and steps nothing.
	c2, f2, rs2 := newSystemTest(t, 2, []string{"chrony"})
	rs2[0].On([]string{"systemctl", "stop", "chrony"}, control.Result{ExitCode: 1, Stderr: []byte("Access denied")})
	done := c2.Invoke(ctx, killOp("bump-clock", `{"n1": 2000000000}`))
	if done.Type != history.Info || !strings.Contains(done.Error, "chrony") || f2.skew["n1"] != 0 {
		t.Fatalf("bump with failing stop = %s %q, skew %v", done.Type, done.Error, f2.skew["n1"])
	}
}

func TestClockSystemStrobeEndsOnOffset(t *testing.T) {
	c, f, rs := newSystemTest(t, 2, []string{"ntp"})
	done := c.Invoke(context.Background(), killOp("strobe-clock", `["n1"]`))
	if done.Type != history.OK {
		t.Fatalf("strobe = %s %q", done.Type, done.Error)
	}
	v := clockValue(t, done)
	if v.Strobe.Flips%2 != 1 || time.Duration(v.SetNs["n1"]) != f.skew["n1"] || f.skew["n1"] == 0 {
		t.Fatalf("strobe value %s, n1 skew %v", done.Value, f.skew["n1"])
	}
	var sets, stops int
	for _, cmd := range commands(rs[0]) {
		if strings.HasPrefix(cmd, "sudo date -u -s @") {
			sets++
		}
		if cmd == "sudo systemctl stop ntp" {
			stops++
		}
	}
	if sets != v.Strobe.Flips || stops != 1 {
		t.Fatalf("n1: %d clock sets for %d flips, NTP stopped %d times (want once)", sets, v.Strobe.Flips, stops)
	}
}

func TestClockSystemMeasuresAtMidpoint(t *testing.T) {
	c, f, _ := newSystemTest(t, 1)
	f.tick = 40 * time.Millisecond // each controller reading is 40ms after the last
	f.skew["n1"] = 3 * time.Second
	// readSystem reads the controller at t0 (before) and t0+40ms (after);
	// the node answers with its time at the moment of the command, which
	// the fake takes as t0+40ms (the clock has already ticked): so node
	// time t0+40ms+3s against midpoint t0+20ms is 3.02s.
	off, err := c.readOffset(context.Background(), "n1")
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(3*time.Second + 20*time.Millisecond); off != want {
		t.Fatalf("offset %v, want %v", time.Duration(off), time.Duration(want))
	}
}

func TestClockSystemResidueThreshold(t *testing.T) {
	c, f, _ := newSystemTest(t, 3)
	f.skew["n1"] = 499 * time.Millisecond
	f.skew["n2"] = -600 * time.Millisecond
	f.skew["n3"] = 2 * time.Second
	res, err := c.Residue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || !strings.HasPrefix(res[0], "n2: system clock -600ms off") || !strings.HasPrefix(res[1], "n3: system clock 2s off") {
		t.Fatalf("residue %q, want n2 and n3", res)
	}
}

func TestClockSystemRefusesSharedKernel(t *testing.T) {
	env := Env{Nodes: []string{"n1"}, Remotes: map[string]control.Remote{"n1": dummy.New("n1")}}
	_, err := NewClockWith(env, rand.New(rand.NewPCG(1, 1)), ClockOptions{Mode: ClockModeSystem, SharedKernel: true})
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "share") {
		t.Fatalf("shared kernel option: err %v, want ErrUnsupported", err)
	}
	// Without the option, a shared boot id is found before anything is
	// stepped, and heal refuses too.
	c, f, rs := newSystemTest(t, 3, []string{"ntp"}, []string{"ntp"}, []string{"ntp"})
	f.boot["n3"] = f.boot["n1"]
	if err := c.CheckKernels(context.Background()); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), `"n1" and "n3"`) {
		t.Fatalf("CheckKernels: %v", err)
	}
	done := c.Invoke(context.Background(), killOp("bump-clock", `{"n2": 1000000000}`))
	if done.Type != history.Info || !strings.Contains(done.Error, "same boot id") {
		t.Fatalf("bump on shared kernel = %s %q", done.Type, done.Error)
	}
	if err := c.Heal(context.Background()); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("heal on shared kernel: %v", err)
	}
	for _, r := range rs {
		for _, cmd := range commands(r) {
			if strings.Contains(cmd, "date -u -s") || strings.Contains(cmd, "systemctl") {
				t.Fatalf("%s ran %q on a shared kernel", r.Node(), cmd)
			}
		}
	}
}

func TestClockModeUnknownAndFileUnchanged(t *testing.T) {
	env := Env{Nodes: []string{"n1"}, Remotes: map[string]control.Remote{"n1": dummy.New("n1")}}
	if _, err := NewClockWith(env, rand.New(rand.NewPCG(1, 1)), ClockOptions{Mode: "kernel"}); err == nil || !strings.Contains(err.Error(), `"kernel"`) {
		t.Fatalf("unknown mode: %v", err)
	}
	// File mode still needs a Clocker, whatever SharedKernel says.
	if _, err := NewClockWith(env, rand.New(rand.NewPCG(1, 1)), ClockOptions{Mode: ClockModeFile}); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("file mode without target: %v", err)
	}
}

func TestParseEpoch(t *testing.T) {
	for in, want := range map[string]time.Time{
		"1700000000.123456789\n": time.Unix(1700000000, 123456789),
		"1700000000.5":           time.Unix(1700000000, 500000000),
	} {
		got, err := parseEpoch(in)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseEpoch(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"1700000000.%N", "1700000000", "", "x.1"} {
		if _, err := parseEpoch(bad); err == nil {
			t.Errorf("parseEpoch(%q) accepted", bad)
		}
	}
	if got := dateArg(time.Unix(1700000000, 5)); got != "@1700000000.000000005" {
		t.Errorf("dateArg = %q", got)
	}
}
