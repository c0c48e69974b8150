package targetfile

import (
	"errors"
	"fmt"
	"strings"

	"github.com/faultline/faultline/targets"
)

// ErrTargetFile is wrapped by every error about what a target file says,
// whether found by Load (a field that is wrong, a template that does not
// parse) or by Deploy (a template that fails for a node). Such an error is
// one line, "FILE:LINE: FIELD: what is wrong (the fix)", and also wraps
// targets.ErrInvalid. The CLI maps it to exit code 254.
var ErrTargetFile = errors.New("targetfile: bad target file")

// fileError is one line about a target file; it unwraps to ErrTargetFile
// and targets.ErrInvalid, so its text is the message alone.
type fileError struct{ msg string }

func (e *fileError) Error() string   { return e.msg }
func (e *fileError) Unwrap() []error { return []error{ErrTargetFile, targets.ErrInvalid} }

// failAt is the error at line of file (no line when line <= 0), folded
// onto one line whatever the input echoed into it.
func failAt(file string, line int, format string, args ...any) error {
	loc := file
	if line > 0 {
		loc = fmt.Sprintf("%s:%d", file, line)
	}
	msg := strings.Join(strings.Fields(fmt.Sprintf(format, args...)), " ")
	return &fileError{msg: loc + ": " + msg}
}
