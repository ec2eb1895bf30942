package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/eventai/eventai/libs/logging"
)

// The tests install the W3C propagator as telemetry.Setup does in a process.
func init() {
	otel.SetTracerProvider(sdktrace.NewTracerProvider())
	otel.SetTextMapPropagator(propagation.TraceContext{})
}

type fixture struct {
	h   http.Handler
	reg *prometheus.Registry
	log *bytes.Buffer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /tasks/{id}", func(w http.ResponseWriter, r *http.Request) {
		JSON(w, 200, map[string]string{
			"id":         r.PathValue("id"),
			"request_id": logging.RequestID(r.Context()),
			"trace_id":   trace.SpanContextFromContext(r.Context()).TraceID().String(),
		})
	})
	mux.HandleFunc("POST /boom", func(w http.ResponseWriter, r *http.Request) { panic("kaboom") })
	var buf bytes.Buffer
	reg := prometheus.NewRegistry()
	return &fixture{h: Middleware("task", logging.New("task", "info", &buf), reg, StripSlash(mux)), reg: reg, log: &buf}
}

func (f *fixture) do(method, path string, hdr map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, nil)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, r)
	return rec
}

func TestMiddlewareLabelsByPattern(t *testing.T) {
	f := newFixture(t)
	f.do("GET", "/tasks/1", nil)
	f.do("GET", "/tasks/2/", nil) // trailing slash tolerated, same route
	f.do("GET", "/nope/123", nil)
	f.do("GET", "/nope/456", nil)

	if got := (counter(t, f.reg, "task", "GET /tasks/{id}", "GET", "200")); got != 2 {
		t.Errorf("route counter = %v, want 2", got)
	}
	if got := (counter(t, f.reg, "task", "unmatched", "GET", "404")); got != 2 {
		t.Errorf("unmatched counter = %v, want 2", got)
	}
	mfs, err := f.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "route" && strings.Contains(l.GetValue(), "123") {
					t.Fatalf("raw path leaked into %s: %s", mf.GetName(), l.GetValue())
				}
			}
		}
		if mf.GetName() == "http_request_duration_seconds" {
			if n := len(mf.GetMetric()); n != 2 {
				t.Errorf("duration series = %d, want 2", n)
			}
		}
	}
}

// counter returns the value of one http_requests_total series.
func counter(t *testing.T, reg *prometheus.Registry, labels ...string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "http_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			if got["service"] == labels[0] && got["route"] == labels[1] && got["method"] == labels[2] && got["code"] == labels[3] {
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no series %v", labels)
	return 0
}

func TestMiddlewareRequestIDAndTrace(t *testing.T) {
	f := newFixture(t)
	const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	rec := f.do("GET", "/tasks/7", map[string]string{"X-Request-Id": "abc-123", "traceparent": tp})
	if rec.Header().Get("X-Request-Id") != "abc-123" {
		t.Fatalf("request id not echoed: %q", rec.Header().Get("X-Request-Id"))
	}
	var body map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if body["request_id"] != "abc-123" || body["trace_id"] != "4bf92f3577b34da6a3ce929d0e0e4736" || body["id"] != "7" {
		t.Fatalf("handler saw %v", body)
	}
	var line map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(f.log.Bytes()), &line); err != nil {
		t.Fatalf("access log %q: %v", f.log, err)
	}
	if line["route"] != "GET /tasks/{id}" || line["status"] != float64(200) || line["trace_id"] != "4bf92f3577b34da6a3ce929d0e0e4736" || line["request_id"] != "abc-123" {
		t.Fatalf("access log = %v", line)
	}

	// A missing or hostile id is replaced by a generated one.
	for _, bad := range []string{"", "has space", strings.Repeat("x", 200)} {
		rec = f.do("GET", "/tasks/7", map[string]string{"X-Request-Id": bad})
		got := rec.Header().Get("X-Request-Id")
		if got == bad || len(got) != 32 {
			t.Errorf("id for %q = %q, want a generated 32-hex id", bad, got)
		}
	}
}

