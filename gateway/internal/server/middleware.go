package server

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/valyala/fasthttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/eventai/eventai/gateway/internal/routes"
	"github.com/eventai/eventai/libs/logging"
)

// HeaderRequestID carries the request id in and out.
const HeaderRequestID = "X-Request-Id"

type localKey int

const (
	keyRequestID localKey = iota
	keyMatch
	keyClientIP
	keyXFF
)

// opsPaths are the gateway's own probe and metrics paths, outside the route table.
var opsPaths = []string{"/healthz", "/readyz", "/metrics"}

// validRequestID accepts what is safe to echo and log: 1-128 characters of [A-Za-z0-9._:-].
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		ch := id[i]
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9':
		case ch == '-', ch == '_', ch == '.', ch == ':':
		default:
			return false
		}
	}
	return true
}

// requestID reuses a well-formed incoming X-Request-Id, otherwise makes one, and echoes it.
// It also resolves the client address once, for the limiter, logs and X-Forwarded-For.
func (s *Server) requestID(c *fiber.Ctx) error {
	// Fiber strings alias fasthttp's buffers, which the next request on the connection reuses;
	// the id outlives the request (spans, log records), so it must be a copy.
	id := strings.Clone(c.Get(HeaderRequestID))
	if !validRequestID(id) {
		id = uuid.NewString()
	}
	c.Locals(keyRequestID, id)
	c.Set(HeaderRequestID, id)

	peer, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	client, chain := s.ips.Resolve(peer, string(c.Request().Header.Peek(fiber.HeaderXForwardedFor)))
	c.Locals(keyClientIP, client.String())
	c.Locals(keyXFF, chain)
	return c.Next()
}

func requestIDOf(c *fiber.Ctx) string {
	id, _ := c.Locals(keyRequestID).(string)
	return id
}

func clientIP(c *fiber.Ctx) string {
	ip, _ := c.Locals(keyClientIP).(string)
	return ip
}

func matched(c *fiber.Ctx) routes.Result {
	m, _ := c.Locals(keyMatch).(routes.Result)
	return m
}

// observe matches the route (so every later step knows its template), runs the request inside
// a server span continued from the incoming traceparent, and records the metrics and the
// access log line. Errors are rendered here so the recorded status is the one sent.
func (s *Server) observe(c *fiber.Ctx) error {
	start := time.Now()
	path := routes.Normalize(c.Path())
	// c.Method() aliases a buffer the next request on the connection reuses; labels, span
	// attributes and log fields outlive the request, so they get a constant string.
	method := methodLabel(c.Method())
	m := s.matcher.Match(c.Method(), path)
	c.Locals(keyMatch, m)

	// Labels must be constants or copies: path aliases a buffer that fasthttp reuses.
	template := m.Pattern
	if template == "" {
		template = "unmatched"
		for _, op := range opsPaths {
			if path == op {
				template = op
			}
		}
	}

	ctx := s.propagator.Extract(c.UserContext(), requestCarrier{&c.Request().Header})
	ctx, span := s.tracer.Start(ctx, method+" "+template,
		trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(
			attribute.String("http.request.method", method),
			attribute.String("http.route", template),
			attribute.String("client.address", clientIP(c)),
			attribute.String("request.id", requestIDOf(c)),
		))
	defer span.End()
	// libs/logging adds request_id, trace_id and span_id from this context to every record.
	ctx = logging.WithRequestID(ctx, requestIDOf(c))
	c.SetUserContext(ctx)

	if err := c.Next(); err != nil {
		if herr := s.app.ErrorHandler(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}

	status := c.Response().StatusCode()
	span.SetAttributes(attribute.Int("http.response.status_code", status))
	if status >= 500 {
		span.SetStatus(codes.Error, strconv.Itoa(status))
	}
	elapsed := time.Since(start)
	s.metrics.requests.WithLabelValues(template, method, strconv.Itoa(status)).Inc()
	s.metrics.duration.WithLabelValues(template, method).Observe(elapsed.Seconds())

	s.log.InfoContext(ctx, "request",
		"method", method,
		"route", template,
		"status", status,
		"duration_ms", float64(elapsed.Microseconds())/1000,
		"client_ip", clientIP(c),
		"bytes_out", len(c.Response().Body()),
	)
	return nil
}

// methodLabel maps a request method to a constant string: a copy that outlives the request,
// and a bounded label set (any other method is "other").
func methodLabel(m string) string {
	switch m {
	case fiber.MethodGet:
		return fiber.MethodGet
	case fiber.MethodHead:
		return fiber.MethodHead
	case fiber.MethodPost:
		return fiber.MethodPost
	case fiber.MethodPut:
		return fiber.MethodPut
	case fiber.MethodPatch:
		return fiber.MethodPatch
	case fiber.MethodDelete:
		return fiber.MethodDelete
	case fiber.MethodOptions:
		return fiber.MethodOptions
	case fiber.MethodConnect:
		return fiber.MethodConnect
	case fiber.MethodTrace:
		return fiber.MethodTrace
	}
	return "other"
}

// requestCarrier adapts fasthttp request headers to OpenTelemetry's TextMapCarrier.
type requestCarrier struct{ h *fasthttp.RequestHeader }

var _ propagation.TextMapCarrier = requestCarrier{}

func (r requestCarrier) Get(key string) string { return string(r.h.Peek(key)) }
func (r requestCarrier) Set(key, value string) { r.h.Set(key, value) }
func (r requestCarrier) Keys() []string {
	var keys []string
	for k := range r.h.All() {
		keys = append(keys, string(k))
	}
	return keys
}
