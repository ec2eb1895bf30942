package httpx

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/eventai/eventai/libs/problem"
)

// Check reports whether one dependency is ready; nil means ready.
type Check func(ctx context.Context) error

// ReadyTimeout bounds all readiness checks of one /readyz request.
const ReadyTimeout = 2 * time.Second

// NewRegistry returns a Prometheus registry with the Go runtime and process
// collectors registered.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// Ops registers GET /healthz (always 200 while the process runs), GET /readyz
// (runs every check concurrently within ReadyTimeout: 200, or a 503 problem
// naming the failing checks) and GET /metrics (reg in Prometheus text format).
func Ops(mux *http.ServeMux, reg *prometheus.Registry, ready map[string]Check) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		JSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		failed := runChecks(r.Context(), ready)
		if len(failed) == 0 {
			JSON(w, http.StatusOK, map[string]string{"status": "ready"})
			return
		}
		names := make([]string, len(failed))
		for i, f := range failed {
			names[i] = f.Field
		}
		p := problem.Unavailable("not ready: " + strings.Join(names, ", "))
		p.Errors = failed
		problem.Write(w, r, p)
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
}

// runChecks returns the failing checks sorted by name. A check that ignores
// ctx and is still running when the budget ends counts as timed out, so
// /readyz never hangs on it.
func runChecks(ctx context.Context, checks map[string]Check) []problem.FieldError {
	ctx, cancel := context.WithTimeout(ctx, ReadyTimeout)
	defer cancel()
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		results = make(map[string]error, len(checks))
	)
	for name, check := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := safeCheck(ctx, check)
			mu.Lock()
			results[name] = err
			mu.Unlock()
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
	mu.Lock()
	defer mu.Unlock()
	var failed []problem.FieldError
	for name := range checks {
		err, finished := results[name]
		switch {
		case !finished:
			failed = append(failed, problem.FieldError{Field: name, Message: "timed out"})
		case err != nil:
			failed = append(failed, problem.FieldError{Field: name, Message: err.Error()})
		}
	}
	sort.Slice(failed, func(i, j int) bool { return failed[i].Field < failed[j].Field })
	return failed
}

func safeCheck(ctx context.Context, c Check) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("check panicked: %v", p)
		}
	}()
	return c(ctx)
}
