package junit

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	var b bytes.Buffer
	err := Write(&b, []Case{
		{Suite: "a.md", Name: "a.md:3 shell", Classname: "a", File: "a.md", Line: 3, Seconds: 0.25, Output: "hi <there>\n"},
		{Suite: "b.md", Name: "b.md:1 dockerfile", Outcome: Failed, Type: "check", Message: "line 2: bad", Detail: "b.md:2: error: bad"},
		{Suite: "a.md", Name: "a.md:9 console", Outcome: Skipped, Message: "needs a registry"},
		{Suite: "b.md", Name: "b.md:7 shell", Outcome: Error, Message: "no engine"},
	})
	if err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		`<testsuites tests="4" failures="1" errors="1" skipped="1">`,
		`<testsuite name="a.md" tests="2" failures="0" errors="0" skipped="1">`,
		`<testcase name="a.md:3 shell" classname="a" file="a.md" line="3" time="0.250">`,
		`<system-out><![CDATA[hi <there>` + "\n" + `]]></system-out>`,
		`<failure message="line 2: bad" type="check">b.md:2: error: bad</failure>`,
		`<skipped message="needs a registry"></skipped>`,
		`<error message="no engine"></error>`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in:\n%s", want, out)
		}
	}
	if strings.Index(out, `name="a.md"`) > strings.Index(out, `name="b.md"`) {
		t.Errorf("suites not in first-seen order")
	}
	if err := xml.Unmarshal(b.Bytes(), new(suites)); err != nil {
		t.Errorf("output is not valid XML: %v", err)
	}
}
