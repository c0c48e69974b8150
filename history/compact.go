package history

import "encoding/json"

// Compact renders an op's raw JSON value as a short one-line string for
// people: a JSON string without its quotes, anything else compacted, text
// that is not JSON as it is.
func Compact(v json.RawMessage) string {
	if len(v) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var a any
	if json.Unmarshal(v, &a) != nil {
		return string(v)
	}
	b, _ := json.Marshal(a)
	return string(b)
}
