package vagrant

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestShellSyntax checks the provisioning and cluster scripts parse.
func TestShellSyntax(t *testing.T) {
	for _, c := range [][]string{{"sh", "-n", "provision.sh"}, {"bash", "-n", "cluster.sh"}} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Errorf("%s: %v\n%s", strings.Join(c, " "), err, out)
		}
	}
}

// TestVagrantfileValidates runs `vagrant validate` without booting VMs:
// provider blocks are ignored (CI has no VirtualBox or libvirt), and
// Vagrant's state goes to a temporary directory, not into the tree.
func TestVagrantfileValidates(t *testing.T) {
	bin, err := exec.LookPath("vagrant")
	if err != nil {
		t.Skip("vagrant not installed, Vagrantfile not validated (Debian: apt-get install vagrant; make setup installs it)")
	}
	tmp := t.TempDir()
	for _, n := range []int{5, 3} {
		nodes := strconv.Itoa(n)
		cmd := exec.Command(bin, "validate", "--ignore-provider")
		cmd.Env = append(os.Environ(), "VAGRANT_DOTFILE_PATH="+tmp+"/dot", "VAGRANT_HOME="+tmp+"/home",
			"VAGRANT_CHECKPOINT_DISABLE=1", "FAULTLINE_NODES="+nodes)
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "validated successfully") {
			t.Fatalf("vagrant validate (FAULTLINE_NODES=%s): %v\n%s", nodes, err, out)
		}
		if got := strings.Count(string(out), "Ignoring provider config"); got != n {
			t.Errorf("FAULTLINE_NODES=%s: validated %d machines, want %s\n%s", nodes, got, nodes, out)
		}
	}
	if _, err := os.Stat(".vagrant"); err == nil {
		t.Error("vagrant validate left .vagrant in the source tree")
	}
}
