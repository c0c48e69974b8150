package rundir

import (
	"io/fs"
	"path"
	"path/filepath"

	"github.com/faultline/faultline/checker"
)

// WriteResults writes dir/results.json (see Write).
func WriteResults(dir string, res checker.Results) error { return writeJSON(dir, ResultsFile, res) }

// ReadResults reads dir/results.json.
func ReadResults(dir string) (checker.Results, error) {
	var res checker.Results
	return res, readJSON(filepath.Join(dir, ResultsFile), &res)
}

// ReadResultsFS reads dir/results.json from fsys; dir is slash-separated.
func ReadResultsFS(fsys fs.FS, dir string) (checker.Results, error) {
	var res checker.Results
	return res, readJSONFS(fsys, path.Join(dir, ResultsFile), &res)
}
