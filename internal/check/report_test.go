package check

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// reportPage has one block of most kinds and statuses.
const reportPage = "# Guide\n\n" +
	"```bash\ndocker-compose up -d\ndocker scan app\n```\n\n" +
	"```\nRUN apt-get update && apt-get install -y curl\n```\n\n" +
	"```\n$ docker network create backend\n9f3c2b1a\n```\n\n" +
	"```\napp/\n└── compose.yaml\n```\n\n" +
	"```yaml\nversion: \"3.8\"\nservices:\n  web:\n    image: nginx:1.25\n```\n\n" +
	"```bash {expect=fail}\ndocker scan app\n```\n\n" +
	"```bash {skip}\ndocker ps\n```\n"

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it, then review the diff):\n%s", name, got)
	}
}

func reportFixture(t *testing.T) Report {
	return Report{Results: All(blocks(t, reportPage))}
}

func TestReportText(t *testing.T) {
	var b bytes.Buffer
	reportFixture(t).WriteText(&b, false, true)
	golden(t, "report.txt", b.Bytes())
	if strings.Contains(b.String(), "\x1b[") {
		t.Error("plain report has colour codes")
	}
	var c bytes.Buffer
	reportFixture(t).WriteText(&c, true, true)
	if !strings.Contains(c.String(), "\x1b[31mfailed\x1b[0m") {
		t.Error("colour report does not paint failed red")
	}
}

func TestReportJSON(t *testing.T) {
	var b bytes.Buffer
	if err := reportFixture(t).WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.json", b.Bytes())
}

func TestReportJUnit(t *testing.T) {
	var b bytes.Buffer
	if err := reportFixture(t).WriteJUnit(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.junit.xml", b.Bytes())
	var v struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Skipped  int `xml:"skipped,attr"`
	}
	if err := xml.Unmarshal(b.Bytes(), &v); err != nil {
		t.Fatalf("JUnit report is not XML: %v", err)
	}
	if v.Tests != 7 || v.Failures != 1 || v.Skipped != 1 {
		t.Errorf("JUnit tests/failures/skipped = %d/%d/%d, want 7/1/1", v.Tests, v.Failures, v.Skipped)
	}
}

func TestReportGitHub(t *testing.T) {
	var b bytes.Buffer
	reportFixture(t).WriteGitHub(&b)
	golden(t, "report.github.txt", b.Bytes())
}

func TestGitHubEscapes(t *testing.T) {
	if got := ghProp("a,b:c%\n"); got != "a%2Cb%3Ac%25%0A" {
		t.Errorf("ghProp = %q", got)
	}
	if got := ghData("50%\nx"); got != "50%25%0Ax" {
		t.Errorf("ghData = %q", got)
	}
}

func TestSARIF(t *testing.T) {
	sn := blocks(t, "```bash\ndocker scan app\ndocker run --pids-limit=64\n```\n")
	rep := Report{Results: All(sn)}
	var buf bytes.Buffer
	if err := rep.WriteSARIF(&buf); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatalf("SARIF is not JSON: %v\n%s", err, buf.String())
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name != "shipshape" {
		t.Fatalf("SARIF header: %s", buf.String())
	}
	run := log.Runs[0]
	got := map[string]string{}
	for _, r := range run.Results {
		if r.RuleIndex < 0 || r.RuleIndex >= len(run.Tool.Driver.Rules) || run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %s: ruleIndex %d does not point at its rule", r.RuleID, r.RuleIndex)
		}
		l := r.Locations[0].PhysicalLocation
		got[r.RuleID] = fmt.Sprintf("%s %s:%d", r.Level, l.ArtifactLocation.URI, l.Region.StartLine)
	}
	want := map[string]string{"docker-removed": "error page.md:2", "docker-args": "warning page.md:3"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SARIF results = %v, want %v", got, want)
	}
}

func TestBaselineKeysSurviveMovedLines(t *testing.T) {
	before := Report{Results: All(blocks(t, "```bash\ndocker scan app\n```\n"))}
	after := Report{Results: All(blocks(t, "Intro.\n\nMore intro.\n\n```bash\ndocker scan app\n```\n\n```bash\ndocker scan other\n```\n"))}
	var buf bytes.Buffer
	if err := before.Baseline().Write(&buf); err != nil {
		t.Fatal(err)
	}
	b, err := ReadBaseline(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if n := after.Without(b); n != 1 {
		t.Errorf("Without dropped %d findings, want 1 (the moved one)", n)
	}
	if got := after.Summary().Errors; got != 1 {
		t.Errorf("errors left = %d, want 1 (the new block)", got)
	}
}
