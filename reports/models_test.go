package reports

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/rundir"
)

// The report shows the models strip: a non-linearizable run rules
// linearizability out, names the anomaly, and leaves the weaker models
// not checked (no checker of this run decides them).
func TestIndexShowsModels(t *testing.T) {
	dir, res := writeRunDir(t, t.TempDir(), "register-naive-register", "20260101T000000.000", badRun(), []string{"partition"})
	if err := WriteWith(context.Background(), dir, badRun(), res, Options{Model: "cas-register", Budget: 10 * time.Second}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, rundir.IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{`<ul class="models" id="models">`,
		`<li class="ruled-out"`, `<b>linearizable</b>ruled out: nonlinearizable</li>`,
		`<b>sequential</b>not checked</li>`} {
		if !strings.Contains(page, want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	if strings.Contains(page, `<b>sequential</b>holds`) {
		t.Error("sequential consistency shown as holding, though nothing checked it")
	}
}
