package relay

import "golang.org/x/sys/unix"

// Seal makes the relay's process its own against the page's: it runs in
// the session container beside the page's shell, as the same user (root,
// with no capabilities), and a process of the same user may otherwise
// open its /proc/PID/fd and /proc/PID/mem. Through its standard output
// the page could then answer for it (how full the disk is, among the
// rest). A process that is not dumpable can be reached that way only with
// CAP_SYS_PTRACE, which the session has not. The page can still kill it:
// the runner then measures the page itself (see runner.watchDisk).
func Seal() error {
	return unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
}
