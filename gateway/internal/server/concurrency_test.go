package server_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/gateway/internal/config"
)

// Under concurrency every client must get its own upstream answer. The proxy hop once handed
// Fiber a body that aliased a pooled fasthttp.Response released before the answer was written,
// so another request's body (another user's data) could go out instead.
func TestConcurrentAnswersAreNotMixed(t *testing.T) {
	// The upstream echoes the caller's tag in a body of a few KiB, so writes take long enough
	// for pooled buffers to be reused while an answer is still being sent.
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tag := r.URL.Query().Get("tag")
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, tag+"|"+strings.Repeat(tag, 4096/len(tag)))
	}))
	t.Cleanup(up.Close)
	g := startGateway(t, setup{upstreams: map[string]string{"identity": up.URL},
		mutate: func(c *config.Config) { c.RateLimit = 1 << 20 }})

	const workers, each = 16, 40
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		wrong []string
	)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	// Close the kept-alive connections before the gateway's shutdown (cleanups run last first),
	// so that its graceful shutdown does not wait on them on a loaded machine.
	t.Cleanup(client.CloseIdleConnections)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				tag := fmt.Sprintf("w%02di%03d", w, i)
				resp, err := client.Get(g.url + "/.well-known/jwks.json?tag=" + tag)
				if err != nil {
					mu.Lock()
					wrong = append(wrong, tag+": "+err.Error())
					mu.Unlock()
					continue
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if want := tag + "|" + strings.Repeat(tag, 4096/len(tag)); string(body) != want {
					got, _, _ := strings.Cut(string(body), "|")
					mu.Lock()
					wrong = append(wrong, fmt.Sprintf("%s got %q (%d bytes)", tag, got, len(body)))
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	require.Empty(t, wrong, "answers carried another request's body")
}

// Metric labels taken from the request must be copies: Fiber's c.Method() aliases a buffer that
// the next request reuses, and a series created as "PUT" that later reads "GET" makes the
// registry report duplicates, so /metrics answered 500.
func TestMetricsSurviveMixedMethods(t *testing.T) {
	g := startGateway(t, setup{mutate: func(c *config.Config) { c.RateLimit = 1 << 20 }})
	tok := g.identity.token(t, "access", "admin")
	client := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(client.CloseIdleConnections)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			methods := []string{"GET", "PUT", "DELETE", "POST"}
			for i := range 40 {
				m := methods[(w+i)%len(methods)]
				path := "/admin/users/" + someID
				if m == "POST" {
					path = "/admin/users"
				}
				req, _ := http.NewRequest(m, g.url+path, strings.NewReader(`{}`))
				req.Header.Set("Authorization", "Bearer "+tok)
				resp, err := client.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}()
	}
	wg.Wait()
	resp := g.call(t, "GET", "/metrics", nil)
	body, _ := io.ReadAll(resp.Body)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	_, err := testutil.GatherAndCount(g.reg, "http_requests_total")
	require.NoError(t, err, "registry must gather without duplicate series")
}
