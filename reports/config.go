package reports

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/rundir"
)

// readConfig is the run's test.json, or nil when there is none readable:
// the report then shows no configuration.
func readConfig(dir string) *rundir.Config {
	c, err := rundir.ReadConfig(dir)
	if err != nil {
		return nil
	}
	return &c
}

// configName is the test name test.json gives, or def.
func configName(c *rundir.Config, def string) string {
	if c == nil || c.Name == "" {
		return def
	}
	return c.Name
}

// configStart is when the run started, as test.json writes it; "" without
// a test.json.
func configStart(c *rundir.Config) string {
	if c == nil {
		return ""
	}
	return c.Start.Format(time.RFC3339Nano)
}

// configRows are the report's lines of test.json: meta, the few under the
// verdict (target, mode, ...), and rows, every field, in the order a reader
// looks for them (the fields a run omits when empty only when set).
func configRows(c *rundir.Config) (meta, rows []kv) {
	if c == nil {
		return nil, nil
	}
	nemeses := "none"
	if len(c.Nemeses) > 0 {
		nemeses = strings.Join(c.Nemeses, ", ")
	}
	var nodes []string
	for _, n := range c.Nodes {
		nodes = append(nodes, fmt.Sprintf("%s (%s)", n.Name, n.Address))
	}
	seed := strconv.FormatInt(c.Seed, 10)
	rows = []kv{
		{"name", c.Name}, {"target", c.Target}, {"mode", c.Mode}, {"workload", c.Workload},
		{"nemeses", nemeses}, {"seed", seed}, {"time_limit", c.TimeLimit.String()},
		{"nemesis_interval", c.NemesisInterval.String()}, {"concurrency", strconv.Itoa(c.Concurrency)},
		{"rate", fmt.Sprint(c.Rate)}, {"op_timeout", c.OpTimeout.String()}, {"recovery", c.Recovery.String()},
		{"model", c.Model}, {"nodes", strings.Join(nodes, ", ")},
	}
	if len(c.Versions) > 0 {
		var vs []string
		for _, k := range sortedKeys(c.Versions) {
			vs = append(vs, k+" "+c.Versions[k])
		}
		rows = append(rows, kv{"versions", strings.Join(vs, ", ")})
	}
	rows = append(rows, kv{"start", configStart(c)})
	if c.NodesFile != "" {
		rows = append(rows, kv{"nodes_file", c.NodesFile})
	}
	meta = []kv{{"target", c.Target}, {"mode", c.Mode}, {"workload", c.Workload},
		{"nemeses", nemeses}, {"seed", seed}, {"time limit", c.TimeLimit.String()}}
	if c.Nodes != nil { // a run without nodes writes null, which shows no count
		meta = append(meta, kv{"nodes", strconv.Itoa(len(c.Nodes))})
	}
	return meta, rows
}
