package domain

import (
	"slices"
	"time"

	"github.com/google/uuid"
)

// Session is one imported schedule item of an event, keyed within the event by the schedule's
// own id (ExternalID) so that re-imports update in place.
type Session struct {
	ID         uuid.UUID
	EventID    uuid.UUID
	ExternalID string
	Room       string
	Track      string
	Title      string
	Speakers   []string
	StartsAt   time.Time
	EndsAt     time.Time
	// Day is the local date the schedule's day starts on (YYYY-MM-DD); a session after midnight
	// at a congress still belongs to the day before.
	Day      string
	DayIndex int
}

// sameContent reports whether two sessions carry the same data (ids aside).
func sameContent(a, b Session) bool {
	return a.Room == b.Room && a.Track == b.Track && a.Title == b.Title &&
		slices.Equal(a.Speakers, b.Speakers) && a.StartsAt.Equal(b.StartsAt) && a.EndsAt.Equal(b.EndsAt) &&
		a.Day == b.Day && a.DayIndex == b.DayIndex
}

// ImportPlan is what a schedule import changes: sessions to insert, to update (keeping their
// stored id), ids to delete, and how many stay as they are.
type ImportPlan struct {
	Create    []Session
	Update    []Session
	Delete    []uuid.UUID
	Unchanged int
	// Result is the event's full session list after the import, in document order.
	Result []Session
}

// PlanImport compares an event's stored sessions with a freshly parsed document (whose external
// ids are unique) and decides, per external id, what to write. newID mints ids of new sessions.
func PlanImport(stored, incoming []Session, newID func() uuid.UUID) ImportPlan {
	byExt := make(map[string]Session, len(stored))
	for _, s := range stored {
		byExt[s.ExternalID] = s
	}
	var p ImportPlan
	seen := make(map[string]bool, len(incoming))
	for _, in := range incoming {
		seen[in.ExternalID] = true
		old, ok := byExt[in.ExternalID]
		switch {
		case !ok:
			in.ID = newID()
			p.Create = append(p.Create, in)
		case sameContent(old, in):
			in.ID = old.ID
			p.Unchanged++
		default:
			in.ID = old.ID
			p.Update = append(p.Update, in)
		}
		p.Result = append(p.Result, in)
	}
	for _, s := range stored {
		if !seen[s.ExternalID] {
			p.Delete = append(p.Delete, s.ID)
		}
	}
	return p
}
