package nemesis

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// SubsetModes lists the subset modes a pause, bump-clock or strobe-clock
// op's Value may name: one node, a minority (1 .. floor((n-1)/2), at least
// 1), a majority (floor(n/2)+1) or all of them.
func SubsetModes() []string { return []string{"one", "minority", "majority", "all"} }

// pickSubset draws the nodes a subset mode names, returned in node order.
// mode "" draws "one" or "minority".
func pickSubset(rng *rand.Rand, nodes []string, mode string) ([]string, error) {
	n := len(nodes)
	if mode == "" {
		mode = []string{"one", "minority"}[rng.IntN(2)]
	}
	var size int
	switch mode {
	case "one":
		size = 1
	case "minority":
		size = 1 + rng.IntN(max(1, (n-1)/2))
	case "majority":
		size = n/2 + 1
	case "all":
		size = n
	default:
		return nil, fmt.Errorf("nemesis: subset mode %q unknown (known: %s)", mode, strings.Join(SubsetModes(), ", "))
	}
	return inOrder(nodes, shuffled(rng, nodes)[:min(size, n)]), nil
}

// subsetValue decodes an op Value that names nodes: null or absent (a
// drawn "one" or "minority"), a mode string, or a JSON list of node names.
// It returns the explicit list, or the mode to draw from.
func subsetValue(v json.RawMessage, nodes []string) (explicit []string, mode string, err error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return nil, "", nil
	}
	if v[0] == '[' {
		if err := json.Unmarshal(v, &explicit); err != nil {
			return nil, "", fmt.Errorf("nemesis: value %s is not a list of nodes: %v", v, err)
		}
		if len(explicit) == 0 {
			return nil, "", fmt.Errorf("nemesis: value %s names no node; refusing a fault that would not take effect", v)
		}
		for _, n := range explicit {
			if !slices.Contains(nodes, n) {
				return nil, "", fmt.Errorf("nemesis: node %q is not in the cluster (%s)", n, strings.Join(nodes, ", "))
			}
		}
		return inOrder(nodes, explicit), "", nil
	}
	if err := json.Unmarshal(v, &mode); err != nil {
		return nil, "", fmt.Errorf("nemesis: value %s is neither a subset mode (%s) nor a list of nodes", v, strings.Join(SubsetModes(), ", "))
	}
	if !slices.Contains(SubsetModes(), mode) {
		return nil, "", fmt.Errorf("nemesis: subset mode %q unknown (known: %s)", mode, strings.Join(SubsetModes(), ", "))
	}
	return nil, mode, nil
}
