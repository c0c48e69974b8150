package checker

import "testing"

// A total-queue result whose only story is a lost enqueue focuses the
// timeline on that enqueue, with the ops that missed it.
func TestFocusOfValueOps(t *testing.T) {
	w := int64(41)
	r := Result{Verdict: Invalid, Details: map[string]any{
		"value_ops": []ValueOp{{Kind: "lost", Value: 7, Write: &w, Acked: true, Missed: []int64{90}}},
	}}
	f, ok := FocusOf(r)[""]
	if !ok || f.Index != 41 || len(f.Related) != 1 || f.Related[0] != 90 || f.Label != "lost 7" {
		t.Fatalf("focus %+v (found %v); want the enqueue at 41, related 90, labelled lost 7", f, ok)
	}
}
