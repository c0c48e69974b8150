package targetfile

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The file is decoded into a yaml.Node tree and read by hand, field by
// field, so that every error names the line of what is wrong, and no
// value is ever decoded by reflection into a type the file chose.

// field is one key of a mapping and its value.
type field struct {
	key, val *yaml.Node
}

// kind names a node's kind for errors.
func kind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "an alias"
}

// isNull reports whether n is an empty value (`key:` or `key: null`).
func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// at is the path of a field in errors: "" at the top, else "a.b: ".
func at(what string) string {
	if what == "" {
		return ""
	}
	return what + ": "
}

// mapping checks that n is a mapping whose keys are unique and among
// known, and returns its fields by key. what names n in errors ("" at
// the top of the file).
func (p *parser) mapping(n *yaml.Node, what string, known ...string) (map[string]field, error) {
	if n.Kind != yaml.MappingNode {
		return nil, p.fail(n.Line, "%swant a mapping (key: value lines), not %s", at(what), kind(n))
	}
	out := map[string]field{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, p.fail(k.Line, "%sa key must be a plain name, not %s", at(what), kind(k))
		}
		ok := false
		for _, f := range known {
			ok = ok || f == k.Value
		}
		if !ok {
			return nil, p.fail(k.Line, "%sunknown field %q (known here: %s)", at(what), k.Value, strings.Join(known, ", "))
		}
		if prev, dup := out[k.Value]; dup {
			return nil, p.fail(k.Line, "%s%s is given twice (first at line %d): keep one", at(what), k.Value, prev.key.Line)
		}
		out[k.Value] = field{key: k, val: v}
	}
	return out, nil
}

// scalar is n's text: n must be a scalar; an empty value is "".
func (p *parser) scalar(n *yaml.Node, what string) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", p.fail(n.Line, "%swant a single value, not %s", at(what), kind(n))
	}
	if isNull(n) {
		return "", nil
	}
	return n.Value, nil
}

// list is the items of n, a list (an empty value is an empty list), at
// most limit of them.
func (p *parser) list(n *yaml.Node, what string, limit int) ([]*yaml.Node, error) {
	if isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, p.fail(n.Line, "%swant a list, e.g. [a, b], not %s", at(what), kind(n))
	}
	if len(n.Content) > limit {
		return nil, p.fail(n.Line, "%s%d items: at most %d", at(what), len(n.Content), limit)
	}
	return n.Content, nil
}

// scalars is n, a list of single values: the item nodes, each checked.
func (p *parser) scalars(n *yaml.Node, what string, limit int) ([]*yaml.Node, error) {
	items, err := p.list(n, what, limit)
	if err != nil {
		return nil, err
	}
	for i, it := range items {
		if _, err := p.scalar(it, fmt.Sprintf("%s[%d]", what, i)); err != nil {
			return nil, err
		}
	}
	return items, nil
}

// pairs is n, a mapping of names to single values, in the file's order,
// at most limit of them.
func (p *parser) pairs(n *yaml.Node, what string, limit int) ([]field, error) {
	if isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, p.fail(n.Line, "%swant a mapping, e.g. {a: 1}, not %s", at(what), kind(n))
	}
	if len(n.Content)/2 > limit {
		return nil, p.fail(n.Line, "%s%d entries: at most %d", at(what), len(n.Content)/2, limit)
	}
	var out []field
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || isNull(k) {
			return nil, p.fail(k.Line, "%sa key must be a plain name, not %s", at(what), kind(k))
		}
		if first, dup := seen[k.Value]; dup {
			return nil, p.fail(k.Line, "%s%s is given twice (first at line %d): keep one", at(what), k.Value, first)
		}
		seen[k.Value] = k.Line
		if _, err := p.scalar(v, what+"."+k.Value); err != nil {
			return nil, err
		}
		out = append(out, field{key: k, val: v})
	}
	return out, nil
}

// aliasLine returns the line of the first anchor or alias in n, or 0.
func aliasLine(n *yaml.Node) int {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return max(n.Line, 1)
	}
	for _, c := range n.Content {
		if l := aliasLine(c); l > 0 {
			return l
		}
	}
	return 0
}
