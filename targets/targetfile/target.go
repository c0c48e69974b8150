package targetfile

import (
	"context"

	"github.com/faultline/faultline/targets"
)

// Target is the target the file declares: its name, modes, workloads,
// supports and options, its daemon, and a Deploy that renders the file
// for the run's nodes.
func (f *File) Target() targets.Target {
	modes := make(targets.Modes, len(f.Modes))
	for i, m := range f.Modes {
		modes[i] = m.Mode
	}
	return targets.Target{
		Name:      f.Name,
		Doc:       f.Doc,
		Modes:     modes,
		Workloads: f.Workloads,
		Supports:  f.Supports,
		Options:   f.Options,
		Daemons:   []string{f.Name},
		Deploy:    f.Deploy,
	}
}

// Deploy renders the file for env's nodes, mode and options and returns
// the deployment; it does not touch the nodes. The deployment is a
// *Deployment, which implements targets.Killer only when the file
// supports kill and targets.Pauser only when it supports pause (Of finds
// the *Deployment in it). A template that fails for a node is an error
// naming the file, the line, the field and the node.
func (f *File) Deploy(env targets.Env) (targets.Deployment, error) {
	d, err := f.newDeployment(env)
	if err != nil {
		return nil, err
	}
	switch {
	case f.Supports.Kill && f.Supports.Pause:
		return killPauser{d}, nil
	case f.Supports.Kill:
		return killer{d}, nil
	case f.Supports.Pause:
		return pauser{d}, nil
	}
	return d, nil
}

// Of returns the *Deployment a target file's Deploy returned, whichever
// process capabilities it carries.
func Of(dep targets.Deployment) (*Deployment, bool) {
	b, ok := dep.(interface{ base() *Deployment })
	if !ok {
		return nil, false
	}
	return b.base(), true
}

func (d *Deployment) base() *Deployment { return d }

// killer is a deployment the kill nemesis can crash and restart.
type killer struct{ *Deployment }

func (k killer) Kill(ctx context.Context, node string) error  { return k.kill(ctx, node) }
func (k killer) Start(ctx context.Context, node string) error { return k.start(ctx, node) }

// pauser is a deployment the pause nemesis can freeze.
type pauser struct{ *Deployment }

func (p pauser) Pause(ctx context.Context, node string) error  { return p.pause(ctx, node) }
func (p pauser) Resume(ctx context.Context, node string) error { return p.resume(ctx, node) }

// killPauser takes both.
type killPauser struct{ *Deployment }

func (k killPauser) Kill(ctx context.Context, node string) error   { return k.kill(ctx, node) }
func (k killPauser) Start(ctx context.Context, node string) error  { return k.start(ctx, node) }
func (k killPauser) Pause(ctx context.Context, node string) error  { return k.pause(ctx, node) }
func (k killPauser) Resume(ctx context.Context, node string) error { return k.resume(ctx, node) }
