package clientip

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResolve(t *testing.T) {
	r, err := NewResolver([]string{"10.0.0.0/8", "192.168.1.1"})
	require.NoError(t, err)
	tests := []struct {
		name, peer, xff, client, chain string
	}{
		{"untrusted peer ignores header", "198.51.100.9", "1.2.3.4", "198.51.100.9", "198.51.100.9"},
		{"trusted peer, no header", "10.1.2.3", "", "10.1.2.3", "10.1.2.3"},
		{"trusted peer believes one hop", "10.1.2.3", "203.0.113.7", "203.0.113.7", "203.0.113.7, 10.1.2.3"},
		{"spoofed left part is dropped", "10.1.2.3", "1.1.1.1, 203.0.113.7, 192.168.1.1", "203.0.113.7", "203.0.113.7, 192.168.1.1, 10.1.2.3"},
		{"garbage hop ends belief", "10.1.2.3", "203.0.113.7, nonsense, 10.9.9.9", "10.9.9.9", "10.9.9.9, 10.1.2.3"},
		{"ipv4-mapped peer", "::ffff:10.1.2.3", "203.0.113.7", "203.0.113.7", "203.0.113.7, 10.1.2.3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			client, chain := r.Resolve(netip.MustParseAddr(tc.peer), tc.xff)
			assert.Equal(t, tc.client, client.String())
			assert.Equal(t, tc.chain, chain)
		})
	}
}

func TestNewResolverRejectsGarbage(t *testing.T) {
	_, err := NewResolver([]string{"10.0.0.0/99"})
	require.Error(t, err)
	_, err = NewResolver([]string{"not-an-ip"})
	require.Error(t, err)
}
