package edn

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/faultline/faultline/history"
)

// ReadFile imports the EDN history at path.
func ReadFile(path string) (history.History, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("edn: %w", err)
	}
	defer f.Close()
	return Read(f, path)
}

// Read imports an EDN history, one op map per line:
//
//	{:process 9, :type :invoke, :f :append, :key "0", :value "x 9 0 y"}
//
// :process is an int or :nemesis; :type one of :invoke :ok :fail :info; :f a
// keyword (its name becomes F); :key (string or number) becomes Key; :value
// is converted to JSON (keywords become strings). :time, when present, is
// kept; otherwise Time is the op's position. Index is assigned densely. Blank
// lines and ;-comments are skipped. Errors name the line and wrap
// history.ErrMalformed.
func Read(r io.Reader, name string) (history.History, error) {
	var (
		h    history.History
		v    history.Validator
		sc   = bufio.NewScanner(r)
		line int
		// kinds maps a key's text to the kind of EDN value it was and the
		// line it was first seen on: 1, "1" and :1 all read as key "1",
		// so a history that mixes them is refused, never merged.
		kinds = map[string]keySeen{}
	)
	sc.Buffer(make([]byte, 64<<10), history.MaxLine)
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, ";") {
			continue
		}
		op, kind, what, fix := parseOp(text)
		if what == "" && kind != "" {
			if prev, ok := kinds[op.Key]; !ok {
				kinds[op.Key] = keySeen{kind, line}
			} else if prev.kind != kind {
				what = fmt.Sprintf(":key %s is a %s here and a %s at line %d: faultline keys are text, so the two would be checked as one key", clip(op.Key), kind, prev.kind, prev.line)
				fix = "write every key of the history as the same kind of value (all integers, all strings or all keywords)"
			}
		}
		if what == "" {
			op.Index = int64(len(h))
			if op.Time < 0 {
				op.Time = int64(len(h))
			}
			if p := v.Add(op); p != nil {
				what, fix = p.What, p.Fix
			}
		}
		if what != "" {
			return nil, &history.MalformedError{Pkg: "edn", File: name, Line: line, What: what, Fix: fix}
		}
		h = append(h, op)
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		return nil, &history.MalformedError{Pkg: "edn", File: name, Line: line + 1,
			What: fmt.Sprintf("a line longer than %d MiB", history.MaxLine>>20), Fix: "one op per line"}
	} else if err != nil {
		return nil, fmt.Errorf("edn: %s line %d: %w", name, line+1, err)
	}
	return h, nil
}

const opFix = "expected {:process N, :type :invoke|:ok|:fail|:info, :f :name, :value V}"

type keySeen struct {
	kind string
	line int
}

// clip shortens a key for an error message.
func clip(k string) string {
	if len(k) > 40 {
		return fmt.Sprintf("%q...", k[:40])
	}
	return fmt.Sprintf("%q", k)
}

// keyKind names the kind of EDN value a key is, for the identity check.
func keyKind(k any) string {
	switch k.(type) {
	case string:
		return "string"
	case Keyword:
		return "keyword"
	case Symbol:
		return "symbol"
	case json.Number:
		return "number"
	}
	return fmt.Sprintf("%T", k)
}

// parseOp returns the op (Time -1 when absent) and the kind of its key
// ("" when it has none), or what is wrong and the fix.
func parseOp(text string) (op history.Op, keyKindOf, what, fix string) {
	val, err := ParseValue(text)
	if err != nil {
		return op, "", "not EDN: " + err.Error(), opFix
	}
	m, ok := val.(Map)
	if !ok {
		return op, "", "not an EDN map", opFix
	}
	switch p, _ := m.Get("process"); x := p.(type) {
	case json.Number:
		n, err := x.Int64()
		if err != nil || n < 0 || n > 1<<31 {
			return op, "", fmt.Sprintf(":process %s is not a small int >= 0", x), opFix
		}
		op.Process = history.Process(n)
	case Keyword:
		if x != "nemesis" {
			return op, "", fmt.Sprintf(":process :%s is neither an int nor :nemesis", x), opFix
		}
		op.Process = history.Nemesis
	default:
		return op, "", "missing or bad :process", opFix
	}
	t, _ := m.Get("type")
	tk, ok := t.(Keyword)
	if !ok {
		return op, "", "missing or bad :type", opFix
	}
	op.Type = history.Type(tk)
	if !op.Type.Valid() {
		return op, "", fmt.Sprintf("unknown :type :%s", tk), opFix
	}
	f, _ := m.Get("f")
	switch x := f.(type) {
	case Keyword:
		op.F = string(x)
	case string:
		op.F = x
	default:
		return op, "", "missing or bad :f", opFix
	}
	if k, ok := m.Get("key"); ok && k != nil {
		op.Key = keyText(k)
		keyKindOf = keyKind(k)
	}
	op.Time = -1
	if tm, ok := m.Get("time"); ok {
		n, isNum := tm.(json.Number)
		ns, err := n.Int64()
		if !isNum || err != nil || ns < 0 {
			return op, "", fmt.Sprintf(":time %v is not an int >= 0", tm), opFix
		}
		op.Time = ns
	}
	if val, ok := m.Get("value"); ok && val != nil {
		raw, err := ToJSON(val)
		if err != nil {
			return op, "", err.Error(), opFix
		}
		op.Value = raw
	}
	if e, ok := m.Get("error"); ok && e != nil {
		op.Error = keyText(e)
	}
	return op, keyKindOf, "", ""
}
