package rundir

import (
	"os"
	"path/filepath"
	"testing"
)

// A run's controller is alive only as the process it recorded: this one
// is; a pid that names another process (a different start time), a
// removed file or garbage are not.
func TestControllerAlive(t *testing.T) {
	dir := t.TempDir()
	fsys := os.DirFS(filepath.Dir(dir))
	name := filepath.Base(dir)
	if ControllerAlive(fsys, name) {
		t.Fatal("alive with no pid file")
	}
	if err := WriteController(dir); err != nil {
		t.Fatal(err)
	}
	if !ControllerAlive(fsys, name) {
		t.Fatal("this process is not seen as alive")
	}
	for _, body := range []string{"1 12345678901\n", "x y\n", "", "99999999 1\n"} {
		if err := os.WriteFile(filepath.Join(dir, ControllerFile), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if ControllerAlive(fsys, name) {
			t.Errorf("pid file %q counts as a live controller", body)
		}
	}
	if err := RemoveController(dir); err != nil || ControllerAlive(fsys, name) {
		t.Fatalf("after remove: %v", err)
	}
	if err := RemoveController(dir); err != nil {
		t.Fatalf("removing twice: %v", err)
	}
}
