// Package server is the gateway's HTTP front: it matches the route table, verifies tokens,
// applies the role table, rate limits, CORS, request ids and tracing, and forwards to the
// owning service.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/cors"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/eventai/eventai/gateway/internal/clientip"
	"github.com/eventai/eventai/gateway/internal/config"
	"github.com/eventai/eventai/gateway/internal/openapi"
	"github.com/eventai/eventai/gateway/internal/proxy"
	"github.com/eventai/eventai/gateway/internal/routes"
	"github.com/eventai/eventai/libs/auth"
	"github.com/eventai/eventai/libs/problem"
)

// Verifier checks a raw JWT of the wanted type; libs/auth.Verifier is the real one.
type Verifier interface {
	Verify(ctx context.Context, raw, wantType string) (*auth.Claims, error)
}

// Options are the dependencies of a Server.
type Options struct {
	Config     config.Config
	Verifier   Verifier
	Upstreams  map[string]*proxy.Upstream
	Registry   *prometheus.Registry
	Tracer     trace.TracerProvider
	Propagator propagation.TextMapPropagator
	Log        *slog.Logger
	// HTTPClient is used by /readyz to fetch the JWKS.
	HTTPClient *http.Client
}

// Server is the gateway.
type Server struct {
	cfg        config.Config
	verifier   Verifier
	upstreams  map[string]*proxy.Upstream
	matcher    *routes.Matcher
	ips        *clientip.Resolver
	reg        *prometheus.Registry
	metrics    *metrics
	tracer     trace.Tracer
	propagator propagation.TextMapPropagator
	log        *slog.Logger
	httpClient *http.Client
	docsHTML   []byte
	app        *fiber.App
}

// New assembles the gateway. It fails on invalid settings rather than serving with a hole.
func New(o Options) (*Server, error) {
	if err := o.Config.Validate(); err != nil {
		return nil, fmt.Errorf("gateway config: %w", err)
	}
	if o.Verifier == nil || o.Registry == nil || o.Tracer == nil || o.Propagator == nil || o.Log == nil {
		return nil, errors.New("gateway: verifier, registry, tracer, propagator and log are required")
	}
	ips, err := clientip.NewResolver(o.Config.Proxies())
	if err != nil {
		return nil, err
	}
	m, err := newMetrics(o.Registry)
	if err != nil {
		return nil, fmt.Errorf("register metrics: %w", err)
	}
	docs, err := openapi.DocsHTML()
	if err != nil {
		return nil, fmt.Errorf("render docs page: %w", err)
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 2 * time.Second}
	}
	s := &Server{
		cfg:        o.Config,
		verifier:   o.Verifier,
		upstreams:  o.Upstreams,
		matcher:    routes.NewMatcher(routes.Table()),
		ips:        ips,
		reg:        o.Registry,
		metrics:    m,
		tracer:     o.Tracer.Tracer("github.com/eventai/eventai/gateway"),
		propagator: o.Propagator,
		log:        o.Log,
		httpClient: hc,
		docsHTML:   docs,
	}
	s.app = s.build()
	return s, nil
}

// App exposes the fiber app (tests and benchmarks).
func (s *Server) App() *fiber.App { return s.app }

func (s *Server) build() *fiber.App {
	cfg := s.cfg
	app := fiber.New(fiber.Config{
		AppName:               "eventai-gateway",
		DisableStartupMessage: true,
		// The largest route limit; smaller per-route limits are enforced in forward.
		BodyLimit:    routes.ImportBodyLimit,
		ReadTimeout:  cfg.ReadTimeout,
		WriteTimeout: cfg.WriteTimeout,
		IdleTimeout:  cfg.IdleTimeout,
		// Room for long bearer tokens and cookies in the header.
		ReadBufferSize: 16 << 10,
		ErrorHandler:   s.errorHandler,
		// X-Forwarded-For is believed only from configured proxies; c.IP() stays safe.
		ProxyHeader:             fiber.HeaderXForwardedFor,
		EnableTrustedProxyCheck: true,
		TrustedProxies:          cfg.Proxies(),
		EnableIPValidation:      true,
		CaseSensitive:           true,
		Network:                 fiber.NetworkTCP,
	})

	app.Use(s.requestID, s.observe)
	app.Use(recover.New(recover.Config{
		EnableStackTrace: true,
		StackTraceHandler: func(c *fiber.Ctx, e any) {
			s.log.ErrorContext(c.UserContext(), "panic", "panic", fmt.Sprint(e))
		},
	}))
	if origins := cfg.Origins(); len(origins) > 0 {
		app.Use(cors.New(cors.Config{
			AllowOrigins: strings.Join(origins, ","),
			AllowMethods: "GET,POST,PUT,DELETE,OPTIONS",
			AllowHeaders: "Authorization,Content-Type,If-Match,If-None-Match,X-Request-Id,Traceparent,Tracestate",
			// The limiter's budget headers too, so that a browser client can pace itself.
			ExposeHeaders:    "ETag,X-Request-Id,Location,Retry-After,X-RateLimit-Limit,X-RateLimit-Remaining,X-RateLimit-Reset",
			AllowCredentials: true,
			MaxAge:           600,
		}))
	}
	ops := func(c *fiber.Ctx) bool {
		return slices.Contains(opsPaths, routes.Normalize(c.Path()))
	}
	app.Use(limiter.New(limiter.Config{
		Next:         ops,
		Max:          cfg.RateLimit,
		Expiration:   cfg.RateWindow,
		KeyGenerator: func(c *fiber.Ctx) string { return "all|" + clientIP(c) },
		LimitReached: rateLimited,
	}))
	app.Use(limiter.New(limiter.Config{
		Next: func(c *fiber.Ctx) bool {
			r := matched(c).Route
			return r == nil || !r.AuthLimited
		},
		Max:          cfg.AuthRateLimit,
		Expiration:   cfg.RateWindow,
		KeyGenerator: func(c *fiber.Ctx) string { return "auth|" + clientIP(c) },
		LimitReached: rateLimited,
	}))

	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)
	app.Get("/metrics", s.metricsHandler())
	app.Use(s.forward)
	return app
}

func rateLimited(c *fiber.Ctx) error {
	// The limiter has already set Retry-After.
	return writeProblem(c, problem.RateLimited("too many requests; retry after the number of seconds in Retry-After"))
}

// Serve answers on ln until ctx is done, then drains in-flight requests for at most
// ShutdownTimeout.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- s.app.Listener(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "timeout", s.cfg.ShutdownTimeout.String())
	if err := s.app.ShutdownWithTimeout(s.cfg.ShutdownTimeout); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return <-errc
}
