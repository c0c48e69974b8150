// Package fault is the table of fault families, shared by the nemesis
// (which injects them), the checkers (which verify they took effect and
// draw them on the timeline) and the reports (which shade and list them).
// It is a leaf: it imports only history.
//
// A family is a name, the op functions that open and close it, a fixed
// colour and a label. Intervals is the one computation of when each fault
// was in place; every picture of a run's faults is drawn from it, so a
// colour, a label and an interval mean the same thing everywhere.
//
// A new fault is its nemesis file plus one line in Families.
package fault
