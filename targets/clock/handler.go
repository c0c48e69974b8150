package clock

import (
	"encoding/json"
	"net/http"
)

// Reading is the body of GET /clock.
type Reading struct {
	Node string `json:"node"`
	// TimeNS is the node clock now, unix ns.
	TimeNS int64 `json:"time_ns"`
	// OffsetNS is the configured offset (the clock file's offset_ns).
	OffsetNS int64 `json:"offset_ns"`
	// Rate is the configured rate (1 when none).
	Rate float64 `json:"rate"`
	// Error is set when the clock file does not parse (the previous
	// setting stays in force).
	Error string `json:"error,omitempty"`
}

// Read returns the clock's reading for node.
func (c *Clock) Read(node string) Reading {
	cfg := c.Config()
	r := Reading{Node: node, TimeNS: c.Now().UnixNano(), OffsetNS: cfg.OffsetNS, Rate: cfg.rate()}
	if err := c.Err(); err != nil {
		r.Error = err.Error()
	}
	return r
}

// Handler serves GET /clock for node.
func Handler(node string, c *Clock) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		data, _ := json.Marshal(c.Read(node))
		w.Header().Set("Content-Type", "application/json")
		w.Write(append(data, '\n'))
	}
}
