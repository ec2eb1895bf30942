package transport_test

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/services/identity/internal/transport"
)

func TestClientIP(t *testing.T) {
	c, err := transport.NewClientIP([]string{"127.0.0.0/8", "10.0.0.0/8"})
	require.NoError(t, err)
	cases := []struct {
		name, peer, xff, want string
	}{
		{"direct client", "198.51.100.7:5000", "", "198.51.100.7"},
		{"untrusted peer's XFF is ignored", "198.51.100.7:5000", "1.2.3.4", "198.51.100.7"},
		{"gateway forwards", "127.0.0.1:5000", "203.0.113.5", "203.0.113.5"},
		{"spoofed left entries are skipped", "127.0.0.1:5000", "6.6.6.6, 203.0.113.5", "203.0.113.5"},
		{"chain of trusted proxies", "127.0.0.1:5000", "203.0.113.5, 10.1.2.3", "203.0.113.5"},
		{"trusted peer without XFF", "127.0.0.1:5000", "", "127.0.0.1"},
		{"garbage XFF stops at what we trust", "127.0.0.1:5000", "nonsense", "127.0.0.1"},
		{"ipv4-mapped ipv6", "[::ffff:127.0.0.1]:5000", "203.0.113.5", "203.0.113.5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/auth/login", nil)
			r.RemoteAddr = tc.peer
			if tc.xff != "" {
				r.Header.Set("X-Forwarded-For", tc.xff)
			}
			require.Equal(t, tc.want, c.Of(r))
		})
	}
	_, err = transport.NewClientIP([]string{"not-a-cidr"})
	require.Error(t, err)
}
