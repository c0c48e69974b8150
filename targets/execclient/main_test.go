package execclient_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

// modeEnv switches the test binary into one of the fake client programs.
const modeEnv = "EXECCLIENT_TEST_MODE"

func TestMain(m *testing.M) {
	if mode := os.Getenv(modeEnv); mode != "" {
		os.Exit(fakeClient(mode))
	}
	os.Exit(m.Run())
}

// fakeClient is the client program of the tests. Mode "ops" speaks the
// protocol and behaves as each op's f says:
//
//	echo       ok, value {"pid","got","node","address","nodes"}
//	novalue    ok without a value
//	nullvalue  ok with value null
//	fail       fail, error "nope"
//	info       info, value "half", error "maybe"
//	exit       exits with status 3 without answering
//	exitafter  answers ok, then exits 0
//	hang       writes "hanging" to stderr and never answers
//	hangchild  starts a child (mode "sleep") that shares its stdout, then hangs
//	garbage    prints "hello, world"
//	badtype    answers type "invoke"
//	huge       prints a line of op.Value bytes
//	chatter    writes "chatter N" lines to stderr, then answers ok
//	stray      answers ok, then prints a second answer
//	badfield   answers with a number as "error"
//	torn       answers with a line that is not whole JSON
//
// Mode "exitnow" writes "boom" to stderr and exits 2 at once; "sleep"
// and "noread" sleep without reading stdin; "ignoreeof" is "ops" that keeps running after stdin closes.
func fakeClient(mode string) int {
	switch mode {
	case "exitnow":
		fmt.Fprintln(os.Stderr, "boom")
		return 2
	case "sleep", "noread":
		time.Sleep(time.Hour)
		return 0
	}
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := bufio.NewWriter(os.Stdout)
	answer := func(v any) {
		b, _ := json.Marshal(v)
		out.Write(append(b, '\n'))
		out.Flush()
	}
	for {
		line, err := in.ReadBytes('\n')
		if err != nil {
			if mode == "ignoreeof" {
				time.Sleep(time.Hour)
			}
			return 0
		}
		var op history.Op
		if err := json.Unmarshal(line, &op); err != nil {
			fmt.Fprintf(os.Stderr, "bad op %q: %v\n", line, err)
			return 4
		}
		switch op.F {
		case "echo":
			answer(map[string]any{"type": "ok", "value": map[string]any{
				"pid": os.Getpid(), "got": op.Value, "node": os.Getenv("FAULTLINE_NODE"),
				"address": os.Getenv("FAULTLINE_ADDRESS"), "nodes": os.Getenv("FAULTLINE_NODES"),
				"extra": os.Getenv("EXTRA"),
			}})
		case "novalue":
			answer(map[string]any{"type": "ok", "ignored": true})
		case "nullvalue":
			out.WriteString(`{"type":"ok","value":null}` + "\n")
			out.Flush()
		case "fail":
			answer(map[string]any{"type": "fail", "error": "nope"})
		case "info":
			answer(map[string]any{"type": "info", "error": "maybe", "value": "half"})
		case "exit":
			return 3
		case "exitafter":
			answer(map[string]any{"type": "ok"})
			return 0
		case "hang":
			fmt.Fprintln(os.Stderr, "hanging")
			time.Sleep(time.Hour)
		case "hangchild":
			child := exec.Command(os.Args[0])
			child.Env = append(os.Environ(), modeEnv+"=sleep")
			child.Stdout, child.Stderr = os.Stdout, os.Stderr
			if err := child.Start(); err != nil {
				fmt.Fprintln(os.Stderr, "child:", err)
				return 5
			}
			fmt.Fprintf(os.Stderr, "child pid %d\n", child.Process.Pid)
			time.Sleep(time.Hour)
		case "garbage":
			out.WriteString("hello, world\n")
			out.Flush()
		case "badtype":
			answer(map[string]any{"type": "invoke"})
		case "huge":
			var n int
			json.Unmarshal(op.Value, &n)
			out.WriteString(strings.Repeat("x", n) + "\n")
			out.Flush()
		case "chatter":
			for i := range 100 {
				fmt.Fprintf(os.Stderr, "chatter %d\n", i)
			}
			answer(map[string]any{"type": "ok"})
		case "badfield":
			out.WriteString(`{"type":"fail","error":3}` + "\n")
			out.Flush()
		case "torn":
			out.WriteString(`{"type":"ok","value":[1,` + "\n")
			out.Flush()
		case "stray":
			answer(map[string]any{"type": "ok"})
			answer(map[string]any{"type": "ok", "value": "extra"})
		default:
			answer(map[string]any{"type": "fail", "error": "unknown f " + op.F})
		}
	}
}
