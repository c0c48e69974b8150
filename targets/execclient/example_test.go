package execclient_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/targets/execclient"
)

// A client program in shell: it answers every op with ok and the value 42,
// and says on stderr (kept in its log) which op it got.
func Example() {
	logDir, _ := os.MkdirTemp("", "execclient-example")
	defer os.RemoveAll(logDir)
	script := `while read -r op; do
	echo "$FAULTLINE_NODE got $op" >&2
	echo '{"type":"ok","value":42}'
done`
	c, err := execclient.New(execclient.Config{
		Argv:    []string{"/bin/sh", "-c", script},
		Node:    "n1",
		Address: "127.0.0.1:7001",
		LogDir:  logDir,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := c.Invoke(ctx, history.Op{Process: 0, Type: history.Invoke, F: "read", Key: "k1"})
	fmt.Println(done.Type, done.F, done.Key, done.Node, string(done.Value))
	// Output: ok read k1 n1 42
}
