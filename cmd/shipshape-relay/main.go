// Command shipshape-relay runs in a page session's container: the docker
// CLI there connects to its unix socket, and it carries each connection to
// shipshape's proxy over its own standard input and output.
package main

import (
	"fmt"
	"os"

	"github.com/shipshape/shipshape/internal/relay"
)

func main() {
	if len(os.Args) != 3 || os.Args[1] == "-h" || os.Args[1] == "--help" {
		fmt.Fprintln(os.Stderr, "usage: shipshape-relay SOCKET DIR (run by shipshape in a page session: relays SOCKET over stdin/stdout and writes the files it is sent into DIR)")
		os.Exit(2)
	}
	if err := relay.Seal(); err != nil {
		fmt.Fprintln(os.Stderr, "shipshape-relay:", err)
		os.Exit(1)
	}
	if err := relay.Serve(os.Args[1], os.Args[2], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "shipshape-relay:", err)
		os.Exit(1)
	}
}
