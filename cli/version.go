package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X ...cli.version=...".
var version = "dev"

// versions reports faultline's version and its main dependencies'.
func versions() map[string]string {
	v := map[string]string{"faultline": version, "go": runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			switch d.Path {
			case "github.com/anishathalye/porcupine", "golang.org/x/crypto":
				v[d.Path] = d.Version
			}
		}
		if v["faultline"] == "dev" {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" && len(s.Value) >= 12 {
					v["faultline"] = "dev-" + s.Value[:12]
				}
			}
		}
	}
	return v
}

func newVersionCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print faultline's version",
		Example: "  faultline version",
		Args:    noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			v := versions()
			fmt.Fprintf(g.stdout, "faultline %s (%s, porcupine %s)\n", v["faultline"], v["go"], v["github.com/anishathalye/porcupine"])
			return nil
		},
	}
}
