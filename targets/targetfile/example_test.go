package targetfile_test

import (
	"fmt"

	"github.com/faultline/faultline/targets/targetfile"
)

// A target file becomes a targets.Target like any other: the CLI's
// --target-file registers it, and a Go binary may too.
func ExampleLoad() {
	t, err := targetfile.Load("testdata/zookeeper.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(t.Name, t.Workloads, t.Supports.Kill)
	for _, m := range t.Modes {
		fmt.Println(m.Name, m.Linearizable)
	}
	// Output:
	// zookeeper [register] true
	// sync-reads yes
	// plain-reads no
}
