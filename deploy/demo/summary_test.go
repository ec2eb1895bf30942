package demo

import (
	"strings"
	"testing"
	"time"
)

func TestResultLine(t *testing.T) {
	for _, c := range []struct {
		r    Result
		want string
	}{
		{Result{Sessions: 1007, Tasks: 1980, Assigned: 1900, SolveMS: 20012}, "sessions=1007 tasks=1980 staffed_pct=95.9 hard_violations=0 solve_ms=20012"},
		// 1799/2000 = 89.95%: rounding down keeps it below 90.
		{Result{Sessions: 79, Tasks: 2000, Assigned: 1799, HardViolations: 2, SolveMS: 5}, "sessions=79 tasks=2000 staffed_pct=89.9 hard_violations=2 solve_ms=5"},
		{Result{Sessions: 3, Tasks: 4, Assigned: 4}, "sessions=3 tasks=4 staffed_pct=100.0 hard_violations=0 solve_ms=0"},
		{Result{}, "sessions=0 tasks=0 staffed_pct=0.0 hard_violations=0 solve_ms=0"},
	} {
		if got := c.r.Line(); got != c.want {
			t.Errorf("Line() = %q, want %q", got, c.want)
		}
	}
}

func TestTimings(t *testing.T) {
	got := Timings([]Step{{"login", 12 * time.Millisecond, ""}, {"import schedule", 1500 * time.Millisecond, "1007 sessions"}})
	// Names padded to the longest (15), durations right-aligned in 9.
	want := "  login" + strings.Repeat(" ", 10) + " " + "    12 ms\n" +
		"  import schedule" + " " + "  1500 ms  1007 sessions\n" +
		"  total" + strings.Repeat(" ", 10) + " " + "  1512 ms\n"
	if got != want {
		t.Errorf("Timings =\n%s\nwant\n%s", got, want)
	}
	if got := Timings(nil); got != "  total      0 ms\n" {
		t.Errorf("empty Timings = %q", got)
	}
}
