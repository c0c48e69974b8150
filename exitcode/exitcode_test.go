package exitcode

import "testing"

func TestWorse(t *testing.T) {
	order := []int{Valid, Unknown, Invalid, BadInput, Harness}
	for i, a := range order {
		for j, b := range order {
			want := order[max(i, j)]
			if got := Worse(a, b); got != want {
				t.Errorf("Worse(%d, %d) = %d, want %d", a, b, got, want)
			}
		}
	}
	if got := Worse(Valid, 7); got != 7 {
		t.Errorf("an unknown code must count as the worst: Worse(0, 7) = %d", got)
	}
}
