package porctest_test

import (
	"math"
	"testing"

	"github.com/anishathalye/porcupine"
	"github.com/faultline/faultline/targets/internal/porctest"
)

func ptr(v int64) *int64 { return &v }

func op(client int, in porctest.Input, call int64, out porctest.Output, ret int64) porcupine.Operation {
	return porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: ret}
}

func TestCASRegisterVerdicts(t *testing.T) {
	w1 := porctest.Input{Op: "write", Key: "a", Val: 1}
	w2 := porctest.Input{Op: "write", Key: "a", Val: 2}
	rd := porctest.Input{Op: "read", Key: "a"}
	casNil := porctest.Input{Op: "cas", Key: "a", Val: 5} // expect no value
	cas1 := porctest.Input{Op: "cas", Key: "a", Old: ptr(1), Val: 5}
	ok := porctest.Output{}
	unknown := porctest.Output{Unknown: true}
	cases := []struct {
		name string
		h    []porcupine.Operation
		want porcupine.CheckResult
	}{
		{"read-empty", []porcupine.Operation{op(0, rd, 0, porctest.Output{}, 1)}, porcupine.Ok},
		{"read-own-write", []porcupine.Operation{op(0, w1, 0, ok, 1), op(0, rd, 2, porctest.Output{Val: ptr(1)}, 3)}, porcupine.Ok},
		{"cas-nil-on-empty", []porcupine.Operation{op(0, casNil, 0, ok, 1), op(0, rd, 2, porctest.Output{Val: ptr(5)}, 3)}, porcupine.Ok},
		{"cas-matches", []porcupine.Operation{op(0, w1, 0, ok, 1), op(0, cas1, 2, ok, 3)}, porcupine.Ok},
		{"info-write-may-land-late", []porcupine.Operation{op(0, w2, 0, unknown, math.MaxInt64), op(1, rd, 5, porctest.Output{}, 6), op(1, rd, 7, porctest.Output{Val: ptr(2)}, 8)}, porcupine.Ok},
		{"keys-independent", []porcupine.Operation{op(0, w1, 0, ok, 1), op(0, porctest.Input{Op: "read", Key: "b"}, 2, porctest.Output{}, 3)}, porcupine.Ok},
		// Bad: each is a minimal counterexample.
		{"bad-stale-read", []porcupine.Operation{op(0, w1, 0, ok, 1), op(0, w2, 2, ok, 3), op(0, rd, 4, porctest.Output{Val: ptr(1)}, 5)}, porcupine.Illegal},
		{"bad-read-value-from-nowhere", []porcupine.Operation{op(0, rd, 0, porctest.Output{Val: ptr(7)}, 1)}, porcupine.Illegal},
		{"bad-read-nil-after-write", []porcupine.Operation{op(0, w1, 0, ok, 1), op(0, rd, 2, porctest.Output{}, 3)}, porcupine.Illegal},
		{"bad-cas-ok-on-mismatch", []porcupine.Operation{op(0, w2, 0, ok, 1), op(0, cas1, 2, ok, 3)}, porcupine.Illegal},
		{"bad-cas-nil-ok-on-value", []porcupine.Operation{op(0, w1, 0, ok, 1), op(0, casNil, 2, ok, 3)}, porcupine.Illegal},
	}
	for _, c := range cases {
		if got := porcupine.CheckOperationsTimeout(porctest.CASRegister, c.h, 0); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestRecorderKinds(t *testing.T) {
	rec := porctest.NewRecorder()
	w := porctest.Input{Op: "write", Key: "a", Val: 1}
	rec.Add(0, w, rec.Now(), porctest.Output{}, "ok")
	rec.Add(1, w, rec.Now(), porctest.Output{}, "fail")
	rec.Add(2, w, rec.Now(), porctest.Output{Val: ptr(9)}, "info")
	if ok, info, fail := rec.Counts(); ok != 1 || info != 1 || fail != 1 {
		t.Fatalf("Counts() = %d ok, %d info, %d fail; want 1 each", ok, info, fail)
	}
	ops := rec.Ops()
	if len(ops) != 2 {
		t.Fatalf("history has %d ops, want 2 (a fail op did not happen and is left out)", len(ops))
	}
	if ops[0].Return == math.MaxInt64 || ops[0].Return < ops[0].Call {
		t.Errorf("ok op returns at %d after call %d; want a real time, not before the call", ops[0].Return, ops[0].Call)
	}
	if info := ops[1]; info.Return != math.MaxInt64 || !info.Output.(porctest.Output).Unknown {
		t.Errorf("info op = %+v; want Return math.MaxInt64 and an unknown output", info)
	}
}

func TestRecorderRejectsUnknownKind(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Add with kind \"timeout\" did not panic; a typo must not count as ok")
		}
	}()
	porctest.NewRecorder().Add(0, porctest.Input{Op: "read", Key: "a"}, 0, porctest.Output{}, "timeout")
}
