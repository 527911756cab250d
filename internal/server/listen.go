package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"
)

// ErrBind says the listen address was refused before trying it.
var ErrBind = errors.New("bind")

// Listen opens the TCP listener. An empty host is refused rather than
// silently meaning every interface: to listen on the network the author
// says so with an address such as 0.0.0.0. A host name must resolve to
// loopback addresses only; public reaches are written as IP addresses.
// public reports whether the address can be reached from other machines.
func Listen(host string, port int) (ln net.Listener, public bool, err error) {
	if host == "" {
		return nil, false, fmt.Errorf("%w: empty address; use --bind 127.0.0.1, or --bind 0.0.0.0 to listen on every interface", ErrBind)
	}
	if port < 0 || port > 65535 {
		return nil, false, fmt.Errorf("%w: port %d out of range", ErrBind, port)
	}
	if ip := net.ParseIP(host); ip != nil {
		public = !ip.IsLoopback()
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
		if err != nil {
			return nil, false, fmt.Errorf("%w: resolve %q: %v", ErrBind, host, err)
		}
		for _, ip := range ips {
			if !ip.IP.IsLoopback() {
				return nil, false, fmt.Errorf("%w: %q resolves to %s, which is not loopback; write the IP address to listen on it", ErrBind, host, ip.IP)
			}
		}
	}
	ln, err = net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return nil, false, fmt.Errorf("listen: %w", err)
	}
	return ln, public, nil
}

// URL is how to reach a listener in a browser: a wildcard address becomes
// 127.0.0.1.
func URL(ln net.Listener) string {
	a, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		return "http://" + ln.Addr().String() + "/"
	}
	host := a.IP.String()
	if a.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(a.Port)) + "/"
}
