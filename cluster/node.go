package cluster

// Node is one host under test.
type Node struct {
	Name    string `yaml:"name" json:"name"`
	Address string `yaml:"address" json:"address"`
	Port    int    `yaml:"port,omitempty" json:"port,omitempty"` // 0 means 22
}

// NodesFile is the YAML file that names the nodes and how to reach them
// (docs/design.md, "Nodes file"). Identity and KnownHosts are relative to the
// file's directory unless absolute; Path records where it was read from.
type NodesFile struct {
	User       string `yaml:"user" json:"user"`
	Identity   string `yaml:"identity,omitempty" json:"identity,omitempty"`
	KnownHosts string `yaml:"known_hosts,omitempty" json:"known_hosts,omitempty"`
	Nodes      []Node `yaml:"nodes" json:"nodes"`

	Path string `yaml:"-" json:"path"`
}
