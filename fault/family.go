package fault

import (
	"fmt"
	"image/color"
	"slices"
	"strings"
)

// Family is one kind of fault.
type Family struct {
	// Name is the nemesis name (--nemesis NAME) and the family's key.
	Name string
	// Opens are the nemesis op functions that put a fault of this family
	// in place; the first is the one a schedule uses unless the nemesis
	// picks among them.
	Opens []string
	// Closes are the op functions that end it (besides Heal, which ends
	// every family).
	Closes []string
	// Colour is the family's colour in every plot, page and timeline.
	Colour color.RGBA
	// Label is a few words for legends: what the fault does.
	Label string
}

// Heal is the op function that ends every fault in place (the nemesis's
// final heal, and Jepsen's).
const Heal = "heal"

// Families are the known fault families, in the order legends list them.
// A new fault is one line here (and its nemesis).
var Families = []Family{
	{Name: "partition", Opens: []string{"start-partition"}, Closes: []string{"stop-partition"},
		Colour: rgb(0xe5, 0x39, 0x35), Label: "network partition (iptables)"}, // red
	{Name: "kill", Opens: []string{"kill"}, Closes: []string{"start"},
		Colour: rgb(0x8e, 0x24, 0xaa), Label: "process killed (SIGKILL), then restarted"}, // purple
	{Name: "pause", Opens: []string{"pause"}, Closes: []string{"resume"},
		Colour: rgb(0x1e, 0x88, 0xe5), Label: "process paused (SIGSTOP), then resumed"}, // blue
	{Name: "clock", Opens: []string{"bump-clock", "strobe-clock"}, Closes: []string{"reset-clock"},
		Colour: rgb(0xfb, 0x8c, 0x00), Label: "clock skewed or strobed, then reset"}, // orange
	{Name: "netem", Opens: []string{"start-netem"}, Closes: []string{"stop-netem"},
		Colour: rgb(0x00, 0x89, 0x7b), Label: "network delay, loss or reordering"}, // teal
	// Jepsen's own partitioner opens with a bare :start and heals with
	// :stop; a bare start closes a kill first when one is open.
	{Name: "nemesis", Opens: []string{"start"}, Closes: []string{"stop"},
		Colour: rgb(0x6d, 0x4c, 0x41), Label: "a fault of Jepsen's nemesis (:start ... :stop)"}, // brown
}

// Other is the colour of a family not in Families (an unknown start-X, a
// one-off nemesis event).
var Other = rgb(0x75, 0x75, 0x75)

func rgb(r, g, b uint8) color.RGBA { return color.RGBA{R: r, G: g, B: b, A: 0xff} }

// Lookup returns the named family.
func Lookup(name string) (Family, bool) {
	i := slices.IndexFunc(Families, func(f Family) bool { return f.Name == name })
	if i < 0 {
		return Family{}, false
	}
	return Families[i], true
}

// Colour is the colour of the named family, Other when it is unknown.
func Colour(name string) color.RGBA {
	if f, ok := Lookup(name); ok {
		return f.Colour
	}
	return Other
}

// Hex is Colour as a CSS colour, "#rrggbb".
func Hex(name string) string {
	c := Colour(name)
	return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B)
}

// Tint is Colour mixed with white (a part of 1), as a CSS colour: the
// same hue as a background that text stays readable on.
func Tint(name string, white float64) string {
	c := Colour(name)
	mix := func(v uint8) uint8 { return uint8(float64(v) + (255-float64(v))*white + 0.5) }
	return fmt.Sprintf("#%02x%02x%02x", mix(c.R), mix(c.G), mix(c.B))
}

// Label is the named family's label; an unknown family's is its name.
func Label(name string) string {
	if f, ok := Lookup(name); ok {
		return f.Label
	}
	return name
}

// Role is what one nemesis op function does to the faults in place.
type Role int

const (
	// Event: the op is a fault of its own that opens and closes with it.
	Event Role = iota
	// Opens puts a fault of the family in place.
	Opens
	// Closes ends the family's fault.
	Closes
	// HealsAll ends every fault in place.
	HealsAll
)

// Classify says which family the op function f belongs to and what it
// does, given which families the history has tried to open so far. A
// function that closes a tried family closes it (a bare start after a kill
// restarts the killed node, even when the kill failed); otherwise one that
// opens a family opens it; start-X and stop-X open and close family X when
// X is not in the table; anything else is an Event of the family named f.
func Classify(f string, tried func(family string) bool) (family string, r Role) {
	if f == Heal {
		return "", HealsAll
	}
	for _, fam := range Families {
		if slices.Contains(fam.Closes, f) && tried(fam.Name) {
			return fam.Name, Closes
		}
	}
	for _, fam := range Families {
		if slices.Contains(fam.Opens, f) {
			return fam.Name, Opens
		}
	}
	for _, fam := range Families {
		if slices.Contains(fam.Closes, f) {
			return fam.Name, Closes // closes nothing: no fault of it is open
		}
	}
	switch {
	case strings.HasPrefix(f, "start-"):
		return strings.TrimPrefix(f, "start-"), Opens
	case strings.HasPrefix(f, "stop-"):
		return strings.TrimPrefix(f, "stop-"), Closes
	}
	return f, Event
}

// Order sorts family names as legends list them: the table's order, then
// the others by name.
func Order(names []string) []string {
	out := slices.Clone(names)
	rank := func(n string) int {
		if i := slices.IndexFunc(Families, func(f Family) bool { return f.Name == n }); i >= 0 {
			return i
		}
		return len(Families)
	}
	slices.SortStableFunc(out, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	return slices.Compact(out)
}
