package app

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/eventai/eventai/services/event/internal/domain"
	"github.com/eventai/eventai/services/event/internal/schedule"
	"github.com/eventai/eventai/services/event/internal/store"
)

// ImportResult is the answer of a schedule import.
type ImportResult struct {
	Sessions  int `json:"sessions"`
	Rooms     int `json:"rooms"`
	Days      int `json:"days"`
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Deleted   int `json:"deleted"`
	Unchanged int `json:"unchanged"`
}

// ImportSchedule parses a schedule document (format chosen by its content type; times without a
// zone read in the event's zone) and replaces the event's sessions with it in one transaction.
// Parse errors come back as the schedule package's error types.
func (a *App) ImportSchedule(ctx context.Context, actor domain.Actor, eventID uuid.UUID, contentType string, body []byte) (ImportResult, error) {
	e, err := a.eventForOrganizer(ctx, actor, eventID)
	if err != nil {
		return ImportResult{}, err
	}
	sched, err := schedule.ParseWith(contentType, body, schedule.Options{DefaultTimezone: e.Timezone})
	if err != nil {
		return ImportResult{}, err
	}
	plan, err := a.repo.ImportSessions(ctx, eventID, sessionsOf(sched))
	if err != nil {
		return ImportResult{}, err
	}
	a.flush(ctx)
	return ImportResult{
		Sessions: len(plan.Result), Rooms: len(sched.Rooms), Days: len(sched.Days),
		Created: len(plan.Create), Updated: len(plan.Update), Deleted: len(plan.Delete), Unchanged: plan.Unchanged,
	}, nil
}

// sessionsOf converts a parsed schedule into domain sessions, naming each one's day by the
// local date its schedule day starts on.
func sessionsOf(s *schedule.Schedule) []domain.Session {
	dates := make(map[int]string, len(s.Days))
	for _, d := range s.Days {
		dates[d.Index] = d.Date
	}
	out := make([]domain.Session, 0, len(s.Sessions))
	for _, ss := range s.Sessions {
		speakers := ss.Speakers
		if speakers == nil {
			speakers = []string{}
		}
		day := dates[ss.Day]
		if _, err := time.Parse(time.DateOnly, day); err != nil {
			day = "" // a day without a usable date still imports; it just cannot be filtered on
		}
		out = append(out, domain.Session{
			ExternalID: ss.ExternalID, Room: ss.Room, Track: ss.Track, Title: ss.Title, Speakers: speakers,
			StartsAt: ss.Start.UTC().Truncate(time.Microsecond), EndsAt: ss.End.UTC().Truncate(time.Microsecond),
			Day: day, DayIndex: ss.Day,
		})
	}
	return out
}

// SessionQuery filters an event's session list.
type SessionQuery struct {
	Room   string
	Day    *time.Time
	Limit  int
	Cursor string
}

// ListSessions lists an event's sessions for its organizers and managers.
func (a *App) ListSessions(ctx context.Context, actor domain.Actor, eventID uuid.UUID, q SessionQuery) (Page[domain.Session], error) {
	if _, err := a.eventForReader(ctx, actor, eventID); err != nil {
		return Page[domain.Session]{}, err
	}
	items, next, err := a.repo.ListSessions(ctx, eventID, store.SessionFilter{Room: q.Room, Day: q.Day, Limit: q.Limit, Cursor: q.Cursor})
	return Page[domain.Session]{Items: items, NextCursor: next}, err
}
