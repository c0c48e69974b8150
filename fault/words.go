package fault

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
)

// words describes what a completed nemesis op did, in words, when its
// value has a shape this package knows: a partition's grudge as the
// components that can talk ({n1,n4} | {n2,n3,n5}) or, when it is not a
// clean split (a bridge, a ring), the pairs cut apart; a clock op's
// offsets per node (n2 -1.468 s); a process fault's nodes. ok is false for
// any other value.
func words(family string, v json.RawMessage) (string, bool) {
	switch family {
	case "partition":
		var g map[string][]string
		if json.Unmarshal(v, &g) != nil || len(g) == 0 {
			return "", false
		}
		return grudgeWords(g), true
	case "clock":
		var c struct {
			SetNs map[string]int64 `json:"set_ns"`
		}
		if json.Unmarshal(v, &c) != nil || len(c.SetNs) == 0 {
			return "", false
		}
		nodes := sortedKeys(c.SetNs)
		parts := make([]string, 0, len(nodes))
		for _, n := range nodes {
			parts = append(parts, fmt.Sprintf("%s %s", n, signedSeconds(c.SetNs[n])))
		}
		return strings.Join(parts, ", "), true
	case "kill", "pause":
		var nodes []string
		if json.Unmarshal(v, &nodes) != nil || len(nodes) == 0 {
			return "", false
		}
		return strings.Join(nodes, ", "), true
	}
	return "", false
}

// signedSeconds is an offset in seconds with its sign, "−1.468 s".
func signedSeconds(ns int64) string {
	s := float64(ns) / 1e9
	sign := "+"
	if s < 0 {
		sign = "−"
	}
	return fmt.Sprintf("%s%.3f s", sign, math.Abs(s))
}

// grudgeWords renders a grudge (node -> the nodes whose packets it drops).
func grudgeWords(g map[string][]string) string {
	drops := map[[2]string]bool{}
	nodeSet := map[string]bool{}
	for a, bs := range g {
		nodeSet[a] = true
		for _, b := range bs {
			nodeSet[b] = true
			drops[[2]string{a, b}] = true
		}
	}
	nodes := sortedKeys(nodeSet)
	talk := func(a, b string) bool { return !drops[[2]string{a, b}] && !drops[[2]string{b, a}] }
	// Components of the can-talk graph.
	comp := map[string]int{}
	var comps [][]string
	for _, n := range nodes {
		if _, ok := comp[n]; ok {
			continue
		}
		id := len(comps)
		comps = append(comps, nil)
		stack := []string{n}
		comp[n] = id
		for len(stack) > 0 {
			x := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			comps[id] = append(comps[id], x)
			for _, y := range nodes {
				if _, seen := comp[y]; !seen && talk(x, y) {
					comp[y] = id
					stack = append(stack, y)
				}
			}
		}
	}
	clean := len(comps) > 1
	for _, c := range comps {
		for i := range c {
			for j := i + 1; j < len(c); j++ {
				clean = clean && talk(c[i], c[j])
			}
		}
	}
	if clean {
		parts := make([]string, len(comps))
		for i, c := range comps {
			sort.Strings(c)
			parts[i] = "{" + strings.Join(c, ",") + "}"
		}
		sort.Strings(parts)
		return strings.Join(parts, " | ")
	}
	var cut []string
	for i, a := range nodes {
		for _, b := range nodes[i+1:] {
			if !talk(a, b) {
				cut = append(cut, a+" ✕ "+b)
			}
		}
	}
	return "cut: " + strings.Join(cut, ", ")
}
