package server

import (
	"bytes"
	"errors"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/eventai/eventai/gateway/internal/proxy"
	"github.com/eventai/eventai/gateway/internal/routes"
	"github.com/eventai/eventai/libs/auth"
	"github.com/eventai/eventai/libs/problem"
)

const bearerChallenge = `Bearer realm="eventai"`

// NoSuchObject is the detail of a 404 for a known route whose id is not a UUID.
const NoSuchObject = "no such object, or not yours"

// forward is the catch-all handler: 404/405 for paths outside the table, the body limit, the
// token and role checks, then the hop to the owning service.
func (s *Server) forward(c *fiber.Ctx) error {
	m := matched(c)
	if m.BadID {
		// Worded like the services' 404 for another company's object: a malformed id and a
		// foreign one must not be told apart.
		return writeProblem(c, problem.NotFound(NoSuchObject))
	}
	if !m.Found {
		return writeProblem(c, problem.NotFound("no route "+c.Method()+" "+c.Path()))
	}
	if m.Route == nil {
		c.Set(fiber.HeaderAllow, m.Allow)
		if c.Method() == fiber.MethodOptions {
			return c.SendStatus(fiber.StatusNoContent)
		}
		return writeProblem(c, problem.New(typeMethodNotAllowed, http.StatusMethodNotAllowed,
			c.Method()+" is not allowed on "+m.Pattern+"; allowed: "+m.Allow))
	}
	r := m.Route
	if n := len(c.Request().Body()); n > r.Limit() {
		return writeProblem(c, tooLarge(r.Limit()))
	}
	if r.Access != routes.Public {
		claims, p := s.authenticate(c)
		if p != nil {
			return writeProblem(c, p)
		}
		if !r.Allows(claims.Role) {
			return writeProblem(c, problem.Forbidden("the role "+claims.Role+" may not "+r.Method+" "+r.Pattern))
		}
	}
	if r.Service == routes.Gateway {
		return s.local(c, r)
	}
	return s.hop(c, r)
}

// authenticate verifies the bearer access token; the problem is a 401 with a challenge.
func (s *Server) authenticate(c *fiber.Ctx) (*auth.Claims, *problem.Problem) {
	h := c.Get(fiber.HeaderAuthorization)
	scheme, raw, ok := strings.Cut(h, " ")
	if h == "" || !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
		c.Set(fiber.HeaderWWWAuthenticate, bearerChallenge)
		return nil, problem.Unauthorized("a bearer access token is required")
	}
	claims, err := s.verifier.Verify(c.UserContext(), strings.TrimSpace(raw), auth.TypeAccess)
	if err != nil || claims == nil {
		s.log.DebugContext(c.UserContext(), "token rejected", "err", err)
		c.Set(fiber.HeaderWWWAuthenticate, bearerChallenge+`, error="invalid_token", error_description="the access token is invalid or expired"`)
		return nil, problem.Unauthorized("the access token is invalid, expired or not an access token")
	}
	return claims, nil
}

// local answers the routes the gateway serves itself.
func (s *Server) local(c *fiber.Ctx, r *routes.Route) error {
	switch r.Pattern {
	case "/openapi.json":
		c.Set(fiber.HeaderContentType, "application/json")
		c.Set(fiber.HeaderCacheControl, "public, max-age=300")
		return c.Send(openapiDocument())
	case "/docs":
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		c.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		return c.Send(s.docsHTML)
	}
	return writeProblem(c, problem.NotFound("no route "+r.Pattern))
}

// Request headers never forwarded: hop-by-hop ones (RFC 9110 7.6.1) and identity claims a
// client could forge. Services trust only the token, but stripping keeps the forgeries out of
// their logs and out of any code that might one day read them.
var dropRequest = map[string]bool{
	"connection": true, "keep-alive": true, "proxy-authenticate": true, "proxy-authorization": true,
	"te": true, "trailer": true, "transfer-encoding": true, "upgrade": true,
	"x-real-ip": true, "x-client-ip": true, "forwarded": true, "x-original-forwarded-for": true,
	"true-client-ip": true, "x-request-id": true, "traceparent": true, "tracestate": true, "expect": true,
	"host": true,
}

