package history

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// ReadInfo tells what a reader tolerated.
type ReadInfo struct {
	// Torn is true when the last line had no newline and did not parse: the
	// writer died mid-line. That line was dropped.
	Torn bool
	// Ops is the number of ops read.
	Ops int
}

// ReadFile reads and validates the history at path. A torn last line is
// dropped silently; use ReadFileInfo to learn about it.
func ReadFile(path string) (History, error) {
	h, _, err := ReadFileInfo(path)
	return h, err
}

// ReadFileInfo is ReadFile that also reports what was tolerated.
func ReadFileInfo(path string) (History, ReadInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, ReadInfo{}, fmt.Errorf("history: %w", err)
	}
	defer f.Close()
	return ReadInfoFrom(f, path)
}

// Read reads and validates a history from r; name is used in errors.
func Read(r io.Reader, name string) (History, error) {
	h, _, err := ReadInfoFrom(r, name)
	return h, err
}

// ReadInfoFrom is Read that also reports what was tolerated.
func ReadInfoFrom(r io.Reader, name string) (History, ReadInfo, error) {
	var h History
	info, err := Scan(r, name, func(op Op) error {
		h = append(h, op)
		return nil
	})
	return h, info, err
}

// wireOp mirrors Op with pointers, to tell a missing field from a zero one.
type wireOp struct {
	Index   *int64          `json:"index"`
	Time    *int64          `json:"time"`
	Process *Process        `json:"process"`
	Type    *Type           `json:"type"`
	F       *string         `json:"f"`
	Key     string          `json:"key"`
	Value   json.RawMessage `json:"value"`
	Node    string          `json:"node"`
	Error   string          `json:"error"`
}

// MaxLine is the longest line a history reader accepts (64 MiB): memory
// stays bounded whatever the input.
const MaxLine = 64 << 20

// Scan reads a history from r line by line, validates each op (see
// Validator) and hands it to fn. Unknown fields are ignored, so newer writers
// stay readable. A torn last line is dropped and reported in ReadInfo; any
// other problem is a *MalformedError wrapping ErrMalformed. An error from fn
// stops the scan and is returned as is.
func Scan(r io.Reader, name string, fn func(Op) error) (ReadInfo, error) {
	var (
		info ReadInfo
		v    Validator
		br   = bufio.NewReaderSize(r, 64<<10)
		line int
		in   interner
		long []byte
	)
	for {
		raw, rerr := br.ReadSlice('\n')
		if rerr == bufio.ErrBufferFull { // a line longer than the buffer
			long = append(long[:0], raw...)
			for rerr == bufio.ErrBufferFull {
				raw, rerr = br.ReadSlice('\n')
				long = append(long, raw...)
				if len(long) > MaxLine {
					return info, &MalformedError{File: name, Line: line + 1,
						What: fmt.Sprintf("a line longer than %d MiB", MaxLine>>20),
						Fix:  "one op per line; an op's value this large is no real run's"}
				}
			}
			raw = long
		}
		if rerr != nil && rerr != io.EOF {
			return info, fmt.Errorf("history: %s: %w", name, rerr)
		}
		if len(raw) == 0 && rerr == io.EOF {
			return info, nil
		}
		line++
		last := rerr == io.EOF // no trailing newline: only the last line
		b := bytes.TrimRight(raw, "\r\n")
		op, fast := parseFast(b, &in)
		var p *lineProblem
		if !fast {
			op, p = parseLine(b)
		}
		if p != nil && last && p.syntax {
			info.Torn = true
			return info, nil
		}
		if p == nil {
			if vp := v.Add(op); vp != nil {
				p = &lineProblem{Problem: *vp}
			}
		}
		if p != nil {
			return info, &MalformedError{File: name, Line: line, What: p.What, Fix: p.Fix}
		}
		info.Ops++
		if err := fn(op); err != nil {
			return info, err
		}
		if last {
			return info, nil
		}
	}
}

type lineProblem struct {
	Problem
	syntax bool // the line is not a complete JSON value: maybe torn
}

func parseLine(b []byte) (Op, *lineProblem) {
	if len(bytes.TrimSpace(b)) == 0 {
		return Op{}, &lineProblem{Problem: Problem{What: "empty line", Fix: "one JSON object per line, no blank lines"}, syntax: true}
	}
	// encoding/json replaces invalid UTF-8 and lone surrogate escapes by
	// U+FFFD, which would make distinct keys (k\xff, k\xfe) one key: the
	// line is refused instead, so a key keeps its exact identity.
	if off := invalidText(b); off >= 0 {
		return Op{}, &lineProblem{Problem: Problem{What: fmt.Sprintf("invalid UTF-8 or a lone \\u surrogate escape at byte %d", off+1),
			Fix: "histories are UTF-8 text; escape binary keys and values (e.g. as hex)"}}
	}
	var w wireOp
	if err := json.Unmarshal(b, &w); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) || !json.Valid(b):
			return Op{}, &lineProblem{Problem: Problem{What: "not a JSON object: " + err.Error(), Fix: "one JSON object per line"}, syntax: true}
		case errors.As(err, &te) && te.Field == "":
			return Op{}, &lineProblem{Problem: Problem{What: "a JSON " + te.Value + ", not an object", Fix: "one JSON object per line"}}
		case errors.As(err, &te):
			return Op{}, &lineProblem{Problem: Problem{What: fmt.Sprintf("field %s is a JSON %s", te.Field, te.Value), Fix: "see the history format in docs/design.md"}}
		default:
			return Op{}, &lineProblem{Problem: Problem{What: err.Error(), Fix: "see the history format in docs/design.md"}}
		}
	}
	missing := ""
	switch {
	case w.Index == nil:
		missing = "index"
	case w.Time == nil:
		missing = "time"
	case w.Process == nil:
		missing = "process"
	case w.Type == nil:
		missing = "type"
	case w.F == nil:
		missing = "f"
	}
	if missing != "" {
		return Op{}, &lineProblem{Problem: Problem{What: "missing field " + missing, Fix: "every op has index, time, process, type and f"}}
	}
	op := Op{
		Index: *w.Index, Time: *w.Time, Process: *w.Process, Type: *w.Type, F: *w.F,
		Key: w.Key, Node: w.Node, Error: w.Error,
	}
	if len(w.Value) > 0 && string(w.Value) != "null" {
		op.Value = append(json.RawMessage(nil), w.Value...)
	}
	return op, nil
}
