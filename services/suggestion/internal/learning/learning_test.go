package learning

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func ago(days float64) *time.Time {
	t := now.Add(-time.Duration(days * 24 * float64(time.Hour)))
	return &t
}

// done is a finished, approved task of one skill ending at end.
func done(staff, skill string, end time.Time, completed *time.Time, edited, blocked bool) Record {
	return Record{StaffID: staff, Skills: []string{skill}, EndsAt: end, Approved: true, ApprovedAt: completed,
		EditedByManager: edited, Done: true, CompletedAt: completed, WasBlocked: blocked, UpdatedAt: *completed}
}

func TestNewcomerScoresThePrior(t *testing.T) {
	m := Estimate(nil, now, DefaultParams())
	s := m.Score("nobody", "registration")
	require.Equal(t, 0.5, s.Overall)
	require.Equal(t, Rate{Value: 0.5}, s.OnTime)
	require.Equal(t, 0.5, m.Prior())
	require.Nil(t, m.Performance("nobody"))
}

func TestHandComputedEstimates(t *testing.T) {
	p := DefaultParams()
	tests := []struct {
		name                            string
		history                         []Record
		onTime, unedited, notBlocked    float64
		onTimeN, uneditedN, notBlockedN float64
	}{
		{
			// (2+1)/(2+2+1) = 0.6 for every rate.
			name:    "one fresh perfect task",
			history: []Record{done("a", "AV", *ago(0), ago(0), false, false)},
			onTime:  0.6, unedited: 0.6, notBlocked: 0.6, onTimeN: 1, uneditedN: 1, notBlockedN: 1,
		},
		{
			// Finished an hour late 90 days ago (weight 1/2): on time (2+0)/(4+0.5) = 4/9;
			// unedited and not blocked (2+0.5)/(4.5) = 5/9.
			name:    "one late task a half-life ago",
			history: []Record{done("a", "av", ago(90).Add(-time.Hour), ago(90), false, false)},
			onTime:  4.0 / 9, unedited: 5.0 / 9, notBlocked: 5.0 / 9, onTimeN: 0.5, uneditedN: 0.5, notBlockedN: 0.5,
		},
		{
			// Fresh on-time task (w=1) and a late, edited, blocked one two half-lives ago
			// (w=1/4): on time (2+1)/(4+1.25) = 4/7 for every rate.
			name: "recent good outweighs old bad",
			history: []Record{
				done("a", "av", *ago(0), ago(0), false, false),
				done("a", "av", ago(180).Add(-time.Minute), ago(180), true, true),
			},
			onTime: 4.0 / 7, unedited: 4.0 / 7, notBlocked: 4.0 / 7, onTimeN: 1.25, uneditedN: 1.25, notBlockedN: 1.25,
		},
		{
			// Approved with edits, not finished yet: only the approval rate moves, (2+0)/(4+1).
			name: "edited approval only",
			history: []Record{{StaffID: "a", Skills: []string{"av"}, EndsAt: now.Add(time.Hour), Approved: true,
				ApprovedAt: ago(0), EditedByManager: true, UpdatedAt: now}},
			onTime: 0.5, unedited: 0.4, notBlocked: 0.5, uneditedN: 1,
		},
		{
			// Blocked right now, not done, not approved (a test fixture, not a real state):
			// the blocked rate moves at once, 2/(4+1).
			name:    "blocked in progress counts",
			history: []Record{{StaffID: "a", Skills: []string{"av"}, EndsAt: now, WasBlocked: true, UpdatedAt: now}},
			onTime:  0.5, unedited: 0.5, notBlocked: 0.4, notBlockedN: 1,
		},
		{
			// Unapproved and unfinished: nothing is known yet.
			name:    "open task says nothing",
			history: []Record{{StaffID: "a", Skills: []string{"av"}, EndsAt: now, UpdatedAt: now}},
			onTime:  0.5, unedited: 0.5, notBlocked: 0.5,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Estimate(tt.history, now, p).Score("a", "AV")
			require.InDelta(t, tt.onTime, s.OnTime.Value, 1e-12)
			require.InDelta(t, tt.unedited, s.Unedited.Value, 1e-12)
			require.InDelta(t, tt.notBlocked, s.NotBlocked.Value, 1e-12)
			require.InDelta(t, tt.onTimeN, s.OnTime.Evidence, 1e-12)
			require.InDelta(t, tt.uneditedN, s.Unedited.Evidence, 1e-12)
			require.InDelta(t, tt.notBlockedN, s.NotBlocked.Evidence, 1e-12)
			require.InDelta(t, (tt.onTime+tt.unedited+tt.notBlocked)/3, s.Overall, 1e-12)
		})
	}
}

func TestSkillsAreSeparateAndCaseInsensitive(t *testing.T) {
	h := []Record{
		{StaffID: "a", Skills: []string{"Registration", "registration ", "First Aid"}, EndsAt: now, Done: true, CompletedAt: ago(0), UpdatedAt: now},
		{StaffID: "a", Area: "Catering", EndsAt: now, Done: true, CompletedAt: ago(0), UpdatedAt: now},
		{StaffID: "b", Skills: []string{"av"}, EndsAt: now, Done: true, CompletedAt: ago(0), WasBlocked: true, UpdatedAt: now},
	}
	m := Estimate(h, now, DefaultParams())
	// "Registration" listed twice on one task still counts once.
	require.InDelta(t, 0.6, m.Score("a", "REGISTRATION").OnTime.Value, 1e-12)
	require.InDelta(t, 1.0, m.Score("a", "registration").OnTime.Evidence, 1e-12)
	require.InDelta(t, 0.6, m.Score("a", "first aid").NotBlocked.Value, 1e-12)
	// A task without skills counts toward its area.
	require.InDelta(t, 0.6, m.Score("a", "catering").OnTime.Value, 1e-12)
	require.Equal(t, []string{"catering", "first aid", "registration"}, m.Skills("a"))
	// b's blocked AV task does not leak into a, nor a's skills into b.
	require.Equal(t, 0.5, m.Score("a", "av").Overall)
	require.InDelta(t, 0.4, m.Score("b", "av").NotBlocked.Value, 1e-12)
	perf := m.Performance("b")
	require.Len(t, perf, 1)
	require.InDelta(t, (0.6+0.5+0.4)/3, perf["av"], 1e-12)
}

func TestWeightHalvesPerHalfLife(t *testing.T) {
	p := DefaultParams()
	require.Equal(t, 1.0, p.weight(0))
	require.Equal(t, 1.0, p.weight(-time.Hour), "future observations are not inflated")
	require.InDelta(t, 0.5, p.weight(p.HalfLife), 1e-12)
	require.InDelta(t, 0.125, p.weight(3*p.HalfLife), 1e-12)
	require.InDelta(t, math.Pow(2, -1.0/90), p.weight(24*time.Hour), 1e-12)
}
