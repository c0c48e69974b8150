package rundir

import (
	"encoding/json"
	"io/fs"
	"path"
	"path/filepath"
	"time"
)

// Config is test.json: everything that defines a run, written before it
// starts so that analyze and the reports know exactly what was done.
type Config struct {
	Name            string   `json:"name"` // the test name, the store directory above the run's
	Target          string   `json:"target"`
	Mode            string   `json:"mode"`
	Workload        string   `json:"workload"`
	Nemeses         []string `json:"nemeses"` // the faults, by name; empty or null for none
	Seed            int64    `json:"seed"`
	TimeLimit       Duration `json:"time_limit"`
	NemesisInterval Duration `json:"nemesis_interval"`
	OpTimeout       Duration `json:"op_timeout"`
	Recovery        Duration `json:"recovery"`
	Concurrency     int      `json:"concurrency"`
	Rate            float64  `json:"rate"`  // ops per second over all workers; 0 is unpaced
	Model           string   `json:"model"` // the checker model of the timelines; "" in another tool's test.json
	// Nodes are the nodes as dialled. A run always writes the list (null
	// when it had none).
	Nodes     []Node            `json:"nodes"`
	NodesFile string            `json:"nodes_file,omitempty"`
	Versions  map[string]string `json:"versions,omitempty"` // component -> version
	Start     time.Time         `json:"start"`
}

// Node is one node of the run as test.json records it; the fields are
// cluster.Node's (this package imports no cluster code).
type Node struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Port    int    `json:"port,omitempty"` // 0 means 22
}

// Duration is a time.Duration written as "60s" in JSON.
type Duration time.Duration

func (d Duration) String() string { return time.Duration(d).String() }

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// WriteConfig writes dir/test.json (see Write).
func WriteConfig(dir string, c Config) error { return writeJSON(dir, ConfigFile, c) }

// ReadConfig reads dir/test.json. A file that cannot be read is an
// *fs.PathError; one that does not decode is another error, and the record
// then holds the fields that did decode (as encoding/json leaves them).
func ReadConfig(dir string) (Config, error) {
	var c Config
	err := readJSON(filepath.Join(dir, ConfigFile), &c)
	return c, err
}

// ReadConfigFS reads dir/test.json from fsys (the web UI reads the store
// through an os.Root); dir is slash-separated.
func ReadConfigFS(fsys fs.FS, dir string) (Config, error) {
	var c Config
	err := readJSONFS(fsys, path.Join(dir, ConfigFile), &c)
	return c, err
}
