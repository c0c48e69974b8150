package run

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/faultline/faultline/cluster"
)

// Duration is a time.Duration written as "60s" in JSON.
type Duration time.Duration

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

// Config is everything that defines a run; it is written to test.json so
// that analyze and reports know exactly what was done.
type Config struct {
	Name            string            `json:"name"`
	Target          string            `json:"target"`
	Mode            string            `json:"mode"`
	Workload        string            `json:"workload"`
	Nemeses         []string          `json:"nemeses"`
	Seed            int64             `json:"seed"`
	TimeLimit       Duration          `json:"time_limit"`
	NemesisInterval Duration          `json:"nemesis_interval"`
	OpTimeout       Duration          `json:"op_timeout"`
	Recovery        Duration          `json:"recovery"`
	Concurrency     int               `json:"concurrency"`
	Rate            float64           `json:"rate"`
	Model           string            `json:"model"`
	Nodes           []cluster.Node    `json:"nodes"`
	NodesFile       string            `json:"nodes_file,omitempty"`
	Versions        map[string]string `json:"versions,omitempty"`
	Start           time.Time         `json:"start"`
}

// WriteConfig writes test.json into dir.
func WriteConfig(dir string, c Config) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return writeFileSync(filepath.Join(dir, "test.json"), append(b, '\n'))
}

// ReadConfig reads dir/test.json.
func ReadConfig(dir string) (Config, error) {
	var c Config
	b, err := os.ReadFile(filepath.Join(dir, "test.json"))
	if err != nil {
		return c, fmt.Errorf("run: %w", err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("run: %s: %w", filepath.Join(dir, "test.json"), err)
	}
	return c, nil
}

// writeFileSync writes a file atomically (temp + fsync + rename).
func writeFileSync(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
