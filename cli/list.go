package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/fault"
	"github.com/faultline/faultline/nemesis"
)

func newListCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Short:   "List targets (with their modes), workloads, nemeses and checker models",
		Example: "  faultline list",
		Args:    noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			w := g.stdout
			fmt.Fprintln(w, "targets:")
			reg := g.registry()
			for _, t := range reg.targets {
				fmt.Fprint(w, "  "+describeTarget(t))
			}
			fmt.Fprintln(w, "workloads:")
			for _, wl := range reg.workloads {
				if wl.Model != "" {
					fmt.Fprintf(w, "  %s: %s (model %s)\n", wl.Name, wl.Doc, wl.Model)
				} else {
					fmt.Fprintf(w, "  %s: %s\n", wl.Name, wl.Doc)
				}
			}
			fmt.Fprintln(w, "nemeses:")
			for _, n := range nemesis.Names() {
				f, _ := fault.Lookup(n)
				fmt.Fprintf(w, "  %s: %s (%s)\n", n, f.Label, strings.Join(append(slices.Clone(f.Opens), f.Closes...), ", "))
			}
			fmt.Fprintln(w, "checker models (analyze --model):")
			for _, name := range checker.ModelNames {
				m, _ := checker.ModelByName(name)
				fmt.Fprintf(w, "  %s: %s\n", m.Name, m.Doc)
			}
			return nil
		},
	}
}
