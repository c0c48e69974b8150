package history

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// parseFast decodes a line in the exact shape Writer produces (no
// whitespace, known lower-case field names, integers, strings without
// escapes) several times faster than encoding/json and with fewer
// allocations. It reports ok=false for anything else, and the caller then
// uses parseLine, which is the definition: parseFast must never accept a
// line that parseLine would decode differently or reject (the fuzz test
// TestParseFastAgrees holds it to that).
//
// in interns the short strings (type, f, key, node) that repeat across a
// history, so a history held in memory shares them.
func parseFast(b []byte, in *interner) (Op, bool) {
	var (
		op   Op
		seen uint8 // bits: index, time, process, type, f
		i    = 1
	)
	if invalidText(b) >= 0 { // parseLine says where
		return op, false
	}
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return Op{}, false
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return Op{}, false
		}
		name, j, ok := plainString(b, i)
		if !ok || j >= len(b) || b[j] != ':' {
			return Op{}, false
		}
		i = j + 1
		switch string(name) {
		case "index":
			n, j, ok := integer(b, i)
			if !ok {
				return Op{}, false
			}
			op.Index, i, seen = n, j, seen|1
		case "time":
			n, j, ok := integer(b, i)
			if !ok {
				return Op{}, false
			}
			op.Time, i, seen = n, j, seen|2
		case "process":
			if i < len(b) && b[i] == '"' {
				s, j, ok := plainString(b, i)
				if !ok || string(s) != "nemesis" {
					return Op{}, false
				}
				op.Process, i = Nemesis, j
			} else {
				n, j, ok := integer(b, i)
				if !ok || n < 0 || n > int64(^uint(0)>>1) {
					return Op{}, false
				}
				op.Process, i = Process(n), j
			}
			seen |= 4
		case "type", "f", "key", "node", "error":
			if i < len(b) && b[i] == 'n' { // null leaves the field as is
				if len(b)-i < 4 || string(b[i:i+4]) != "null" {
					return Op{}, false
				}
				i += 4
				if string(name) == "type" || string(name) == "f" {
					return Op{}, false // a missing required field: parseLine says so
				}
				break
			}
			s, j, ok := plainString(b, i)
			if !ok {
				return Op{}, false
			}
			i = j
			switch string(name) {
			case "type":
				op.Type, seen = Type(in.intern(s)), seen|8
			case "f":
				op.F, seen = in.intern(s), seen|16
			case "key":
				op.Key = in.intern(s)
			case "node":
				op.Node = in.intern(s)
			default:
				op.Error = string(s)
			}
		case "value":
			j, ok := skipValue(b, i)
			if !ok {
				return Op{}, false
			}
			raw := b[i:j]
			if isSpace(raw[0]) || isSpace(raw[len(raw)-1]) || !json.Valid(raw) {
				return Op{}, false
			}
			if string(raw) != "null" {
				op.Value = append(json.RawMessage(nil), raw...)
			} else {
				op.Value = nil
			}
			i = j
		default:
			return Op{}, false
		}
		if i >= len(b) {
			return Op{}, false
		}
		if b[i] == '}' {
			if i != len(b)-1 || seen != 31 {
				return Op{}, false
			}
			return op, true
		}
		if b[i] != ',' {
			return Op{}, false
		}
		i++
	}
}

// plainString reads the JSON string starting at b[i] == '"' when it has no
// escapes and no control characters and is valid UTF-8; it returns its
// bytes and the index after the closing quote.
func plainString(b []byte, i int) ([]byte, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, 0, false
	}
	ascii := true
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			s := b[i+1 : j]
			if !ascii && !utf8.Valid(s) {
				return nil, 0, false
			}
			return s, j + 1, true
		case c == '\\' || c < 0x20:
			return nil, 0, false
		case c >= 0x80:
			ascii = false
		}
	}
	return nil, 0, false
}

// integer reads a JSON integer (no fraction, no exponent) that fits int64.
func integer(b []byte, i int) (int64, int, bool) {
	j := i
	if j < len(b) && b[j] == '-' {
		j++
	}
	d := j
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	if j == d || (b[d] == '0' && j-d > 1) {
		return 0, 0, false
	}
	if j < len(b) && (b[j] == '.' || b[j] == 'e' || b[j] == 'E') {
		return 0, 0, false
	}
	n, err := strconv.ParseInt(string(b[i:j]), 10, 64)
	if err != nil {
		return 0, 0, false
	}
	return n, j, true
}

// skipValue returns the end of the JSON value starting at b[i]: it tracks
// strings and nesting only; json.Valid then checks the value proper.
func skipValue(b []byte, i int) (int, bool) {
	depth := 0
	for j := i; j < len(b); j++ {
		switch b[j] {
		case '"':
			j++
			for ; j < len(b) && b[j] != '"'; j++ {
				if b[j] == '\\' {
					j++
				}
			}
			if j >= len(b) {
				return 0, false
			}
		case '[', '{':
			depth++
		case ']', '}':
			if depth == 0 {
				return j, j > i
			}
			depth--
		case ',':
			if depth == 0 {
				return j, j > i
			}
		}
	}
	return 0, false
}

// interner shares the strings of a history that repeat (types, functions,
// keys, nodes). It stops growing at maxInterned distinct strings.
type interner struct{ m map[string]string }

const maxInterned = 1 << 16

func (in *interner) intern(b []byte) string {
	if s, ok := in.m[string(b)]; ok {
		return s
	}
	s := string(b)
	if in.m == nil {
		in.m = make(map[string]string)
	}
	if len(in.m) < maxInterned {
		in.m[s] = s
	}
	return s
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
