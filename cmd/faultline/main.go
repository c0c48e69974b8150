// Command faultline is a Jepsen-style test harness for distributed systems;
// see the README and package cli for its commands.
package main

import (
	"os"

	"github.com/faultline/faultline/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
