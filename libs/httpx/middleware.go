package httpx

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/eventai/eventai/libs/logging"
	"github.com/eventai/eventai/libs/problem"
)

// RequestIDHeader carries the request id in and out.
const RequestIDHeader = "X-Request-Id"

// UnmatchedRoute labels requests no mux pattern matched, so scanners cannot
// blow up metric cardinality with raw paths.
const UnmatchedRoute = "unmatched"

const tracerName = "github.com/eventai/eventai/libs/httpx"

type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total",
			Help: "HTTP requests served, by route pattern and status code.",
		}, []string{"service", "route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_request_duration_seconds",
			Help:    "HTTP request latency, by route pattern.",
			Buckets: prometheus.DefBuckets,
		}, []string{"service", "route", "method"}),
	}
	if reg == nil {
		return m
	}
	// Wrapping twice on one registry (e.g. two listeners) reuses the collectors.
	m.requests = registerOrExisting(reg, m.requests)
	m.duration = registerOrExisting(reg, m.duration)
	return m
}

func registerOrExisting[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(err) // a conflicting metric definition is a wiring bug
	}
	return c
}

// Middleware wraps the service's mux with, outermost first: panic recovery
// (→ 500 problem, logged with the stack), request id (X-Request-Id reused when
// sane, else generated; echoed and put in the context), trace extraction from
// traceparent and a server span, one JSON access log line, and the metrics
// http_requests_total and http_request_duration_seconds labelled by the
// matched route pattern (never the raw path). Wrap the *http.ServeMux itself
// (or StripSlash(mux)): the pattern is read from the request the mux saw.
func Middleware(service string, log *slog.Logger, reg *prometheus.Registry, next http.Handler) http.Handler {
	var registerer prometheus.Registerer
	if reg != nil {
		registerer = reg
	}
	m := newMetrics(registerer)
	tracer := otel.Tracer(tracerName)

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(RequestIDHeader)
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(RequestIDHeader, id)

		ctx := otel.GetTextMapPropagator().Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := tracer.Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", r.Method), attribute.String("url.path", r.URL.Path)))
		defer span.End()
		ctx = logging.WithRequestID(ctx, id)

		rec := &recorder{ResponseWriter: w}
		req := r.WithContext(ctx)
		func() {
			defer func() {
				p := recover()
				if p == nil {
					return
				}
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.ErrorContext(ctx, "panic serving request", "panic", p, "stack", string(debug.Stack()),
					"method", r.Method, "path", r.URL.Path)
				span.SetStatus(codes.Error, "panic")
				if !rec.wroteHeader {
					problem.Write(rec, req, problem.Internal("internal error"))
				} else {
					rec.status = http.StatusInternalServerError
				}
			}()
			if p := unstorableQuery(r.URL.RawQuery); p != nil {
				problem.Write(rec, req, p)
				return
			}
			next.ServeHTTP(rec, req)
		}()

		// The mux fills Pattern on the request it was given, only after matching.
		route := req.Pattern
		if route == "" {
			route = UnmatchedRoute
		}
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		elapsed := time.Since(start)
		method := metricMethod(r.Method)
		m.requests.WithLabelValues(service, route, method, strconv.Itoa(status)).Inc()
		m.duration.WithLabelValues(service, route, method).Observe(elapsed.Seconds())

		span.SetName(r.Method + " " + route)
		span.SetAttributes(attribute.String("http.route", route), attribute.Int("http.response.status_code", status))
		if status >= 500 {
			span.SetStatus(codes.Error, http.StatusText(status))
		}
		log.LogAttrs(ctx, slog.LevelInfo, "http request",
			slog.String("method", r.Method),
			slog.String("route", route),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
			slog.Int64("bytes", rec.bytes),
			slog.String("remote", r.RemoteAddr),
		)
	})
}

// metricMethod keeps the method label bounded.
func metricMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// validRequestID accepts ids a client or the gateway sent when they are short
// printable ASCII, so they cannot inject into logs or headers.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// recorder captures the status and size of a response.
type recorder struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.status = code
		r.wroteHeader = code >= 200 // 1xx informational responses are not final
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = http.StatusOK, true
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach Flush, deadlines and hijacking.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Flush supports streaming handlers that type-assert http.Flusher.
func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		if !r.wroteHeader {
			r.status, r.wroteHeader = http.StatusOK, true
		}
		f.Flush()
	}
}

// unstorableQuery refuses a query string whose keys or values hold NUL or
// invalid UTF-8: handlers pass filters such as ?q= to Postgres as text, which
// refuses both with an error that would otherwise surface as a 500.
func unstorableQuery(raw string) *problem.Problem {
	if raw == "" {
		return nil
	}
	// Malformed pairs are dropped, as r.URL.Query() drops them for handlers.
	values, _ := url.ParseQuery(raw)
	for k, vs := range values {
		for _, s := range append([]string{k}, vs...) {
			if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
				return problem.BadRequest(fmt.Sprintf("query parameter %q must be UTF-8 text without NUL characters", strings.ToValidUTF8(strings.ReplaceAll(k, "\x00", ""), "?")))
			}
		}
	}
	return nil
}