func TestMiddlewareRecoversPanic(t *testing.T) {
	f := newFixture(t)
	rec := f.do("POST", "/boom", nil)
	if rec.Code != 500 || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("got %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if !strings.Contains(f.log.String(), "kaboom") {
		t.Fatal("panic not logged")
	}
	if got := (counter(t, f.reg, "task", "POST /boom", "POST", "500")); got != 1 {
		t.Fatalf("500 counter = %v", got)
	}
}

func TestMiddlewareTwiceOnOneRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	log := logging.New("x", "error", &bytes.Buffer{})
	Middleware("a", log, reg, http.NotFoundHandler())
	Middleware("a", log, reg, http.NotFoundHandler()) // must not panic
}

func TestStripSlash(t *testing.T) {
	var seen string
	h := StripSlash(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = r.URL.Path }))
	for in, want := range map[string]string{"/a/b/": "/a/b", "/a/b": "/a/b", "/": "/", "/a//": "/a/"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", in, nil))
		if seen != want {
			t.Errorf("%q → %q, want %q", in, seen, want)
		}
	}
}

func TestNotFoundIsProblemAndUnmatched(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/", NotFound())
	reg := prometheus.NewRegistry()
	h := Middleware("s", logging.New("s", "error", &bytes.Buffer{}), reg, mux)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/whatever", nil))
	if rec.Code != 404 || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("got %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if got := (counter(t, reg, "s", "unmatched", "GET", "404")); got != 1 {
		t.Fatalf("counter = %v", got)
	}
}

func TestOps(t *testing.T) {
	mux := http.NewServeMux()
	Ops(mux, NewRegistry(), map[string]Check{
		"postgres": func(ctx context.Context) error { return nil },
		"kafka": func(ctx context.Context) error {
			return errors.New("no brokers")
		},
		"slow": func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() },
	})
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec
	}
	if rec := get("/healthz"); rec.Code != 200 {
		t.Fatalf("healthz %d", rec.Code)
	}
	rec := get("/readyz")
	if rec.Code != 503 || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("readyz %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	var p struct {
		Detail string
		Errors []struct{ Field, Message string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.Detail != "not ready: kafka, slow" || len(p.Errors) != 2 || p.Errors[0].Message != "no brokers" {
		t.Fatalf("readyz body %+v", p)
	}
	rec = get("/metrics")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "go_goroutines") || !strings.Contains(rec.Body.String(), "process_") {
		t.Fatalf("metrics %d lacks runtime/process collectors", rec.Code)
	}

	mux2 := http.NewServeMux()
	Ops(mux2, prometheus.NewRegistry(), map[string]Check{"postgres": func(ctx context.Context) error { return nil }})
	rec = httptest.NewRecorder()
	mux2.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != 200 {
		t.Fatalf("ready service answered %d", rec.Code)
	}
}

// Query values reach SQL as text parameters; Postgres refuses NUL and invalid
// UTF-8 with an error that used to surface as a 500.
func TestMiddlewareRefusesUnstorableQuery(t *testing.T) {
	f := newFixture(t)
	for _, q := range []string{"q=%00", "q=a%00b", "q=%ff%fe", "room=%C3", "%00=1"} {
		rec := f.do("GET", "/tasks/1?"+q, nil)
		if rec.Code != 400 || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%s: got %d %q", q, rec.Code, rec.Header().Get("Content-Type"))
		}
		var p struct{ Detail string }
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || !strings.Contains(p.Detail, "UTF-8") {
			t.Fatalf("%s: detail %q (%v)", q, p.Detail, err)
		}
	}
	if rec := f.do("GET", "/tasks/1?q=caf%C3%A9&limit=5", nil); rec.Code != 200 {
		t.Fatalf("valid query refused: %d", rec.Code)
	}
}
