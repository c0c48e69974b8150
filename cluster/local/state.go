package local

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// state is STATE/cluster.json: what Up built, so Down and Status find it.
// Down does not need it (names derive from the cluster name), it only adds
// the sshd PIDs and the subnet.
type state struct {
	Name          string      `json:"name"`
	Subnet        string      `json:"subnet"`
	Bridge        string      `json:"bridge"`
	BridgeAddress string      `json:"bridge_address"`
	FirewallChain string      `json:"firewall_chain,omitempty"` // set when Up had to let bridged traffic through the host's FORWARD chain
	Nodes         []nodeState `json:"nodes"`
}

type nodeState struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Netns   string `json:"netns"`
	Veth    string `json:"veth"` // host end; the node end is eth0 in Netns
	Dir     string `json:"dir"`  // STATE/nodes/<name>; its opt/ is the node's /opt/faultline
	// SSHDPID is the host PID of the node's sshd, which is PID 1 of the
	// node's PID namespace: killing it ends every process of the node.
	SSHDPID int `json:"sshd_pid"`
}

const stateFile = "cluster.json"

func readState(dir string) (*state, error) {
	data, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cluster/local: %w", err)
	}
	var st state
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("cluster/local: %s: %v (run faultline cluster down, then up)", filepath.Join(dir, stateFile), err)
	}
	return &st, nil
}

func writeState(dir string, st *state) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("cluster/local: %w", err)
	}
	return writeFileAtomic(filepath.Join(dir, stateFile), append(data, '\n'), 0o644)
}

// writeFileAtomic replaces path with data (temporary file, fsync, rename).
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("cluster/local: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("cluster/local: writing %s: %w", path, err)
	}
	return nil
}
