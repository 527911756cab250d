package cli

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// serveCmds are the script commands the serve scripts need: waiting for
// the ready file and fetching pages from the URL written in it.
var serveCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"waitfile": cmdWaitfile,
	"fetch":    cmdFetch,
}

// waitfile FILE waits (up to 60 s) until FILE exists and is not empty.
func cmdWaitfile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 || neg {
		ts.Fatalf("usage: waitfile FILE")
	}
	p := ts.MkAbs(args[0])
	for end := time.Now().Add(60 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(p); err == nil && len(b) > 0 {
			return
		}
	}
	ts.Fatalf("%s never appeared", args[0])
}

// fetch [-status N] [-until RE] [-header NAME] [-gzip] READYFILE PATH
// GETs PATH from the URL in READYFILE and writes the body to stdout
// (and a requested header as "NAME: value" first). With -until it asks
// again (up to 30 s) until the body matches RE, as a browser waiting for
// the reload would.
func cmdFetch(ts *testscript.TestScript, neg bool, args []string) {
	fs := flag.NewFlagSet("fetch", flag.ContinueOnError)
	status := fs.Int("status", 200, "expected status")
	until := fs.String("until", "", "retry until the body matches")
	header := fs.String("header", "", "print this response header")
	gz := fs.Bool("gzip", false, "ask for gzip and print the body as received")
	if err := fs.Parse(args); err != nil || fs.NArg() != 2 || neg {
		ts.Fatalf("usage: fetch [-status N] [-until RE] [-header NAME] [-gzip] READYFILE PATH")
	}
	b, err := os.ReadFile(ts.MkAbs(fs.Arg(0)))
	ts.Check(err)
	url := strings.TrimSuffix(strings.TrimSpace(string(b)), "/") + fs.Arg(1)
	var re *regexp.Regexp
	if *until != "" {
		re, err = regexp.Compile(*until)
		ts.Check(err)
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 30 * time.Second}
	var body []byte
	var resp *http.Response
	for end := time.Now().Add(30 * time.Second); ; time.Sleep(25 * time.Millisecond) {
		req, err := http.NewRequest("GET", url, nil)
		ts.Check(err)
		if *gz {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		resp, err = client.Do(req)
		ts.Check(err)
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		ts.Check(err)
		if re == nil || re.Match(body) {
			break
		}
		if time.Now().After(end) {
			ts.Fatalf("GET %s: body never matched %q; last body:\n%s", fs.Arg(1), *until, body)
		}
	}
	if resp.StatusCode != *status {
		ts.Fatalf("GET %s: status %d, want %d", fs.Arg(1), resp.StatusCode, *status)
	}
	if *header != "" {
		fmt.Fprintf(ts.Stdout(), "%s: %s\n", *header, resp.Header.Get(*header))
	}
	fmt.Fprintf(ts.Stdout(), "%s\n", body)
}
