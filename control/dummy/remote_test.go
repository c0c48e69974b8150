package dummy

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/faultline/faultline/control"
)

func TestResponsesByLongestPrefix(t *testing.T) {
	r := New("n1")
	r.On([]string{"iptables"}, control.Result{Stdout: []byte("any iptables\n")})
	r.On([]string{"iptables", "-S"}, control.Result{Stdout: []byte("-P INPUT ACCEPT\n")})
	r.On([]string{"pkill"}, control.Result{ExitCode: 1, Stderr: []byte("no process\n")})
	r.OnError([]string{"reboot"}, ErrInjected)
	r.Handle(func(c Call) (control.Result, error) {
		return control.Result{Stdout: []byte("handled " + c.Argv[0])}, nil
	})
	ctx := context.Background()

	if out, err := control.Exec(ctx, r, true, "iptables", "-S", "INPUT"); err != nil || out != "-P INPUT ACCEPT\n" {
		t.Errorf("longest prefix: %q, %v", out, err)
	}
	if out, err := control.Exec(ctx, r, true, "iptables", "-F"); err != nil || out != "any iptables\n" {
		t.Errorf("shorter prefix: %q, %v", out, err)
	}
	_, err := r.Run(ctx, control.Cmd{Argv: []string{"pkill", "-f", "x"}})
	var exit *control.ExitError
	if !errors.As(err, &exit) || exit.Code != 1 || exit.Stderr != "no process\n" || exit.Node != "n1" {
		t.Errorf("exit code: %v", err)
	}
	if _, err := r.Run(ctx, control.Cmd{Argv: []string{"reboot"}}); !errors.Is(err, control.ErrTransport) {
		t.Errorf("injected error: %v", err)
	}
	if out, err := control.Exec(ctx, r, false, "date"); err != nil || out != "handled date" {
		t.Errorf("handler: %q, %v", out, err)
	}
	_, err = r.Run(ctx, control.Cmd{Argv: []string{"cat"}, Stdin: strings.NewReader("input"), Dir: "/d"})
	if err != nil {
		t.Fatal(err)
	}

	want := []string{"sudo 'iptables' -S INPUT", "sudo 'iptables' -F", "'pkill' -f x", "'reboot'", "'date'", "'cat'"}
	if got := r.Commands(); !slices.Equal(got, want) {
		t.Errorf("commands %q, want %q", got, want)
	}
	if c := r.Calls()[5]; string(c.Stdin) != "input" || c.Dir != "/d" {
		t.Errorf("last call %+v", c)
	}
	r.Reset()
	if len(r.Calls()) != 0 {
		t.Error("Reset kept calls")
	}
}

func TestDefaultIsSuccess(t *testing.T) {
	r := New("n2")
	res, err := r.Run(context.Background(), control.Cmd{Argv: []string{"anything"}})
	if err != nil || res.ExitCode != 0 {
		t.Errorf("got %+v, %v", res, err)
	}
	if _, err := r.Run(context.Background(), control.Cmd{}); err == nil {
		t.Error("empty argv accepted")
	}
}

func TestTransfers(t *testing.T) {
	r := New("n1")
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "bin")
	os.WriteFile(src, []byte("binary"), 0o600)
	if err := r.Upload(ctx, src, "/opt/faultline/bin", 0o755); err != nil {
		t.Fatal(err)
	}
	up := r.Uploads()
	if len(up) != 1 || up[0].Path != "/opt/faultline/bin" || up[0].Mode != 0o755 || string(up[0].Data) != "binary" {
		t.Errorf("uploads %+v", up)
	}
	back := filepath.Join(t.TempDir(), "back")
	if err := r.Download(ctx, "/opt/faultline/bin", back); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(back); string(b) != "binary" {
		t.Errorf("downloaded %q", b)
	}
	r.SetFile("/var/log/x.log", []byte("log"), 0o644)
	if err := r.Download(ctx, "/var/log/x.log", back); err != nil {
		t.Fatal(err)
	}
	if err := r.Download(ctx, "/nope", back); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
	if d := r.Downloads(); len(d) != 2 || d[1].Path != "/var/log/x.log" {
		t.Errorf("downloads %+v", d)
	}
	r.Close()
	if _, err := r.Run(ctx, control.Cmd{Argv: []string{"x"}}); err == nil {
		t.Error("run after Close succeeded")
	}
}
