package service

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// solveMetrics exports what the suggestions did: how long a whole suggestion took (planning,
// loading and the optimiser's time limit), how many tasks it staffed, and any hard-rule
// violation Verify found (which should stay at zero: alert on it).
type solveMetrics struct {
	seconds    *prometheus.HistogramVec
	tasks      *prometheus.CounterVec
	violations prometheus.Counter
}

func newSolveMetrics(reg prometheus.Registerer) *solveMetrics {
	m := &solveMetrics{
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "suggestion_solve_seconds",
			Help:    "Wall time of a suggestion from loading its inputs to its plan, by mode.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}}, []string{"mode"}),
		tasks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "suggestion_tasks_total",
			Help: "Tasks of suggestions, by whether the optimiser staffed them."}, []string{"outcome"}),
		violations: prometheus.NewCounter(prometheus.CounterOpts{Name: "suggestion_hard_violations_total",
			Help: "Hard-rule violations found by the independent Verify in served plans (expected 0)."}),
	}
	reg.MustRegister(m.seconds, m.tasks, m.violations)
	return m
}

// Solved implements app.Observer.
func (m *solveMetrics) Solved(mode string, elapsed time.Duration, tasks, assigned, hardViolations int) {
	m.seconds.WithLabelValues(mode).Observe(elapsed.Seconds())
	m.violations.Add(float64(hardViolations))
	if mode == "plan" {
		return // drafts only: nobody is meant to be assigned
	}
	m.tasks.WithLabelValues("assigned").Add(float64(assigned))
	m.tasks.WithLabelValues("unassigned").Add(float64(tasks - assigned))
}
