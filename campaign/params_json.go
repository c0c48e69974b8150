package campaign

import (
	"encoding/json"
	"time"
)

// paramsJSON is Params with durations written as "60s".
type paramsJSON struct {
	TimeLimit       string  `json:"time_limit"`
	NemesisInterval string  `json:"nemesis_interval"`
	OpTimeout       string  `json:"op_timeout"`
	Recovery        string  `json:"recovery"`
	CheckTimeout    string  `json:"check_timeout"`
	Concurrency     int     `json:"concurrency"`
	Rate            float64 `json:"rate"`
}

// MarshalJSON writes durations as strings ("60s"), as test.json does.
func (p Params) MarshalJSON() ([]byte, error) {
	return json.Marshal(paramsJSON{p.TimeLimit.String(), p.NemesisInterval.String(), p.OpTimeout.String(),
		p.Recovery.String(), p.CheckTimeout.String(), p.Concurrency, p.Rate})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (p *Params) UnmarshalJSON(b []byte) error {
	var j paramsJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	var err error
	parse := func(s string) time.Duration {
		d, e := time.ParseDuration(s)
		if e != nil && err == nil && s != "" {
			err = e
		}
		return d
	}
	*p = Params{TimeLimit: parse(j.TimeLimit), NemesisInterval: parse(j.NemesisInterval), OpTimeout: parse(j.OpTimeout),
		Recovery: parse(j.Recovery), CheckTimeout: parse(j.CheckTimeout), Concurrency: j.Concurrency, Rate: j.Rate}
	return err
}
