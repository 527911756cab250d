package runner

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"regexp"
	"strings"
	"sync/atomic"
	"time"
)

// A session network is a Linux bridge on the engine's host. Containers on it
// would reach every address the host has (its other bridges, its own
// interfaces), since traffic to a local address is delivered on any
// interface. An internal session network therefore gets no host address at
// all (inhibit_ipv4: the gateway address is on no interface), and a network
// with egress, which needs the host as its gateway, gets a firewall rule
// that drops what its bridge delivers to the host itself. The networks the
// page creates are bridges of their own: their names share a prefix of the
// session's, and one more rule, on that prefix, covers them all before any
// exists. Forwarded traffic (egress, when the page asked for it) is left to
// the engine's own rules.

// bridgeName is the Linux name of a session's bridge (at most 15 bytes).
func bridgeName(sessionID string) string { return "ss-" + sessionID }

// pagePrefix begins the Linux name of every bridge of a network the page
// creates; a three-digit count ends it (15 bytes in all).
func pagePrefix(sessionID string) string { return "sp" + sessionID[:10] }

// maxPageNetworks is how many networks a page may create in a session: as
// many as three digits count.
const maxPageNetworks = 999

// pageBridges names the bridges of the networks a page creates, in turn.
func pageBridges(sessionID string) func() (string, error) {
	var n atomic.Int32
	return func() (string, error) {
		k := n.Add(1)
		if k > maxPageNetworks {
			return "", fmt.Errorf("a page may create at most %d networks in a session", maxPageNetworks)
		}
		return fmt.Sprintf("%s%03d", pagePrefix(sessionID), k), nil
	}
}

// ruleComment tags a rule with its run and session, so a sweep can find the
// rules of dead runs.
func ruleComment(runID, sessionID string) string { return "shipshape:" + runID + ":" + sessionID }

var ruleRe = regexp.MustCompile(`--comment "?shipshape:([0-9a-f]{12}):([0-9a-f]{12})"?`)

// firewalls are the commands that hold host rules, for IPv4 and IPv6.
var firewalls = []string{"iptables", "ip6tables"}

// hostRules drop what the session's bridge, and those of the networks the
// page creates (iptables reads a trailing + as any suffix), deliver to the
// host.
func hostRules(runID, sessionID string) [][]string {
	var rules [][]string
	for _, in := range []string{bridgeName(sessionID), pagePrefix(sessionID) + "+"} {
		rules = append(rules, []string{"INPUT", "-i", in, "-m", "comment", "--comment", ruleComment(runID, sessionID), "-j", "DROP"})
	}
	return rules
}

// blockHost adds the rules that drop what a session's bridge sends to the
// host. It fails when neither command can add one (not root, no iptables).
func blockHost(runID, sessionID string) error {
	// The rule names the session's bridge: where this machine has none,
	// the engine is elsewhere and a rule here would keep nothing out.
	if _, err := net.InterfaceByName(bridgeName(sessionID)); err != nil {
		return fmt.Errorf("the session's bridge %s is not on this machine (the engine runs elsewhere), so no firewall rule here can keep it from the engine's host; set allow_host = true under [verify] to run such pages anyway", bridgeName(sessionID))
	}
	// A command holds all of a session's rules or none (IPv6 may be
	// missing on the machine: then the other holds them).
	var first error
	added := false
	for _, fw := range firewalls {
		err := addRules(fw, hostRules(runID, sessionID))
		if err == nil {
			added = true
		} else if first == nil {
			first = err
		}
	}
	if added {
		return nil
	}
	return first
}

// addRules inserts rules with one command, or none of them.
func addRules(fw string, rules [][]string) error {
	for i, r := range rules {
		if err := firewall(fw, append([]string{"-I"}, r...)...); err != nil {
			for _, done := range rules[:i] {
				firewall(fw, append([]string{"-D"}, done...)...)
			}
			return err
		}
	}
	return nil
}

// unblockHost removes a session's rules.
func unblockHost(runID, sessionID string) {
	for _, fw := range firewalls {
		for _, r := range hostRules(runID, sessionID) {
			for firewall(fw, append([]string{"-D"}, r...)...) == nil {
			}
		}
	}
}

// sweepRules removes the rules of runs that are no longer alive.
func sweepRules(self string) int {
	n := 0
	for _, fw := range firewalls {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		out, err := exec.CommandContext(ctx, fw, "-w", "5", "-S", "INPUT").Output()
		cancel()
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(out), "\n") {
			m := ruleRe.FindStringSubmatch(line)
			if m == nil || m[1] == self || alive(m[1]) {
				continue
			}
			for _, r := range hostRules(m[1], m[2]) {
				if firewall(fw, append([]string{"-D"}, r...)...) == nil {
					n++
				}
			}
		}
	}
	return n
}

func firewall(fw string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, fw, append([]string{"-w", "5"}, args...)...).CombinedOutput()
	if err != nil {
		return &firewallError{fw: fw, args: args, out: strings.TrimSpace(string(out)), err: err}
	}
	return nil
}

type firewallError struct {
	fw   string
	args []string
	out  string
	err  error
}

func (e *firewallError) Error() string {
	return e.fw + " " + strings.Join(e.args, " ") + ": " + e.err.Error() + ": " + e.out
}

func (e *firewallError) Unwrap() error { return e.err }
