package planner

import (
	"fmt"
	"strings"
	"time"
)

// Expand turns each draft of headcount N into N one-person drafts sharing
// its SlotGroup, numbered by Seat (one task is one person's piece of work).
func Expand(drafts []TaskDraft) []TaskDraft {
	n := 0
	for _, d := range drafts {
		n += max(1, d.Headcount)
	}
	out := make([]TaskDraft, 0, n)
	for _, d := range drafts {
		k := max(1, d.Headcount)
		for seat := 1; seat <= k; seat++ {
			t := d
			t.RequiredSkills = append([]Skill(nil), d.RequiredSkills...)
			t.Headcount, t.Seat = 1, seat
			if k > 1 {
				t.Title = fmt.Sprintf("%s #%d/%d", d.Title, seat, k)
			}
			out = append(out, t)
		}
	}
	return out
}

// Validation bounds for drafts that come from outside (an LLM).
const (
	// DraftMargin is how far before the start and after the end of the event
	// a draft may lie (set-up the day before, teardown the day after).
	DraftMargin = 48 * time.Hour
	// MaxDraftLength is the longest single draft; longer work must be split.
	MaxDraftLength = 16 * time.Hour
	// MaxDrafts bounds a plan's size before expansion.
	MaxDrafts = 20000
)

// ValidateDrafts checks drafts from an untrusted planner: non-empty titles and
// areas, windows with end after start inside DraftMargin of the event, at
// most MaxDraftLength long, priorities and skill levels 1-5, headcount
// 1-MaxHeadcount and unique slot groups.
func ValidateDrafts(ev Event, drafts []TaskDraft) error {
	var probs []Problem
	addf := func(i int, field, format string, args ...any) {
		probs = append(probs, Problem{Path: fmt.Sprintf("drafts[%d].%s", i, field), Message: fmt.Sprintf(format, args...)})
	}
	switch {
	case len(drafts) == 0:
		probs = append(probs, Problem{"drafts", "no drafts"})
	case len(drafts) > MaxDrafts:
		return &ValidationError{Problems: []Problem{{"drafts", fmt.Sprintf("more than %d drafts", MaxDrafts)}}}
	}
	lo, hi := ev.StartsAt.Add(-DraftMargin), ev.EndsAt.Add(DraftMargin)
	groups := map[string]int{}
	for i, d := range drafts {
		if len(probs) >= 100 {
			break
		}
		if t := strings.TrimSpace(d.Title); t == "" || len(t) > 300 {
			addf(i, "title", "must be 1-300 characters")
		}
		if len(d.Description) > 4000 {
			addf(i, "description", "longer than 4000 characters")
		}
		if a := strings.TrimSpace(d.Area); a == "" || len(a) > 40 {
			addf(i, "area", "must be 1-40 characters")
		}
		switch {
		case d.Start.IsZero() || d.End.IsZero():
			addf(i, "starts_at", "start and end are required")
		case !d.End.After(d.Start):
			addf(i, "ends_at", "must be after starts_at")
		case d.End.Sub(d.Start) > MaxDraftLength:
			addf(i, "ends_at", "longer than %v; split it into shifts", MaxDraftLength)
		case d.Start.Before(lo) || d.End.After(hi):
			addf(i, "starts_at", "outside the event (allowed %s to %s)", lo.UTC().Format(time.RFC3339), hi.UTC().Format(time.RFC3339))
		}
		if d.Priority < 1 || d.Priority > 5 {
			addf(i, "priority", "must be 1-5")
		}
		if d.Headcount < 1 || d.Headcount > MaxHeadcount {
			addf(i, "headcount", "must be 1-%d", MaxHeadcount)
		}
		for j, s := range d.RequiredSkills {
			if n := strings.TrimSpace(s.Name); n == "" || len(n) > 60 {
				addf(i, fmt.Sprintf("required_skills[%d].name", j), "must be 1-60 characters")
			}
			if s.MinLevel < 1 || s.MinLevel > 5 {
				addf(i, fmt.Sprintf("required_skills[%d].min_level", j), "must be 1-5")
			}
		}
		if g := strings.TrimSpace(d.SlotGroup); g == "" || len(g) > 200 {
			addf(i, "slot_group", "must be 1-200 characters")
		} else if first, dup := groups[g]; dup {
			addf(i, "slot_group", "duplicate of drafts[%d]", first)
		} else {
			groups[g] = i
		}
	}
	if len(probs) > 0 {
		return &ValidationError{Problems: probs}
	}
	return nil
}
