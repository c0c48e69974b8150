package reports

import "encoding/json"

// compactJSON renders a raw JSON value as a short one-line string: a JSON
// string without its quotes, anything else compacted.
func compactJSON(v json.RawMessage) string {
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
