package rundir

import (
	"io/fs"
	"path"
	"path/filepath"

	"github.com/faultline/faultline/checker"
)

// WriteResults writes dir/results.json (see Write).
func WriteResults(dir string, res checker.Results) error { return writeJSON(dir, ResultsFile, res) }

// ReadResults reads dir/results.json; errors are as ReadConfig's.
func ReadResults(dir string) (checker.Results, error) {
	var res checker.Results
	err := readJSON(filepath.Join(dir, ResultsFile), &res)
	return res, err
}

// ReadResultsFS reads dir/results.json from fsys; dir is slash-separated.
func ReadResultsFS(fsys fs.FS, dir string) (checker.Results, error) {
	var res checker.Results
	err := readJSONFS(fsys, path.Join(dir, ResultsFile), &res)
	return res, err
}
