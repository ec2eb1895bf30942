// Package proxy forwards requests to the upstream services over pooled fasthttp connections
// and classifies what went wrong when they do not answer.
package proxy

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"time"

	"github.com/valyala/fasthttp"
)

// Failure kinds reported by Do; the gateway maps them to 503 and 504.
var (
	// ErrUnavailable means the upstream could not be reached (not configured, refused, reset).
	ErrUnavailable = errors.New("upstream unavailable")
	// ErrTimeout means the upstream did not answer in time.
	ErrTimeout = errors.New("upstream timeout")
)

// Options tune every upstream client.
type Options struct {
	// Timeout bounds one forwarded exchange (write request + read response).
	Timeout time.Duration
	// DialTimeout bounds connecting.
	DialTimeout time.Duration
	// MaxConns per upstream; 0 means 512.
	MaxConns int
	// MaxResponseBodySize; 0 means 32 MiB.
	MaxResponseBodySize int
}

// Upstream is one service reachable over HTTP.
type Upstream struct {
	Name    string
	BaseURL string
	host    string
	client  *fasthttp.HostClient
	timeout time.Duration
}

// New builds the client of one upstream. An empty baseURL gives an upstream that always
// reports ErrUnavailable, so that routes of services that are not deployed answer 503.
func New(name, baseURL string, o Options) (*Upstream, error) {
	u := &Upstream{Name: name, BaseURL: baseURL, timeout: o.Timeout}
	if baseURL == "" {
		return u, nil
	}
	parsed, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("upstream %s: %w", name, err)
	}
	if parsed.Scheme != "http" && parsed.Scheme != "https" {
		return nil, fmt.Errorf("upstream %s: scheme %q not supported", name, parsed.Scheme)
	}
	addr := parsed.Host
	if parsed.Port() == "" {
		port := "80"
		if parsed.Scheme == "https" {
			port = "443"
		}
		addr = net.JoinHostPort(parsed.Hostname(), port)
	}
	if o.MaxConns == 0 {
		o.MaxConns = 512
	}
	if o.MaxResponseBodySize == 0 {
		o.MaxResponseBodySize = 32 << 20
	}
	dialTimeout := o.DialTimeout
	u.host = parsed.Host
	u.client = &fasthttp.HostClient{
		Addr:  addr,
		Name:  "eventai-gateway",
		IsTLS: parsed.Scheme == "https",
		Dial: func(a string) (net.Conn, error) {
			return fasthttp.DialTimeout(a, dialTimeout)
		},
		MaxConns: o.MaxConns,
		// Shorter than the services' idle timeout so that we never write into a connection
		// the service is about to close.
		MaxIdleConnDuration: 5 * time.Second,
		MaxConnWaitTimeout:  o.DialTimeout,
		ReadTimeout:         o.Timeout,
		WriteTimeout:        o.Timeout,
		MaxResponseBodySize: o.MaxResponseBodySize,
		// Paths were already normalised by the gateway; forward them byte for byte.
		DisablePathNormalizing:   true,
		NoDefaultUserAgentHeader: true,
		// One retry of idempotent requests covers a kept-alive connection that the service
		// closed just as we reused it.
		MaxIdemponentCallAttempts: 2,
	}
	return u, nil
}

// Configured reports whether the upstream has an address.
func (u *Upstream) Configured() bool { return u.client != nil }

// Do sends req (whose URI path and query the caller has set) and fills resp. It sets the
// scheme and host of the upstream. Errors wrap ErrUnavailable or ErrTimeout.
func (u *Upstream) Do(req *fasthttp.Request, resp *fasthttp.Response) error {
	if u.client == nil {
		return fmt.Errorf("%s: no address configured: %w", u.Name, ErrUnavailable)
	}
	req.SetHost(u.host)
	if u.client.IsTLS {
		req.URI().SetScheme("https")
	} else {
		req.URI().SetScheme("http")
	}
	err := u.client.DoTimeout(req, resp, u.timeout)
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w: %w", u.Name, classify(err), err)
}

func classify(err error) error {
	var ne net.Error
	if errors.Is(err, fasthttp.ErrTimeout) || errors.Is(err, os.ErrDeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout() && !errors.Is(err, fasthttp.ErrDialTimeout)) {
		return ErrTimeout
	}
	// Refused, reset, closed, dial timeout, no free connection: the service cannot take the
	// request, which to the client is the same as being down.
	return ErrUnavailable
}

// Health asks the upstream's /healthz, bounded by timeout.
func (u *Upstream) Health(timeout time.Duration) error {
	if u.client == nil {
		return fmt.Errorf("%s: no address configured: %w", u.Name, ErrUnavailable)
	}
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI("/healthz")
	req.Header.SetMethod(fasthttp.MethodGet)
	req.SetHost(u.host)
	if err := u.client.DoTimeout(req, resp, timeout); err != nil {
		return fmt.Errorf("%s: %w: %w", u.Name, classify(err), err)
	}
	if resp.StatusCode() != fasthttp.StatusOK {
		return fmt.Errorf("%s: /healthz answered %d: %w", u.Name, resp.StatusCode(), ErrUnavailable)
	}
	return nil
}
