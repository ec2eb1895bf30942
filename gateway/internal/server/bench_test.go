package server_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/eventai/eventai/gateway/internal/config"
	"github.com/eventai/eventai/libs/auth"
)

// BenchmarkProxyHop measures one GET /auth/me through the gateway over TCP: request id, span,
// rate limiter, JWT verification (EdDSA, cached JWKS), role check and the pooled hop to a
// trivial upstream. BenchmarkDirect is the same request straight to the upstream, so the
// difference is the gateway's cost.
func BenchmarkProxyHop(b *testing.B) {
	up := trivialUpstream(b)
	g := startGateway(b, setup{
		upstreams: map[string]string{"identity": up.URL},
		mutate:    func(c *config.Config) { c.RateLimit = 1 << 30 },
	})
	token := g.identity.token(b, auth.TypeAccess, "staff")
	runClient(b, g.url+"/auth/me/", token)
}

// BenchmarkDirect is the baseline for BenchmarkProxyHop.
func BenchmarkDirect(b *testing.B) {
	up := trivialUpstream(b)
	runClient(b, up.URL+"/auth/me", "Bearer x")
}

func trivialUpstream(b *testing.B) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c","role":"staff"}`))
	}))
	b.Cleanup(srv.Close)
	return srv
}

func runClient(b *testing.B, url, token string) {
	client := &fasthttp.HostClient{Addr: strings.TrimPrefix(url[:strings.Index(url[7:], "/")+7], "http://"), MaxConns: 64}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		for pb.Next() {
			req.SetRequestURI(url)
			req.Header.Set("Authorization", "Bearer "+token)
			if err := client.Do(req, resp); err != nil {
				b.Fatal(err)
			}
			if resp.StatusCode() != http.StatusOK {
				b.Fatalf("status %d: %s", resp.StatusCode(), resp.Body())
			}
		}
	})
}
