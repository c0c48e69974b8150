// Package builtin lists the targets faultline ships: the CLI's registry
// and the node daemon's roles both read Targets, so a new built-in target
// is its own package plus one line here.
package builtin

import (
	"github.com/faultline/faultline/targets"
	"github.com/faultline/faultline/targets/etcd"
	"github.com/faultline/faultline/targets/kv"
	"github.com/faultline/faultline/targets/queue"
	"github.com/faultline/faultline/targets/register"
)

// Targets are the built-in targets, in the order `faultline list` shows
// them; the first is the default --target.
var Targets = []targets.Target{
	register.Target,
	kv.Target,
	queue.Target,
	etcd.Target,
}