func dropRequestHeader(name string) bool {
	n := strings.ToLower(name)
	return dropRequest[n] || strings.HasPrefix(n, "x-user-") || strings.HasPrefix(n, "x-forwarded-")
}

// Response headers the gateway owns or that must not cross a hop.
var dropResponse = map[string]bool{
	"connection": true, "keep-alive": true, "proxy-authenticate": true, "te": true, "trailer": true,
	"transfer-encoding": true, "upgrade": true, "content-length": true, "server": true,
	"x-request-id": true, "date": true,
}

// hop forwards the request to r's service and copies the answer back.
func (s *Server) hop(c *fiber.Ctx, r *routes.Route) error {
	up := s.upstreams[r.Service]
	if up == nil {
		return s.upstreamFailed(c, r.Service, proxy.ErrUnavailable)
	}
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)

	in := &c.Request().Header
	in.CopyTo(&req.Header)
	var drop [][]byte
	for k := range in.All() {
		if dropRequestHeader(string(k)) {
			drop = append(drop, bytes.Clone(k))
		}
	}
	// Also drop whatever the client named as hop-by-hop in Connection.
	for name := range strings.SplitSeq(string(in.Peek(fiber.HeaderConnection)), ",") {
		if name = strings.TrimSpace(name); name != "" && !strings.EqualFold(name, "authorization") {
			drop = append(drop, []byte(name))
		}
	}
	for _, k := range drop {
		req.Header.DelBytes(k)
	}
	uri := routes.Normalize(c.Path())
	if q := c.Request().URI().QueryString(); len(q) > 0 {
		uri += "?" + string(q)
	}
	req.SetRequestURI(uri)
	req.Header.Set(HeaderRequestID, requestIDOf(c))
	if xff, _ := c.Locals(keyXFF).(string); xff != "" {
		req.Header.Set(fiber.HeaderXForwardedFor, xff)
	}
	req.Header.Set(fiber.HeaderXForwardedProto, c.Protocol())
	req.Header.Set(fiber.HeaderXForwardedHost, c.Hostname())
	s.propagator.Inject(c.UserContext(), requestCarrier{&req.Header})
	// The raw body: c.Body() would decode Content-Encoding and we must forward bytes as sent.
	req.SetBodyRaw(c.Request().Body())

	if err := up.Do(req, resp); err != nil {
		s.log.WarnContext(c.UserContext(), "upstream failed", "service", r.Service, "err", err)
		return s.upstreamFailed(c, r.Service, err)
	}

	c.Status(resp.StatusCode())
	out := &c.Response().Header
	for k, v := range resp.Header.All() {
		name := strings.ToLower(string(k))
		if dropResponse[name] || strings.HasPrefix(name, "access-control-") {
			continue
		}
		out.AddBytesKV(k, v)
	}
	// resp goes back to fasthttp's pool when hop returns, before the answer is written: Send
	// would keep a reference to its buffer and another request could overwrite it (one user
	// receiving another's data). SetBody copies.
	c.Response().SetBody(resp.Body())
	return nil
}

func (s *Server) upstreamFailed(c *fiber.Ctx, service string, err error) error {
	if errors.Is(err, proxy.ErrTimeout) {
		s.metrics.upstreamErrors.WithLabelValues(service, "timeout").Inc()
		return writeProblem(c, problem.New(typeGatewayTimeout, http.StatusGatewayTimeout,
			"the "+service+" service did not answer in time"))
	}
	s.metrics.upstreamErrors.WithLabelValues(service, "unavailable").Inc()
	c.Set(fiber.HeaderRetryAfter, "5")
	return writeProblem(c, problem.Unavailable("the "+service+" service is not available"))
}
