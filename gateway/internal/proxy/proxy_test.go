package proxy

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/valyala/fasthttp"
)

func do(t *testing.T, u *Upstream, path string) (*fasthttp.Response, error) {
	t.Helper()
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	t.Cleanup(func() { fasthttp.ReleaseRequest(req); fasthttp.ReleaseResponse(resp) })
	req.SetRequestURI(path)
	return resp, u.Do(req, resp)
}

func TestDoReusesConnections(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(r.Host + " " + r.URL.RequestURI()))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)

	u, err := New("task", srv.URL, Options{Timeout: time.Second, DialTimeout: time.Second})
	require.NoError(t, err)
	for range 5 {
		resp, err := do(t, u, "/staff/tasks?limit=2")
		require.NoError(t, err)
		assert.Equal(t, srv.Listener.Addr().String()+" /staff/tasks?limit=2", string(resp.Body()))
	}
	assert.Equal(t, int32(1), conns.Load(), "sequential requests share one kept-alive connection")
	require.NoError(t, u.Health(time.Second))
}

func TestDoClassifiesFailures(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())

	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); hang.Close() })

	opts := Options{Timeout: 200 * time.Millisecond, DialTimeout: time.Second}
	for name, tc := range map[string]struct {
		url  string
		want error
	}{
		"refused":        {closed, ErrUnavailable},
		"not configured": {"", ErrUnavailable},
		"hangs":          {hang.URL, ErrTimeout},
	} {
		t.Run(name, func(t *testing.T) {
			u, err := New(name, tc.url, opts)
			require.NoError(t, err)
			_, err = do(t, u, "/x")
			require.Error(t, err)
			assert.True(t, errors.Is(err, tc.want), "%v", err)
			assert.Error(t, u.Health(200*time.Millisecond))
		})
	}
}

func TestNewRejectsBadURL(t *testing.T) {
	_, err := New("x", "ftp://host", Options{})
	require.Error(t, err)
}
