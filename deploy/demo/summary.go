package demo

import (
	"fmt"
	"strings"
	"time"
)

// Result is what the demo's last line reports.
type Result struct {
	Sessions       int
	Tasks          int
	Assigned       int
	HardViolations int
	SolveMS        int64
}

// StaffedPct is the share of tasks with an assignee, in percent (0 when
// there are no tasks).
func (r Result) StaffedPct() float64 {
	if r.Tasks <= 0 {
		return 0
	}
	return 100 * float64(r.Assigned) / float64(r.Tasks)
}

// Line is the demo's last line, the one scripts and the closing note
// read: `sessions=1007 tasks=N staffed_pct=X hard_violations=0 solve_ms=T`.
// The percentage is rounded down to one decimal so that 89.97% never reads
// as 90.0.
func (r Result) Line() string {
	pct := float64(int64(r.StaffedPct()*10)) / 10
	return fmt.Sprintf("sessions=%d tasks=%d staffed_pct=%.1f hard_violations=%d solve_ms=%d",
		r.Sessions, r.Tasks, pct, r.HardViolations, r.SolveMS)
}

// Step is one timed step of the demo.
type Step struct {
	Name string
	Took time.Duration
	Note string
}

// Timings formats steps as an aligned table with a total.
func Timings(steps []Step) string {
	width := len("total")
	for _, s := range steps {
		width = max(width, len(s.Name))
	}
	var b strings.Builder
	var total time.Duration
	for _, s := range steps {
		total += s.Took
		line := fmt.Sprintf("  %-*s %9s", width, s.Name, ms(s.Took))
		if s.Note != "" {
			line += "  " + s.Note
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	fmt.Fprintf(&b, "  %-*s %9s\n", width, "total", ms(total))
	return b.String()
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%d ms", d.Milliseconds())
}
