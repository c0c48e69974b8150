package rundir

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// writeJSON writes v into dir/name as indented JSON with a final newline,
// the form every record has always had on disk.
func writeJSON(dir, name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("rundir: %s: %w", filepath.Join(dir, name), err)
	}
	return WriteFile(dir, name, append(b, '\n'))
}

// readJSON decodes the file at path into v.
func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	return decode(path, b, err, v)
}

// readJSONFS decodes the file at name in fsys into v.
func readJSONFS(fsys fs.FS, name string, v any) error {
	b, err := fs.ReadFile(fsys, name)
	return decode(name, b, err, v)
}

func decode(path string, b []byte, err error, v any) error {
	if err != nil {
		return fmt.Errorf("rundir: %w", err) // the error names the path
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("rundir: %s: %w", path, err)
	}
	return nil
}
