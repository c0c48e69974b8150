package checker

import (
	"context"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

// TestMutationTimeoutsAsFail proves that classifying timeouts as info is
// what keeps a correct run valid: the same history with its info ops
// rewritten as fail (the classic harness bug) must be invalid — a write
// that timed out and then took effect, read back later, becomes a read of
// a value nobody wrote.
func TestMutationTimeoutsAsFail(t *testing.T) {
	h, err := history.ReadFile("testdata/register-ok-03-info-write-seen-later.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	lin := Linearizable{Model: CASRegister(), Timeout: 10 * time.Second, MinOK: -1}
	if r := lin.Check(context.Background(), h); r.Verdict != Valid {
		t.Fatalf("the recorded history must be valid: %s", r.Summary)
	}
	mutated := make(history.History, len(h))
	flipped := 0
	for i, op := range h {
		if !op.IsNemesis() && op.Type == history.Info {
			op.Type = history.Fail
			flipped++
		}
		mutated[i] = op
	}
	if flipped == 0 {
		t.Fatal("the fixture has no info op: the mutation would prove nothing")
	}
	if r := lin.Check(context.Background(), mutated); r.Verdict != Invalid {
		t.Fatalf("timeouts classified as fail were not caught: %s %s", r.Verdict, r.Summary)
	}
}
