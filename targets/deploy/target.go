package deploy

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/faultline/faultline/targets"
)

// NodeDaemonName is the name of faultline-node's daemon on every node
// (its binary, pidfile and log under /opt/faultline).
const NodeDaemonName = "faultline-node"

// NodeBinaryOption is the option of every target that faultline-node
// serves: the static binary to upload.
var NodeBinaryOption = targets.Option{
	Name: "node-binary",
	Doc:  "static faultline-node binary to deploy (default: next to faultline, else bin/faultline-node)",
}

// NodeBinary finds the faultline-node binary to deploy: the option's value
// when given, else the binary next to the running executable, else
// bin/faultline-node. The error wraps targets.ErrBadOption.
func NodeBinary(flag string) (string, error) {
	if flag != "" {
		if _, err := os.Stat(flag); err != nil {
			return "", fmt.Errorf("%w: --node-binary %s: %v", targets.ErrBadOption, flag, err)
		}
		return flag, nil
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), NodeDaemonName)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if _, err := os.Stat(filepath.Join("bin", NodeDaemonName)); err == nil {
		return filepath.Join("bin", NodeDaemonName), nil
	}
	return "", fmt.Errorf("%w: faultline-node binary not found next to faultline or in bin/ (run make build, or pass --node-binary)", targets.ErrBadOption)
}

// NewNodeDaemon is the deployment of a target that faultline-node serves in
// role, for env's nodes and mode.
func NewNodeDaemon(role string, env targets.Env) (*NodeDaemon, error) {
	bin, err := NodeBinary(env.Option(NodeBinaryOption.Name))
	if err != nil {
		return nil, err
	}
	return &NodeDaemon{Role: role, Mode: env.Mode.Name, Binary: bin, Nodes: env.Nodes,
		Daemon: Daemon{Name: NodeDaemonName, Sudo: env.Sudo}}, nil
}
