package edn

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Keyword is an EDN keyword, without its leading colon (":ok" is "ok").
type Keyword string

// Symbol is an EDN symbol (a bare word such as a record tag name).
type Symbol string

// maxDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxDepth = 200

// ParseValue parses one EDN value that fills s (surrounding whitespace and
// commas allowed). Results: nil, bool, json.Number (ints and floats, their
// text kept), string, Keyword, Symbol, []any (vectors, lists and sets) and
// Map (entries in source order).
// Tagged values (#inst "...", #foo.Rec{...}) parse as the tagged value.
func ParseValue(s string) (any, error) {
	p := parser{s: s}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.i < len(p.s) {
		return nil, p.errorf("unexpected %q after the value", p.rest())
	}
	return v, nil
}

// MapEntry is one key/value of an EDN map.
type MapEntry struct {
	Key, Value any
}

// Map is an EDN map, entries in source order.
type Map []MapEntry

// Get returns the value of keyword key (without colon) and whether it exists.
func (m Map) Get(key string) (any, bool) {
	for _, e := range m {
		if k, ok := e.Key.(Keyword); ok && string(k) == key {
			return e.Value, true
		}
	}
	return nil, false
}

// ToJSON converts a parsed EDN value into JSON: keywords and symbols become
// strings without the colon, sets and lists arrays, maps objects whose keys
// are the keys' text.
func ToJSON(v any) (json.RawMessage, error) {
	b, err := json.Marshal(toPlain(v))
	if err != nil {
		return nil, fmt.Errorf("edn: %v cannot be converted to JSON: %w", v, err)
	}
	return b, nil
}

func toPlain(v any) any {
	switch x := v.(type) {
	case Keyword:
		return string(x)
	case Symbol:
		return string(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = toPlain(e)
		}
		return out
	case Map:
		out := make(map[string]any, len(x))
		for _, e := range x {
			out[keyText(e.Key)] = toPlain(e.Value)
		}
		return out
	default:
		return v
	}
}

func keyText(k any) string {
	switch x := k.(type) {
	case string:
		return x
	case Keyword:
		return string(x)
	case Symbol:
		return string(x)
	case json.Number:
		return string(x)
	case nil:
		return "nil"
	default:
		b, _ := json.Marshal(toPlain(x))
		return string(b)
	}
}

type parser struct {
	s string
	i int
}

func (p *parser) errorf(format string, a ...any) error {
	return fmt.Errorf("column %d: %s", p.i+1, fmt.Sprintf(format, a...))
}

func (p *parser) rest() string {
	r := p.s[p.i:]
	if len(r) > 20 {
		r = r[:20] + "..."
	}
	return r
}

func (p *parser) skipSpace() {
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',':
			p.i++
		case c == ';':
			for p.i < len(p.s) && p.s[p.i] != '\n' {
				p.i++
			}
		default:
			return
		}
	}
}

func isDelim(c byte) bool {
	return strings.IndexByte(" \t\r\n,;()[]{}\"", c) >= 0
}

func (p *parser) token() string {
	start := p.i
	for p.i < len(p.s) && !isDelim(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

func (p *parser) value(depth int) (any, error) {
	if depth > maxDepth {
		return nil, p.errorf("nested deeper than %d", maxDepth)
	}
	p.skipSpace()
	if p.i >= len(p.s) {
		return nil, p.errorf("unexpected end of input")
	}
	c := p.s[p.i]
	switch {
	case c == '"':
		return p.str()
	case c == '[':
		p.i++
		return p.seq(']', depth)
	case c == '(':
		p.i++
		return p.seq(')', depth)
	case c == '{':
		p.i++
		return p.mapBody(depth)
	case c == '#':
		p.i++
		if p.i < len(p.s) && p.s[p.i] == '{' {
			p.i++
			return p.seq('}', depth)
		}
		if tag := p.token(); tag == "" {
			return nil, p.errorf("# without a tag")
		}
		return p.value(depth + 1) // the tagged value stands for itself
	case c == ':':
		p.i++
		k := p.token()
		if k == "" {
			return nil, p.errorf("empty keyword")
		}
		return Keyword(k), nil
	case c == ')' || c == ']' || c == '}':
		return nil, p.errorf("unexpected %q", c)
	}
	tok := p.token()
	switch tok {
	case "nil":
		return nil, nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "":
		return nil, p.errorf("unexpected %q", c)
	}
	if c == '-' || c == '+' || (c >= '0' && c <= '9') {
		if n, ok := number(tok); ok {
			return n, nil
		}
		if c >= '0' && c <= '9' {
			return nil, p.errorf("bad number %q", tok)
		}
	}
	if c == '\\' {
		return nil, p.errorf("characters (%q) are not supported", tok)
	}
	return Symbol(tok), nil
}

// number reads an EDN integer or float, keeping its exact text (integers
// of any size, decimals of any precision: never rounded through float64,
// so 9223372036854775808N and 9223372036854775809N stay two numbers). The
// text is rewritten only into JSON's grammar: no '+', no N or M suffix, a
// "1." gets its "0". A leading zero (Clojure's octal) is refused.
func number(tok string) (json.Number, bool) {
	t := strings.TrimSuffix(strings.TrimSuffix(tok, "N"), "M")
	t = strings.TrimPrefix(t, "+")
	if m := ednFloat.FindStringSubmatch(t); m != nil {
		sign, whole, frac, exp := m[1], m[2], m[3], m[4]
		if len(whole) > 1 && whole[0] == '0' {
			return "", false
		}
		if frac == "." {
			frac = ".0"
		}
		return json.Number(sign + whole + frac + exp), true
	}
	return "", false
}

// ednFloat is an EDN number after its suffix: sign, digits, an optional
// fraction (possibly empty after the point) and exponent.
var ednFloat = regexp.MustCompile(`^(-?)([0-9]+)(\.[0-9]*)?([eE][+-]?[0-9]+)?$`)

func (p *parser) seq(end byte, depth int) ([]any, error) {
	out := []any{}
	for {
		p.skipSpace()
		if p.i >= len(p.s) {
			return nil, p.errorf("missing %q", end)
		}
		if p.s[p.i] == end {
			p.i++
			return out, nil
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
}

func (p *parser) mapBody(depth int) (Map, error) {
	vals, err := p.seq('}', depth)
	if err != nil {
		return nil, err
	}
	if len(vals)%2 != 0 {
		return nil, p.errorf("map with an odd number of forms")
	}
	m := make(Map, 0, len(vals)/2)
	for i := 0; i < len(vals); i += 2 {
		m = append(m, MapEntry{vals[i], vals[i+1]})
	}
	return m, nil
}

func (p *parser) str() (string, error) {
	p.i++ // opening quote
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch c {
		case '"':
			p.i++
			return b.String(), nil
		case '\\':
			if p.i+1 >= len(p.s) {
				return "", p.errorf("unterminated string")
			}
			e := p.s[p.i+1]
			p.i += 2
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '"', '\\':
				b.WriteByte(e)
			case 'u':
				if p.i+4 > len(p.s) {
					return "", p.errorf("short \\u escape")
				}
				n, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 32)
				if err != nil {
					return "", p.errorf("bad \\u escape")
				}
				b.WriteRune(rune(n))
				p.i += 4
			default:
				return "", p.errorf("unknown escape \\%c", e)
			}
		default:
			r, size := utf8.DecodeRuneInString(p.s[p.i:])
			b.WriteRune(r)
			p.i += size
		}
	}
	return "", p.errorf("unterminated string")
}
