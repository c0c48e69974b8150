package exitcode

// The exit codes.
const (
	Valid    = 0
	Invalid  = 1
	Unknown  = 2
	BadInput = 254
	Harness  = 255
)

// Failure is the node daemon's exit code for a failure at run time (its
// store unreadable, its port taken); it shares Invalid's number, as any
// program's plain failure does.
const Failure = 1

// severity orders codes for Worse: 255 > 254 > 1 > 2 > 0; an unknown code
// counts as a harness error.
func severity(code int) int {
	switch code {
	case Valid:
		return 0
	case Unknown:
		return 1
	case Invalid:
		return 2
	case BadInput:
		return 3
	}
	return 4
}

// Worse returns the worse of two codes: 255 > 254 > 1 > 2 > 0.
func Worse(a, b int) int {
	if severity(b) > severity(a) {
		return b
	}
	return a
}
