package targetfile

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/targets"
)

func TestLoadSample(t *testing.T) {
	f, err := LoadFile("testdata/zookeeper.yaml")
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs("testdata")
	if f.Path != "testdata/zookeeper.yaml" || f.Dir != abs {
		t.Errorf("Path %q Dir %q", f.Path, f.Dir)
	}
	if f.Name != "zookeeper" || !strings.HasPrefix(f.Doc, "ZooKeeper from Debian's") {
		t.Errorf("name %q doc %q", f.Name, f.Doc)
	}
	if !slices.Equal(f.Workloads, []string{"register"}) || f.Program != "/usr/bin/java" || !slices.Equal(f.Packages, []string{"zookeeper"}) {
		t.Errorf("workloads %q program %q packages %q", f.Workloads, f.Program, f.Packages)
	}
	if f.Supports != (targets.Supports{Kill: true, Pause: true}) {
		t.Errorf("supports %+v", f.Supports)
	}
	if f.Ports["client"] != 2181 || f.Ports["quorum"] != 2888 || f.Ports["election"] != 3888 || len(f.Ports) != 3 {
		t.Errorf("ports %v", f.Ports)
	}
	if f.ReadyTimeout != 60*time.Second || f.ready.tcp == nil || f.ready.tcp.src != `{{.Address}}:{{.Port "client"}}` {
		t.Errorf("ready %v %+v", f.ReadyTimeout, f.ready)
	}
	if len(f.start) != 5 || f.start[0].src != `-Xmx{{.Option "zk-heap"}}` || f.start[0].field != "start[0]" || f.start[4].line != 9 {
		t.Errorf("start %+v", f.start)
	}
	if len(f.uploads) != 1 || f.uploads[0].from != filepath.Join(abs, "client/extra.jar") || f.uploads[0].mode != 0o644 {
		t.Errorf("uploads %+v", f.uploads)
	}
	if len(f.files) != 2 || f.files[0].content.line != 16 || f.files[0].mode != 0o644 || f.files[1].path.line != 23 {
		t.Errorf("files %+v", f.files)
	}
	if len(f.directories) != 1 || len(f.logs) != 1 {
		t.Errorf("directories %v logs %v", f.directories, f.logs)
	}
	want := []Mode{
		{Mode: targets.Mode{Name: "sync-reads", Doc: "reads go through sync(); linearizable", Linearizable: targets.Yes, Features: []string{"cas"}}, Vars: map[string]string{"reads": "sync"}},
		{Mode: targets.Mode{Name: "plain-reads", Linearizable: targets.No, Features: []string{"cas"}}, Vars: map[string]string{"reads": "plain"}},
	}
	if len(f.Modes) != 2 {
		t.Fatalf("modes %+v", f.Modes)
	}
	for i, m := range f.Modes {
		w := want[i]
		if m.Name != w.Name || m.Linearizable != w.Linearizable || m.Converges != targets.NA || !slices.Equal(m.Features, w.Features) || m.Vars["reads"] != w.Vars["reads"] || len(m.Vars) != 1 {
			t.Errorf("mode %d = %+v; want %+v", i, m, w)
		}
	}
	if f.Modes[0].Doc != want[0].Doc {
		t.Errorf("mode doc %q", f.Modes[0].Doc)
	}
	if len(f.Client.Command) != 6 || f.Client.Command[1] != "{{.TargetDir}}/client.py" || f.Client.Env["PYTHONUNBUFFERED"] != "1" {
		t.Errorf("client %+v", f.Client)
	}
	if len(f.Options) != 1 || f.Options[0] != (targets.Option{Name: "zk-heap", Default: "256m", Doc: "JVM heap of every server"}) {
		t.Errorf("options %+v", f.Options)
	}

	tg, err := Load("testdata/zookeeper.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := tg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if tg.Name != "zookeeper" || !slices.Equal(tg.Modes.Names(), []string{"sync-reads", "plain-reads"}) ||
		!slices.Equal(tg.Daemons, []string{"zookeeper"}) || tg.Role != nil || !tg.Serves("register") {
		t.Errorf("target %+v", tg)
	}
	d := f.Daemon(true)
	if d.Bin() != "/usr/bin/java" || d.PidPath() != "/opt/faultline/zookeeper/run/zookeeper.pid" ||
		d.DataDir() != "/opt/faultline/zookeeper/data" || d.LogPath() != "/opt/faultline/zookeeper/log/zookeeper.log" || !d.Sudo {
		t.Errorf("daemon %+v: bin %s pid %s data %s log %s", d, d.Bin(), d.PidPath(), d.DataDir(), d.LogPath())
	}
}

// minimal is the smallest valid target file; the error cases edit it.
const minimal = `name: t
workloads: [register]
program: /usr/bin/prog
client:
  command: [prog-client]
`

func TestMinimalDefaults(t *testing.T) {
	f, err := Parse("t.yaml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Modes) != 1 || f.Modes[0].Name != "default" || f.Modes[0].Linearizable != targets.NA || f.Modes[0].Vars == nil {
		t.Errorf("modes %+v; want one mode \"default\"", f.Modes)
	}
	if f.ReadyTimeout != DefaultReadyTimeout || f.ready.tcp != nil || f.ready.command != nil {
		t.Errorf("ready %v %+v", f.ReadyTimeout, f.ready)
	}
	if f.Supports != (targets.Supports{}) || len(f.start) != 0 || f.Doc == "" {
		t.Errorf("supports %+v start %v doc %q", f.Supports, f.start, f.Doc)
	}
	if err := f.Target().Validate(); err != nil {
		t.Error(err)
	}
}

func TestParseErrors(t *testing.T) {
	with := func(extra string) string { return minimal + extra }
	cases := []struct {
		name, yaml, want string
	}{
		{"unknown supports", with("supports: [kill,\n  pausee]\n"),
			`t.yaml:7: supports: "pausee" is not a fault a target can support (want kill, pause, clock-system)`},
		{"partition in supports", with("supports: [partition]\n"), `t.yaml:6: supports: "partition": network faults (partition, netem) work on every target`},
		{"clock-file in supports", with("supports: [clock-file]\n"), `t.yaml:6: supports: "clock-file": only faultline's own node daemon reads the clock file`},
		{"supports twice", with("supports: [kill, kill]\n"), `t.yaml:6: supports: "kill" is listed twice`},
		{"supports not a list", with("supports: kill\n"), `t.yaml:6: supports: want a list, e.g. [a, b], not "kill"`},
		{"unknown field", with("\n\nreadiness: {tcp: x}\n"), `t.yaml:8: unknown field "readiness" (known here: name, doc, workloads,`},
		{"unknown field in a mode", with("modes:\n  - name: a\n    linearisable: yes\n"), `t.yaml:8: modes[0]: unknown field "linearisable" (known here: name, doc, linearizable, converges, features, vars)`},
		{"key twice", with("program: /bin/x\n"), `t.yaml:6: program is given twice (first at line 3): keep one`},
		{"alias", with("ports: &p {client: 1}\nx: *p\n"), `t.yaml:6: YAML anchors and aliases (&name, *name) are not accepted`},
		{"alias only", "name: &n t\nworkloads: [register]\nprogram: /usr/bin/prog\nclient: {command: [*n]}\n", `t.yaml:1: YAML anchors and aliases`},
		{"second document", with("---\nname: u\n"), `t.yaml:7: a second YAML document (after ---): a target file is one document`},
		{"empty", "", `t.yaml: empty target file: give at least name, workloads, program and client`},
		{"comments only", "# nothing\n", `t.yaml: empty target file`},
		{"not a mapping", "- a\n- b\n", `t.yaml:1: want a mapping (key: value lines), not a list`},
		{"syntax", "name: t\nworkloads: [register\nprogram: x\n", `t.yaml:`},
		{"bad template", with("start: [\"--a\",\n  \"{{.Dir\"]\n"), `t.yaml:7: start[1]: the template does not parse:`},
		{"bad template line in block", with("files:\n  - path: /etc/x\n    content: |\n      a\n      b {{.Nope\n"), `t.yaml:10: files[0].content: the template does not parse: unclosed action`},
		{"missing var in one mode", with("start: [\"--reads={{.Vars.reads}}\"]\nmodes:\n  - {name: a, vars: {reads: x}}\n  - {name: b}\n"),
			`t.yaml:6: start[0]: in mode b: <.Vars.reads>: map has no entry for key "reads" (mode b has vars: none; declare reads under vars: of every mode)`},
		{"exec error line in block", with("files:\n  - path: /etc/x\n    content: |\n      a\n      port={{.Port \"clinet\"}}\nports: {client: 1}\n"),
			`t.yaml:10: files[0].content: <.Port>: error calling Port: no port "clinet" (ports: client; declare it under ports:)`},
		{"undeclared option", with("start: ['{{.Option \"heap\"}}']\n"), `t.yaml:6: start[0]: <.Option>: error calling Option: no option "heap" (options: none; declare it under options:)`},
		{"unknown field in data", with("start: ['{{.Host}}']\n"), `t.yaml:6: start[0]: <.Host>: can't evaluate field Host in type targetfile.TemplateData (a template sees .Name .Address`},
		{"define", with("start: ['{{define \"x\"}}a{{end}}{{template \"x\"}}']\n"), `t.yaml:6: start[0]: {{define}} and {{block}} are not accepted`},
		{"template call", with("start: ['{{template \"x\"}}']\n"), `t.yaml:6: start[0]: {{template}} is not accepted in a target file`},
		{"range over a number", with("start: ['{{range 1000000000}}x{{end}}']\n"), `t.yaml:6: start[0]: {{range 1000000000}}: range only over the data's fields`},
		{"range over a variable", with("start: ['{{$n := 9}}{{range $n}}x{{end}}']\n"), `range only over the data's fields`},
		{"range too deep", with("start: ['{{range .Peers}}{{range $.Peers}}{{range $.Peers}}x{{end}}{{end}}{{end}}']\n"), `t.yaml:6: start[0]: {{range}} nested 3 deep: at most 2`},
		{"renders too much", with("start: ['{{range .Peers}}{{range $.Peers}}{{printf \"%999999d\" 1}}{{end}}{{end}}']\n"), `t.yaml:6: start[0]: renders more than 4 MiB`},
		{"bad duration", with("ready:\n  tcp: \"{{.Address}}:1\"\n  timeout: 60\n"), `t.yaml:8: ready.timeout: "60": write a number with a unit, e.g. 60s or 2m`},
		{"zero duration", with("ready: {tcp: \"{{.Address}}:1\", timeout: 0s}\n"), `t.yaml:6: ready.timeout: 0s: want more than 0 and at most 1h0m0s`},
		{"ready both", with("ready:\n  tcp: \"{{.Address}}:1\"\n  command: [true]\n"), `t.yaml:8: ready: give one probe, tcp or command, not both`},
		{"ready neither", with("ready: {timeout: 5s}\n"), `t.yaml:6: ready: give a probe`},
		{"ready tcp elsewhere", with("ready: {tcp: \"localhost:2181\"}\n"), `t.yaml:6: ready.tcp: "localhost:2181": the probe must connect to the node's own address 192.0.2.11: write {{.Address}} for the host`},
		{"ready tcp no port", with("ready: {tcp: \"{{.Address}}\"}\n"), `t.yaml:6: ready.tcp: "192.0.2.11" is not HOST:PORT`},
		{"bad linearizable", with("modes:\n  - name: a\n    linearizable: maybe\n"), `t.yaml:8: modes[0].linearizable: "maybe": want yes, no or unknown`},
		{"linearizable true", with("modes:\n  - {name: a, linearizable: true}\n"), `t.yaml:7: modes[0].linearizable: "true": want yes, no or unknown`},
		{"bad converges", with("modes:\n  - {name: a, converges: sometimes}\n"), `modes[0].converges: "sometimes": want yes, no or unknown`},
		{"duplicate mode", with("modes:\n  - name: a\n  - name: b\n  - name: a\n"), `t.yaml:9: modes[2]: mode "a" is declared twice (first at line 7): rename one`},
		{"mode without name", with("modes:\n  - doc: x\n"), `t.yaml:7: modes[0]: give the mode a name`},
		{"bad mode name", with("modes:\n  - name: Sync\n"), `t.yaml:7: modes[0].name: "Sync": use lower-case letters`},
		{"no modes", with("modes: []\n"), `t.yaml:6: modes: declare at least one mode`},
		{"bad var name", with("modes:\n  - name: a\n    vars: {read-mode: x}\n"), `t.yaml:8: modes[0].vars: "read-mode": a var's name is letters, digits and '_'`},
		{"var not a value", with("modes:\n  - name: a\n    vars: {reads: [x]}\n"), `t.yaml:8: modes[0].vars.reads: want a single value, not a list`},
		{"no name", "workloads: [register]\nprogram: /usr/bin/prog\nclient: {command: [c]}\n", `t.yaml: no name: give the --target name`},
		{"bad name", strings.Replace(minimal, "name: t", "name: Zoo Keeper", 1), `t.yaml:1: name "Zoo Keeper": use lower-case letters`},
		{"reserved name", strings.Replace(minimal, "name: t", "name: bin", 1), `t.yaml:1: name "bin" is taken by faultline's own node directory /opt/faultline/bin`},
		{"no workloads", strings.Replace(minimal, "workloads: [register]", "workloads: []", 1), `t.yaml:2: workloads: name at least one workload`},
		{"bad workload", strings.Replace(minimal, "[register]", "[register, Reg]", 1), `t.yaml:2: workloads: "Reg" is not a workload name`},
		{"no program", strings.Replace(minimal, "program: /usr/bin/prog\n", "", 1), `t.yaml: no program: give the executable on the node`},
		{"relative program", strings.Replace(minimal, "/usr/bin/prog", "bin/prog", 1), `t.yaml:3: program: "bin/prog": give the executable's absolute, clean path`},
		{"templated program", strings.Replace(minimal, "/usr/bin/prog", "\"{{.Dir}}/prog\"", 1), `t.yaml:3: program: "{{.Dir}}/prog": the program is not a template`},
		{"no client", strings.Replace(minimal, "client:\n  command: [prog-client]\n", "", 1), `t.yaml: no client: give the client executable`},
		{"client without command", strings.Replace(minimal, "  command: [prog-client]\n", "  env: {A: b}\n", 1), `t.yaml:5: client: give its command`},
		{"client empty command", strings.Replace(minimal, "[prog-client]", "[]", 1), `t.yaml:5: client.command: give the client's argv`},
		{"bad env name", strings.Replace(minimal, "  command: [prog-client]\n", "  command: [c]\n  env: {\"A-B\": x}\n", 1),
			`t.yaml:6: client.env: "A-B": an environment variable's name is letters, digits and '_'`},
		{"bad package", with("packages: [zookeeper, \"zk; rm -rf /\"]\n"), `t.yaml:6: packages: "zk; rm -rf /" is not a Debian package name`},
		{"upload escapes", with("upload:\n  - {from: ../parse.go, to: /x}\n"), `t.yaml:7: upload[0].from: "../parse.go": give a path relative to the target file's directory, inside it`},
		{"upload absolute", with("upload:\n  - {from: /etc/passwd, to: /x}\n"), `t.yaml:7: upload[0].from: "/etc/passwd": give a path relative`},
		{"upload missing", with("upload:\n  - {from: nope.jar, to: /x}\n"), `t.yaml:7: upload[0].from: nope.jar: no such file or directory`},
		{"upload a directory", with("upload:\n  - {from: testdata, to: /x}\n"), `t.yaml:7: upload[0].from: testdata is not a regular file`},
		{"upload without to", with("upload:\n  - {from: testdata/client/extra.jar}\n"), `t.yaml:7: upload[0]: give from`},
		{"upload bad mode", with("upload:\n  - {from: testdata/client/extra.jar, to: /x, mode: rw}\n"), `t.yaml:7: upload[0].mode: "rw": want an octal permission`},
		{"file mode too big", with("files:\n  - {path: /x, content: a, mode: \"1777\"}\n"), `t.yaml:7: files[0].mode: "1777": want an octal permission`},
		{"file without path", with("files:\n  - {content: a}\n"), `t.yaml:7: files[0]: give path`},
		{"file path relative", with("files:\n  - {path: \"zoo.cfg\", content: a}\n"), `t.yaml:7: files[0].path: "zoo.cfg" is not an absolute, clean path on the node`},
		{"file path dotdot", with("files:\n  - {path: \"{{.Dir}}/../x\", content: a}\n"), `is not an absolute, clean path on the node`},
		{"file written twice", with("files:\n  - {path: /x, content: a}\nupload:\n  - {from: testdata/client/extra.jar, to: /x}\n"), `t.yaml:7: files[0].path: /x is also written by upload[0].to`},
		{"directory relative", with("directories: [data]\n"), `t.yaml:6: directories[0]: "data" is not an absolute, clean path`},
		{"log relative", with("logs: [\"{{.Name}}.log\"]\n"), `t.yaml:6: logs[0]: "n1.log" is not an absolute, clean path`},
		{"port out of range", with("ports: {client: 70000}\n"), `t.yaml:6: ports.client: "70000": want a port number between 1 and 65535`},
		{"port not a number", with("ports: {client: two}\n"), `t.yaml:6: ports.client: "two": want a port number`},
		{"bad port name", with("ports: {Client: 1}\n"), `t.yaml:6: ports: "Client": name a port`},
		{"option twice", with("options:\n  - {name: heap}\n  - {name: heap}\n"), `t.yaml:8: options[1]: option "heap" is declared twice (first at line 7)`},
		{"option bad name", with("options:\n  - {name: --heap}\n"), `t.yaml:7: options[0].name: "--heap": use lower-case letters`},
		{"option unknown field", with("options:\n  - {name: heap, value: 1}\n"), `t.yaml:7: options[0]: unknown field "value" (known here: name, default, doc)`},
		{"doc two lines", with("doc: \"a\\nb\"\n"), `t.yaml:6: doc: one line of text`},
		{"huge", with("doc: " + strings.Repeat("x", MaxFileSize) + "\n"), `t.yaml: the file is over 1048576 bytes: at most 1 MiB`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse("t.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatalf("parsed %+v; want an error %q", f, tc.want)
			}
			if !strings.HasPrefix(err.Error(), tc.want) && !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error\n%s\nwant it to contain\n%s", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "t.yaml") {
				t.Errorf("error does not start with the file: %s", err)
			}
			if !errors.Is(err, ErrTargetFile) || !errors.Is(err, targets.ErrInvalid) {
				t.Errorf("error does not wrap ErrTargetFile and targets.ErrInvalid: %v", err)
			}
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Errorf("error is not one line: %q", err)
			}
			if len(err.Error()) > 1000 {
				t.Errorf("error is %d bytes long", len(err.Error()))
			}
		})
	}
}

// TestLoadFileErrors: a missing file, a directory and an over-long file
// are refused naming the path.
func TestLoadFileErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ path, want string }{
		{filepath.Join(dir, "nope.yaml"), "nope.yaml: cannot read the target file: no such file or directory"},
		{dir, ": not a regular file"},
	} {
		_, err := Load(tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrTargetFile) {
			t.Errorf("Load(%s) = %v; want %q", tc.path, err, tc.want)
		}
	}
}
