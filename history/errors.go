package history

import (
	"errors"
	"fmt"
)

// ErrMalformed is wrapped by every error about a history file that cannot be
// read as a history: bad JSON, an unknown type, a gap in the indexes, a
// completion without its invoke. The CLI maps it to exit code 254.
var ErrMalformed = errors.New("malformed history")

// MalformedError locates a malformed line. Its message reads
// `PKG: FILE line N: WHAT (FIX)`; it wraps ErrMalformed.
type MalformedError struct {
	Pkg  string // package that found it; "" means "history"
	File string // file name as given to the reader
	Line int    // 1-based line number
	What string // what is wrong
	Fix  string // how to fix it; may be empty
}

func (e *MalformedError) Error() string {
	pkg := e.Pkg
	if pkg == "" {
		pkg = "history"
	}
	msg := fmt.Sprintf("%s: %s line %d: %s", pkg, e.File, e.Line, e.What)
	if e.Fix != "" {
		msg += " (" + e.Fix + ")"
	}
	return msg
}

// Unwrap makes errors.Is(err, ErrMalformed) true.
func (e *MalformedError) Unwrap() error { return ErrMalformed }
