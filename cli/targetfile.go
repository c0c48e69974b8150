package cli

import (
	"strings"

	"github.com/faultline/faultline/targets/deploy"
	"github.com/faultline/faultline/targets/targetfile"
)

// targetFileFlag is the global flag that adds a declarative target.
const targetFileFlag = "target-file"

// targetFileArgs finds every --target-file on the command line, before
// the commands are built: a target file's target is then registered like
// any other, so --help, list, --target, its options' flags and campaign
// cells all know it.
func targetFileArgs(args []string) []string {
	var files []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if v, ok := strings.CutPrefix(a, "--"+targetFileFlag+"="); ok {
			files = append(files, v)
		} else if a == "--"+targetFileFlag && i+1 < len(args) {
			files = append(files, args[i+1])
			i++
		}
	}
	return files
}

// loadTargetFiles reads the target files; a bad one is bad input naming
// the file, the line and the fix.
func loadTargetFiles(files []string) ([]*targetfile.File, error) {
	var fs []*targetfile.File
	for _, f := range files {
		tf, err := targetfile.LoadFile(f)
		if err != nil {
			return nil, badInput("--%s: %v", targetFileFlag, err)
		}
		fs = append(fs, tf)
	}
	return fs, nil
}

// addFiles registers the files' targets, and their daemons' controls.
func (r *registry) addFiles(fs ...*targetfile.File) error {
	for _, f := range fs {
		t := f.Target()
		if err := r.add(t); err != nil {
			return err
		}
		if r.control == nil {
			r.control = map[string]func(bool) deploy.Daemon{}
		}
		for _, d := range t.Daemons {
			r.control[d] = f.Daemon
		}
	}
	return nil
}
