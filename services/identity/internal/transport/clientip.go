package transport

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientIP finds the client address for throttling. X-Forwarded-For is trusted only when the
// direct peer is one of the trusted proxies (the gateway); then the right-most address that is
// not itself a trusted proxy is the client, since entries further left are client-supplied.
type ClientIP struct {
	trusted []netip.Prefix
}

// NewClientIP parses CIDRs of trusted proxies (e.g. "127.0.0.0/8", "::1/128").
func NewClientIP(cidrs []string) (*ClientIP, error) {
	c := &ClientIP{}
	for _, s := range cidrs {
		p, err := netip.ParsePrefix(strings.TrimSpace(s))
		if err != nil {
			return nil, err
		}
		c.trusted = append(c.trusted, p.Masked())
	}
	return c, nil
}

func (c *ClientIP) isTrusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range c.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Of returns the client address of r.
func (c *ClientIP) Of(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	if !c.isTrusted(peer) {
		return peer.Unmap().String()
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // garbage: stop at the last address we can vouch for
		}
		if !c.isTrusted(a) {
			return a.Unmap().String()
		}
		peer = a
	}
	return peer.Unmap().String()
}
