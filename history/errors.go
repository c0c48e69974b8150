package history

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
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
	msg := fmt.Sprintf("%s: %s line %d: %s", pkg, e.File, e.Line, Clip(e.What, maxWhat))
	if e.Fix != "" {
		msg += " (" + e.Fix + ")"
	}
	return msg
}

// Unwrap makes errors.Is(err, ErrMalformed) true.
func (e *MalformedError) Unwrap() error { return ErrMalformed }

// maxWhat bounds what an error echoes of the input: a 50 MB value makes a
// one-line error, not a 50 MB one.
const maxWhat = 300

// Clip shortens s to at most n bytes (on a rune boundary), saying how much
// was left out; one line, whatever s holds.
func Clip(s string, n int) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\n", `\n`), "\r", `\r`)
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s... (%d more bytes)", s[:cut], len(s)-cut)
}
