// Package clientip decides which address a request really comes from. A client can write any
// X-Forwarded-For it likes, so the header is believed only as far as it was appended by proxies
// we trust.
package clientip

import (
	"fmt"
	"net/netip"
	"strings"
)

// Resolver knows the trusted proxy networks.
type Resolver struct {
	trusted []netip.Prefix
}

// NewResolver parses proxies, each an IP or a CIDR.
func NewResolver(proxies []string) (*Resolver, error) {
	r := &Resolver{}
	for _, p := range proxies {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !strings.Contains(p, "/") {
			a, err := netip.ParseAddr(p)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: %w", p, err)
			}
			r.trusted = append(r.trusted, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: %w", p, err)
		}
		r.trusted = append(r.trusted, pfx.Masked())
	}
	return r, nil
}

// Trusted reports whether addr is one of the trusted proxies.
func (r *Resolver) Trusted(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range r.trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// Resolve returns the client address and the X-Forwarded-For chain to send upstream.
// peer is the TCP peer; xff the X-Forwarded-For header(s) received, comma-joined.
// The chain is walked from the right: every hop added by a trusted proxy is believed, the first
// untrusted one is the client. From an untrusted peer the header is ignored entirely.
func (r *Resolver) Resolve(peer netip.Addr, xff string) (client netip.Addr, chain string) {
	peer = peer.Unmap()
	if !r.Trusted(peer) || strings.TrimSpace(xff) == "" {
		return peer, peer.String()
	}
	var hops []netip.Addr
	for h := range strings.SplitSeq(xff, ",") {
		a, err := netip.ParseAddr(strings.TrimSpace(h))
		if err != nil {
			// A garbled hop ends what we can believe; keep only what lies to its right.
			hops = hops[:0]
			continue
		}
		hops = append(hops, a.Unmap())
	}
	hops = append(hops, peer)
	start := len(hops) - 1
	for start > 0 && r.Trusted(hops[start]) {
		start--
	}
	client = hops[start]
	parts := make([]string, 0, len(hops)-start)
	for _, h := range hops[start:] {
		parts = append(parts, h.String())
	}
	return client, strings.Join(parts, ", ")
}
