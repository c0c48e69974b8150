package execclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/faultline/faultline/history"
)

// answer is one line of the program's stdout, as delivered to the op in
// flight: a completion, or garbage saying why it is none.
type answer struct {
	c       completion
	garbage string // non-empty: the line was not a completion (why, and the line clipped)
}

// completion is the program's answer to one op.
type completion struct {
	Type  history.Type    `json:"type"`
	Value json.RawMessage `json:"value"` // nil when absent: keep the invoke's
	Error string          `json:"error"`
}

// parseAnswer decodes line (without its newline) into a completion, or
// says why it is garbage.
func parseAnswer(line []byte) answer {
	trimmed := bytes.TrimSpace(line)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return answer{garbage: "not a JSON object: " + clip(line)}
	}
	var c completion
	if err := json.Unmarshal(trimmed, &c); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return answer{garbage: fmt.Sprintf("%q is a JSON %s, not a string: %s", te.Field, te.Value, clip(line))}
		}
		return answer{garbage: fmt.Sprintf("not JSON (%v): %s", err, clip(line))}
	}
	switch c.Type {
	case history.OK:
		c.Error = ""
	case history.Fail, history.Info:
	case "":
		return answer{garbage: "no \"type\": " + clip(line)}
	default:
		return answer{garbage: fmt.Sprintf("type %q is not ok, fail or info: %s", c.Type, clip(line))}
	}
	return answer{c: c}
}

// clipLen bounds the text of a line quoted in an op's error.
const clipLen = 200

// clip quotes the start of line for an error text, saying how much was
// left off.
func clip(line []byte) string {
	if len(line) <= clipLen {
		return strconv.Quote(string(line))
	}
	cut := clipLen
	for cut > 0 && !utf8.RuneStart(line[cut]) {
		cut--
	}
	return fmt.Sprintf("%s... (%d bytes)", strconv.Quote(string(line[:cut])), len(line))
}
