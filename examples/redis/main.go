package main

import (
	"os"

	"github.com/faultline/faultline/cli"
	"github.com/faultline/faultline/targets"
)

func main() {
	os.Exit(cli.Program{Targets: []targets.Target{Target}}.Main(os.Args[1:], os.Stdout, os.Stderr))
}
