package transport

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/eventai/eventai/libs/httpx"
	"github.com/eventai/eventai/libs/problem"
	"github.com/eventai/eventai/services/event/internal/app"
	"github.com/eventai/eventai/services/event/internal/domain"
	"github.com/eventai/eventai/services/event/internal/schedule"
)

type sessionJSON struct {
	ID         uuid.UUID `json:"id"`
	EventID    uuid.UUID `json:"event_id"`
	ExternalID string    `json:"external_id"`
	Room       string    `json:"room"`
	Track      string    `json:"track"`
	Title      string    `json:"title"`
	Speakers   []string  `json:"speakers"`
	StartsAt   time.Time `json:"starts_at"`
	EndsAt     time.Time `json:"ends_at"`
	Day        *string   `json:"day"`
	DayIndex   int       `json:"day_index"`
}

func toSessionJSON(s domain.Session) sessionJSON {
	out := sessionJSON{ID: s.ID, EventID: s.EventID, ExternalID: s.ExternalID, Room: s.Room, Track: s.Track, Title: s.Title,
		Speakers: s.Speakers, StartsAt: s.StartsAt, EndsAt: s.EndsAt, DayIndex: s.DayIndex}
	if s.Day != "" {
		out.Day = &s.Day
	}
	return out
}

func (h *Handlers) importSchedule(w http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
	id, err := pathID(r, "event_id")
	if err != nil {
		return 0, nil, err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxScheduleBytes))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return 0, nil, schedule.ErrTooLarge
	case err != nil:
		return 0, nil, problem.BadRequest("cannot read the request body: " + err.Error())
	case len(body) == 0:
		return 0, nil, problem.BadRequest("the body is empty; send the schedule document (application/xml, application/json or text/calendar)")
	}
	res, err := h.app.ImportSchedule(r.Context(), actor, id, r.Header.Get("Content-Type"), body)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, res, nil
}

func (h *Handlers) listSessions(w http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
	id, err := pathID(r, "event_id")
	if err != nil {
		return 0, nil, err
	}
	limit, cursor, err := httpx.Page(r)
	if err != nil {
		return 0, nil, err
	}
	q := app.SessionQuery{Room: r.URL.Query().Get("room"), Limit: limit, Cursor: cursor}
	if s := r.URL.Query().Get("day"); s != "" {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			p := problem.BadRequest("invalid query parameters")
			p.Errors = []problem.FieldError{{Field: "day", Message: "must be a date such as 2024-12-27"}}
			return 0, nil, p
		}
		q.Day = &d
	}
	page, err := h.app.ListSessions(r.Context(), actor, id, q)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toList(page, toSessionJSON), nil
}
