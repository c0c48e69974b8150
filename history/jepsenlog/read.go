package jepsenlog

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/edn"
)

// ReadFile imports the Jepsen text log at path.
func ReadFile(path string) (history.History, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("jepsenlog: %w", err)
	}
	defer f.Close()
	return Read(f, path)
}

const marker = "jepsen.util - "

const lineFix = "expected `INFO  jepsen.util - PROCESS :TYPE :F VALUE`"

// Read imports a Jepsen text log. Op lines are those of the jepsen.util
// logger whose first field is a process (an int or :nemesis); every other
// line (other loggers, blank lines) is skipped. Fields are separated by tabs
// or spaces; the value is the rest of the line, in EDN.
//
// Index and Time are the op's position (the log has no clock), Key is "":
// the log is of a single register. A keyword value on a fail or info
// (`:timed-out`) is its Error, not its Value. Jepsen logs nemesis ops as
// :info both when invoked and when completed; the first of such a pair is
// imported as the invoke. Errors name the line and wrap history.ErrMalformed.
func Read(r io.Reader, name string) (history.History, error) {
	var (
		h       history.History
		v       history.Validator
		nemOpen = map[string]int{} // f -> open nemesis invokes
		sc      = bufio.NewScanner(r)
		line    int
	)
	sc.Buffer(make([]byte, 64<<10), history.MaxLine)
	for sc.Scan() {
		line++
		text := sc.Text()
		i := strings.Index(text, marker)
		if i < 0 {
			continue
		}
		op, isOp, what := parseOp(text[i+len(marker):])
		if !isOp {
			continue
		}
		if what == "" {
			op.Index = int64(len(h))
			op.Time = int64(len(h))
			if op.Process == history.Nemesis && op.Type == history.Info && nemOpen[op.F] == 0 {
				op.Type = history.Invoke
			}
			if p := v.Add(op); p != nil {
				return nil, &history.MalformedError{Pkg: "jepsenlog", File: name, Line: line, What: p.What, Fix: p.Fix}
			}
			if op.Process == history.Nemesis {
				if op.Type == history.Invoke {
					nemOpen[op.F]++
				} else {
					nemOpen[op.F]--
				}
			}
			h = append(h, op)
			continue
		}
		return nil, &history.MalformedError{Pkg: "jepsenlog", File: name, Line: line, What: what, Fix: lineFix}
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		return nil, &history.MalformedError{Pkg: "jepsenlog", File: name, Line: line + 1,
			What: fmt.Sprintf("a line longer than %d MiB", history.MaxLine>>20), Fix: "one op per line"}
	} else if err != nil {
		return nil, fmt.Errorf("jepsenlog: %s line %d: %w", name, line+1, err)
	}
	return h, nil
}

// fields splits off n whitespace-separated fields and returns them with the
// rest of the line.
func fields(s string, n int) ([]string, string) {
	var out []string
	for len(out) < n {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			break
		}
		j := strings.IndexAny(s, " \t")
		if j < 0 {
			j = len(s)
		}
		out = append(out, s[:j])
		s = s[j:]
	}
	return out, strings.TrimSpace(s)
}

// parseOp parses "PROCESS :TYPE :F VALUE". isOp is false for lines that are
// not op lines at all; what is non-empty for op lines that are malformed.
func parseOp(s string) (op history.Op, isOp bool, what string) {
	fs, rest := fields(s, 3)
	if len(fs) == 0 {
		return op, false, ""
	}
	switch p := fs[0]; {
	case p == ":nemesis":
		op.Process = history.Nemesis
	case p[0] >= '0' && p[0] <= '9':
		n, err := strconv.Atoi(p)
		if err != nil || n > 1<<31 {
			return op, true, fmt.Sprintf("process %q is not an int", p)
		}
		op.Process = history.Process(n)
	default:
		return op, false, ""
	}
	if len(fs) < 3 {
		return op, true, "fewer than 3 fields"
	}
	if !strings.HasPrefix(fs[1], ":") || !history.Type(fs[1][1:]).Valid() {
		return op, true, fmt.Sprintf("unknown type %q", fs[1])
	}
	op.Type = history.Type(fs[1][1:])
	if !strings.HasPrefix(fs[2], ":") || len(fs[2]) < 2 {
		return op, true, fmt.Sprintf("function %q is not a keyword", fs[2])
	}
	op.F = fs[2][1:]
	if rest == "" {
		return op, true, "missing value (nil when there is none)"
	}
	val, err := edn.ParseValue(rest)
	if err != nil {
		return op, true, fmt.Sprintf("value %q: %v", rest, err)
	}
	if k, ok := val.(edn.Keyword); ok && (op.Type == history.Fail || op.Type == history.Info) {
		op.Error = string(k)
		return op, true, ""
	}
	if op.Process == history.Nemesis {
		// Nemesis values are free text in the log; keep them readable.
		if s, ok := val.(string); ok {
			op.Value = mustJSON(s)
		} else if val != nil {
			op.Value = mustJSON(rest)
		}
		return op, true, ""
	}
	if val != nil {
		raw, err := edn.ToJSON(val)
		if err != nil {
			return op, true, err.Error()
		}
		op.Value = raw
	}
	return op, true, ""
}

func mustJSON(s string) json.RawMessage {
	b, _ := json.Marshal(s) // a string always marshals
	return b
}
