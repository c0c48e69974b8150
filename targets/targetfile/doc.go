// Package targetfile is a declarative target: a system under test
// described by a YAML file instead of a Go package, offered by the CLI as
// `faultline test --target-file FILE.yaml`. Load returns a targets.Target
// like any built-in one; its Deploy renders the file for the run's nodes,
// and the deployment runs the file's program on every node as a
// deploy.Process, faultline's own pidfile-managed daemon control, so the
// kill and pause nemeses, restarts, heal and residue checks work on it
// unchanged.
//
// A file (every field but name, workloads, program and client optional):
//
//	name: zookeeper                 # the --target name
//	doc: one line for faultline list
//	workloads: [register]           # the workloads its client serves
//	supports: [kill, pause]         # of kill, pause, clock-system (partition and netem always work)
//	program: /usr/bin/java          # the executable on the node; its path identifies the process
//	start: ["-cp", "...", "{{.Dir}}/zoo.cfg"]  # its arguments, each a template
//	packages: [zookeeper]           # Debian packages each node must have (checked, never installed)
//	upload:                         # local files, relative to this file, copied to each node
//	  - {from: client/extra.jar, to: "{{.Dir}}/extra.jar", mode: "0644"}
//	files:                          # files written on each node from templates
//	  - path: "{{.Dir}}/zoo.cfg"
//	    content: |
//	      dataDir={{.DataDir}}
//	      {{range .Peers}}server.{{.ID}}={{.Address}}:2888:3888
//	      {{end}}
//	directories: ["{{.DataDir}}/version-2"]
//	ports: {client: 2181}           # {{.Port "client"}}
//	ready:                          # the readiness probe: tcp or command
//	  tcp: "{{.Address}}:{{.Port \"client\"}}"  # a connect from the controller, to the node's address
//	  # command: [sh, -c, "..."]    # run on the node; exit 0 is ready
//	  timeout: 60s                  # default 30s
//	logs: ["{{.Dir}}/log/zookeeper.log"]  # collected with the daemon's own stdout/stderr log
//	modes:                          # default: one mode "default"; the first is the default
//	  - name: sync-reads
//	    doc: reads go through sync(); linearizable
//	    linearizable: yes           # yes | no | unknown; also converges:, and features: [cas]
//	    vars: {reads: sync}         # {{.Vars.reads}} in every template
//	client:                         # the client executable (JSON lines), on the controller
//	  command: [python3, "{{.TargetDir}}/client.py", --reads, "{{.Vars.reads}}"]
//	  env: {PYTHONUNBUFFERED: "1"}
//	options:                        # --NAME flags; {{.Option "zk-heap"}}
//	  - {name: zk-heap, default: 256m, doc: JVM heap}
//
// Templates are Go text/template with missingkey=error and the data of
// TemplateData, for one node: .Name .Address .ID .Peers .Dir .DataDir
// .LogDir .TargetDir .Vars .Mode, .Port "NAME" and .Option "NAME". So that
// none can run away, {{define}}, {{block}} and {{template}} are refused,
// {{range}} goes only over the data's fields and at most two deep, and a
// template renders at most 4 MiB.
//
// Every error in a file is one line, "FILE:LINE: FIELD: what is wrong (the
// fix)", and wraps ErrTargetFile (and targets.ErrInvalid). Load parses the
// YAML into a node tree and reads it field by field: unknown fields,
// anchors and aliases, a second document and files over 1 MiB are
// refused; every template is parsed, and rendered for every mode with five
// sample nodes and the options' defaults, so a var a mode lacks or a port
// that is not declared is found at Load, at its line. Deploy renders the
// file for the real nodes and options; an error there also names the node.
//
// The daemon's node directory is NodeDir/NAME (/opt/faultline/zookeeper):
// its pidfile, its stdout and stderr log (log/NAME.log) and its data
// directory (data, {{.DataDir}}) are its own, apart from faultline-node's.
// Setup checks on every node that the program is an executable (not a #!
// script, whose process would show its interpreter) and that the packages
// are installed, and refuses with what to install otherwise: nodes need no
// network. It then stops an old daemon, wipes the data directory and the
// logs under the node directory, makes the directories, uploads the files,
// writes the rendered files, starts the program with the rendered
// arguments and waits for the readiness probe; a node that does not come
// up is named with the probe's last error and the tails of its logs.
//
// Deploy returns a deployment that implements targets.Killer when the file
// supports kill and targets.Pauser when it supports pause, and nothing
// else; Of finds the *Deployment in it, whose ClientCommand renders the
// client's argv and environment for a node.
package targetfile
