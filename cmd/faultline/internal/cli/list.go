package cli

import (
	"fmt"

	"github.com/spf13/cobra"

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
			for _, n := range targetNames() {
				fmt.Fprint(w, "  "+describeTarget(targets[n]))
			}
			fmt.Fprintln(w, "workloads:")
			for _, n := range workloadNames() {
				wi := workloadsReg[n]
				if wi.model != "" {
					fmt.Fprintf(w, "  %s: %s (model %s)\n", n, wi.doc, wi.model)
				} else {
					fmt.Fprintf(w, "  %s: %s\n", n, wi.doc)
				}
			}
			fmt.Fprintln(w, "nemeses:")
			for _, n := range nemesis.Names() {
				fmt.Fprintf(w, "  %s\n", n)
			}
			fmt.Fprintln(w, "checker models (analyze --model):")
			fmt.Fprintln(w, "  cas-register: keyed read/write/cas registers, linearizability per key")
			fmt.Fprintln(w, "  kv: get/put/append on string values, linearizability per key")
			fmt.Fprintln(w, "  queue: FIFO enqueue/dequeue, linearizability of the whole queue (bounded)")
			return nil
		},
	}
}
