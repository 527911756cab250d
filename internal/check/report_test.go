package check

import (
	"bytes"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
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
