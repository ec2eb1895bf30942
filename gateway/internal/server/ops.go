package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/eventai/eventai/gateway/internal/openapi"
	"github.com/eventai/eventai/gateway/internal/proxy"
)

func openapiDocument() []byte { return openapi.Document() }

func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz is ready when identity's JWKS can be fetched (without it no token verifies); the other
// upstreams are reported so an operator sees them, but a missing one only makes its routes 503.
func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()

	checks := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	// The answer names only the kind of failure: /readyz is reachable from outside, and the
	// internal addresses in the errors belong in the log.
	set := func(k string, err error) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err == nil:
			checks[k] = "ok"
		case errors.Is(err, proxy.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
			checks[k] = "timeout"
		default:
			checks[k] = "unavailable"
		}
		if err != nil {
			s.log.WarnContext(ctx, "readiness check failed", "check", k, "err", err)
		}
	}
	wg.Go(func() { set("identity_jwks", s.fetchJWKS(ctx)) })
	for name, up := range s.upstreams {
		wg.Go(func() { set(name, up.Health(2*time.Second)) })
	}
	wg.Wait()

	status, code := "ready", fiber.StatusOK
	if checks["identity_jwks"] != "ok" {
		status, code = "not ready", fiber.StatusServiceUnavailable
	}
	return c.Status(code).JSON(fiber.Map{"status": status, "checks": checks})
}

func (s *Server) fetchJWKS(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.cfg.JWKSURL, nil)
	if err != nil {
		return fmt.Errorf("jwks request: %w", err)
	}
	resp, err := s.httpClient.Do(req)
	if err != nil {
		return fmt.Errorf("fetch jwks: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetch jwks: status %d", resp.StatusCode)
	}
	return nil
}

func (s *Server) metricsHandler() fiber.Handler {
	return adaptor.HTTPHandler(promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg}))
}
