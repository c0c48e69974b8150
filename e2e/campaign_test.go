package e2e

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The smoke campaign runs on its own cluster, apart from the other
// end-to-end tests' cluster.
const (
	campaignCluster = "campt"
	campaignSubnet  = "198.18.61.0/24"
)

// TestKnownBugsSmokeCampaign runs campaigns/known-bugs-smoke.yaml: every
// deliberately unsafe mode in it must be caught, so the campaign must exit
// 0 with every cell met, a passing junit.xml and a run directory per cell.
func TestKnownBugsSmokeCampaign(t *testing.T) {
	requireRoot(t)
	home := t.TempDir()
	t.Cleanup(func() {
		if _, _, code := cli(t, home, "cluster", "down", "--name", campaignCluster); code != 0 {
			t.Errorf("cluster down exited %d", code)
		}
		out, _ := exec.Command("ip", "netns", "list").Output()
		if strings.Contains(string(out), "fl-"+campaignCluster+"-") {
			t.Errorf("namespaces left after cluster down:\n%s", out)
		}
	})
	if _, _, code := cli(t, home, "cluster", "up", "--name", campaignCluster, "--subnet", campaignSubnet, "--nodes", "5"); code != 0 {
		t.Fatalf("cluster up exited %d", code)
	}
	store := t.TempDir()
	stdout, _, code := cli(t, home, "campaign", "../campaigns/known-bugs-smoke.yaml", "--cluster", campaignCluster, "--store", store)

	dir := ""
	for _, l := range strings.Split(stdout, "\n") {
		if p, ok := strings.CutPrefix(l, "campaign: "); ok {
			dir = p
		}
	}
	if dir == "" {
		t.Fatalf("no campaign directory in the output (exit %d)", code)
	}
	var sum struct {
		Name    string `json:"name"`
		Verdict string `json:"verdict"`
		Cells   []struct {
			ID string `json:"id"`
		} `json:"cells"`
		Results []struct {
			ID      string `json:"id"`
			Verdict string `json:"verdict"`
			Expect  string `json:"expect"`
			Met     bool   `json:"met"`
			Why     string `json:"why"`
			Run     string `json:"run"`
		} `json:"results"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "campaign.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	if len(sum.Cells) != 4 || len(sum.Results) != len(sum.Cells) {
		t.Fatalf("%d cells, %d results; want 4 and 4", len(sum.Cells), len(sum.Results))
	}
	for _, r := range sum.Results {
		if !r.Met || r.Expect != "invalid" || r.Verdict != "invalid" {
			t.Errorf("cell %s: verdict %s, expected %s, met %v: %s", r.ID, r.Verdict, r.Expect, r.Met, r.Why)
		}
		if r.Run == "" {
			t.Errorf("cell %s: no run directory", r.ID)
			continue
		}
		res := readResults(t, filepath.Join(dir, r.Run))
		if res.Verdict != r.Verdict {
			t.Errorf("cell %s: campaign says %s, the run's results.json %s", r.ID, r.Verdict, res.Verdict)
		}
	}
	if code != 0 || sum.Verdict != "valid" {
		t.Errorf("campaign exit %d, verdict %s; want 0 and valid (every bug caught)", code, sum.Verdict)
	}
	var j struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
	}
	jb, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(jb, &j); err != nil || j.Tests != 4 || j.Failures != 0 || j.Errors != 0 {
		t.Errorf("junit.xml: %d tests, %d failures, %d errors (%v); want 4, 0, 0", j.Tests, j.Failures, j.Errors, err)
	}
	page, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil || !strings.Contains(string(page), `id="verdict">passed<`) {
		t.Errorf("index.html: %v", err)
	}
}
