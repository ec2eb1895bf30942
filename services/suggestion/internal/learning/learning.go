// Package learning estimates how well each person does work of each skill from their task
// history: on-time completion, approval without manager edits, and not getting blocked. Each
// rate is a Beta-prior estimate whose observations fade with age, so a newcomer starts at the
// prior (neither punished nor favoured) and old history counts less than recent history.
// It does no I/O.
package learning

import (
	"math"
	"sort"
	"strings"
	"time"
)

// Params tune the estimates.
type Params struct {
	// Alpha and Beta are the prior's pseudo-counts of successes and failures; α=β=2 puts a
	// newcomer at 0.5 and lets a handful of tasks move the estimate without one task deciding it.
	Alpha, Beta float64
	// HalfLife is the age at which an observation weighs half as much as a fresh one.
	HalfLife time.Duration
}

// DefaultParams are α=β=2 and a half-life of 90 days.
func DefaultParams() Params {
	return Params{Alpha: 2, Beta: 2, HalfLife: 90 * 24 * time.Hour}
}

// Record is one task of a person's history, as the task topic reports it.
type Record struct {
	StaffID string
	// Skills are the task's required skill names (any case); a task without skills counts
	// toward its Area instead.
	Skills []string
	Area   string
	// EndsAt is the end of the task's window: finishing by then is on time.
	EndsAt time.Time
	// Approved reports approval = approved; ApprovedAt is when (nil when unknown).
	Approved   bool
	ApprovedAt *time.Time
	// EditedByManager reports that a manager changed the task before or after approving it.
	EditedByManager bool
	// Done reports status = done; CompletedAt is when it was finished.
	Done        bool
	CompletedAt *time.Time
	// WasBlocked reports that the task was blocked at some point.
	WasBlocked bool
	// UpdatedAt dates observations whose own time is unknown.
	UpdatedAt time.Time
}

// Rate is one Beta estimate: (α + Σw·success) / (α + β + Σw).
type Rate struct {
	Value float64 `json:"value"`
	// Evidence is Σw, the decayed number of observations behind Value.
	Evidence float64 `json:"evidence"`
}

// Score is a person's estimate for one skill.
type Score struct {
	OnTime     Rate `json:"on_time"`
	Unedited   Rate `json:"approved_without_edits"`
	NotBlocked Rate `json:"not_blocked"`
	// Overall is the mean of the three values: the performance the optimiser uses.
	Overall float64 `json:"overall"`
}

// Evidence is the largest evidence among the three rates.
func (s Score) Evidence() float64 {
	return math.Max(s.OnTime.Evidence, math.Max(s.Unedited.Evidence, s.NotBlocked.Evidence))
}

// Model holds the estimates of every person and skill seen in the history.
type Model struct {
	params Params
	scores map[string]map[string]Score
}

type counts struct{ onTime, onTimeN, unedited, uneditedN, notBlocked, notBlockedN float64 }

// Estimate builds the model from the history as of now. Observations dated in the future
// weigh 1 (clock skew between services must not inflate them).
func Estimate(history []Record, now time.Time, p Params) *Model {
	acc := map[string]map[string]*counts{}
	add := func(staff string, keys []string, f func(*counts)) {
		per := acc[staff]
		if per == nil {
			per = map[string]*counts{}
			acc[staff] = per
		}
		for _, k := range keys {
			c := per[k]
			if c == nil {
				c = &counts{}
				per[k] = c
			}
			f(c)
		}
	}
	for _, r := range history {
		if r.StaffID == "" {
			continue
		}
		keys := Keys(r.Skills, r.Area)
		if len(keys) == 0 {
			continue
		}
		if r.Done && r.CompletedAt != nil {
			w := p.weight(now.Sub(*r.CompletedAt))
			ok := b2f(!r.CompletedAt.After(r.EndsAt))
			add(r.StaffID, keys, func(c *counts) { c.onTime += w * ok; c.onTimeN += w })
		}
		if r.Approved {
			at := r.UpdatedAt
			if r.ApprovedAt != nil {
				at = *r.ApprovedAt
			}
			w := p.weight(now.Sub(at))
			ok := b2f(!r.EditedByManager)
			add(r.StaffID, keys, func(c *counts) { c.unedited += w * ok; c.uneditedN += w })
		}
		// Blocking is known once the task is finished, or as soon as it happened.
		if r.Done || r.WasBlocked {
			at := r.UpdatedAt
			if r.CompletedAt != nil {
				at = *r.CompletedAt
			}
			w := p.weight(now.Sub(at))
			ok := b2f(!r.WasBlocked)
			add(r.StaffID, keys, func(c *counts) { c.notBlocked += w * ok; c.notBlockedN += w })
		}
	}
	m := &Model{params: p, scores: make(map[string]map[string]Score, len(acc))}
	for staff, per := range acc {
		out := make(map[string]Score, len(per))
		for k, c := range per {
			s := Score{
				OnTime:     p.rate(c.onTime, c.onTimeN),
				Unedited:   p.rate(c.unedited, c.uneditedN),
				NotBlocked: p.rate(c.notBlocked, c.notBlockedN),
			}
			s.Overall = (s.OnTime.Value + s.Unedited.Value + s.NotBlocked.Value) / 3
			out[k] = s
		}
		m.scores[staff] = out
	}
	return m
}

// Score answers a person's estimate for a skill (or area); without history it is the prior.
func (m *Model) Score(staffID, skill string) Score {
	if s, ok := m.scores[staffID][strings.ToLower(strings.TrimSpace(skill))]; ok {
		return s
	}
	prior := m.params.rate(0, 0)
	return Score{OnTime: prior, Unedited: prior, NotBlocked: prior, Overall: prior.Value}
}

// Performance is the Overall score of every skill the person has history in, keyed by the
// lower-case skill name, as the optimiser takes it.
func (m *Model) Performance(staffID string) map[string]float64 {
	per := m.scores[staffID]
	if len(per) == 0 {
		return nil
	}
	out := make(map[string]float64, len(per))
	for k, s := range per {
		out[k] = s.Overall
	}
	return out
}

// Prior is the estimate without history.
func (m *Model) Prior() float64 { return m.params.rate(0, 0).Value }

// Skills lists the skills with history of a person, sorted.
func (m *Model) Skills(staffID string) []string {
	out := make([]string, 0, len(m.scores[staffID]))
	for k := range m.scores[staffID] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Keys are the lower-case, de-duplicated skill names of a task, or its area when it has no
// skills.
func Keys(skills []string, area string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range skills {
		k := strings.ToLower(strings.TrimSpace(s))
		if k != "" && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		if a := strings.ToLower(strings.TrimSpace(area)); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// weight is 2^(-age/half-life); fresh and future observations weigh 1.
func (p Params) weight(age time.Duration) float64 {
	if age <= 0 || p.HalfLife <= 0 {
		return 1
	}
	return math.Exp2(-float64(age) / float64(p.HalfLife))
}

func (p Params) rate(successes, n float64) Rate {
	return Rate{Value: (p.Alpha + successes) / (p.Alpha + p.Beta + n), Evidence: n}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
