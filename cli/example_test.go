package cli_test

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/faultline/faultline/cli"
	"github.com/faultline/faultline/targets"
)

// A user's own binary is a Program holding its targets; its main is
//
//	func main() { os.Exit(cli.Program{Targets: []targets.Target{myTarget}}.Main(os.Args[1:], os.Stdout, os.Stderr)) }
//
// and it has every faultline command, with the target listed beside the
// built-in ones.
func ExampleProgram() {
	mine := targets.Target{
		Name:      "mydb",
		Doc:       "my database, three replicas",
		Modes:     targets.Modes{{Name: "default", Doc: "as shipped", Linearizable: targets.Yes}},
		Workloads: []string{"register"},
		Supports:  targets.Supports{Kill: true},
		Deploy: func(env targets.Env) (targets.Deployment, error) {
			return nil, fmt.Errorf("not shown in this example")
		},
	}
	var out, errs bytes.Buffer
	code := cli.Program{Targets: []targets.Target{mine}}.Main([]string{"list"}, &out, &errs)
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "  mydb:") {
			fmt.Println(strings.TrimSpace(line))
		}
	}
	fmt.Println("exit", code)
	// Output:
	// mydb: my database, three replicas
	// exit 0
}
