package transport

import (
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/eventai/eventai/libs/httpx"
	"github.com/eventai/eventai/libs/problem"
	"github.com/eventai/eventai/services/event/internal/app"
	"github.com/eventai/eventai/services/event/internal/domain"
)

type eventJSON struct {
	ID                uuid.UUID   `json:"id"`
	CompanyID         uuid.UUID   `json:"company_id"`
	Title             string      `json:"title"`
	Description       string      `json:"description"`
	Location          string      `json:"location"`
	Timezone          string      `json:"timezone"`
	StartsAt          time.Time   `json:"starts_at"`
	EndsAt            time.Time   `json:"ends_at"`
	EventType         string      `json:"event_type"`
	ExpectedAttendees int         `json:"expected_attendees"`
	ManagerIDs        []uuid.UUID `json:"manager_ids"`
	CreatedBy         uuid.UUID   `json:"created_by"`
	CreatedAt         time.Time   `json:"created_at"`
	UpdatedAt         time.Time   `json:"updated_at"`
	Version           int64       `json:"version"`
}

func toEventJSON(e domain.Event) eventJSON {
	ids := e.ManagerIDs
	if ids == nil {
		ids = []uuid.UUID{}
	}
	return eventJSON{ID: e.ID, CompanyID: e.CompanyID, Title: e.Title, Description: e.Description, Location: e.Location,
		Timezone: e.Timezone, StartsAt: e.StartsAt, EndsAt: e.EndsAt, EventType: e.EventType, ExpectedAttendees: e.ExpectedAttendees,
		ManagerIDs: ids, CreatedBy: e.CreatedBy, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt, Version: e.Version}
}

type managedEventJSON struct {
	eventJSON
	TasksProposed      int    `json:"tasks_proposed"`
	TasksApproved      int    `json:"tasks_approved"`
	TasksDone          int    `json:"tasks_done"`
	DistributionStatus string `json:"distribution_status"`
}

func toManagedJSON(m app.ManagedEvent) managedEventJSON {
	return managedEventJSON{eventJSON: toEventJSON(m.Event), TasksProposed: m.Counts.Proposed, TasksApproved: m.Counts.Approved,
		TasksDone: m.Counts.Done, DistributionStatus: m.Counts.DistributionStatus()}
}

// eventBody is what a client may send for an event: the writable fields, plus company_id (on
// create only) and version (on update only). id and created_by are not fields of it, so strict
// decoding refuses them (no mass assignment). One flat struct keeps decode errors naming the
// JSON field alone.
type eventBody struct {
	CompanyID         *string   `json:"company_id"`
	Version           *int64    `json:"version"`
	Title             *string   `json:"title"`
	Description       *string   `json:"description"`
	Location          *string   `json:"location"`
	Timezone          *string   `json:"timezone"`
	StartsAt          *string   `json:"starts_at"`
	EndsAt            *string   `json:"ends_at"`
	EventType         *string   `json:"event_type"`
	ExpectedAttendees *int      `json:"expected_attendees"`
	ManagerIDs        *[]string `json:"manager_ids"`
}

func (b eventBody) patch(fe *fieldErrs) domain.EventPatch {
	return domain.EventPatch{Title: b.Title, Description: b.Description, Location: b.Location, Timezone: b.Timezone,
		StartsAt: fe.time("starts_at", b.StartsAt), EndsAt: fe.time("ends_at", b.EndsAt), EventType: b.EventType,
		ExpectedAttendees: b.ExpectedAttendees, ManagerIDs: fe.uuids("manager_ids", b.ManagerIDs)}
}

// notAllowed reports a field the route does not take, as strict decoding would.
func (f *fieldErrs) notAllowed(field string, present bool) {
	if present {
		f.add(field, "unknown field")
	}
}

// event answers with e and its version as the ETag, so a client can send it back in If-Match.
func event(w http.ResponseWriter, status int, e domain.Event) (int, any, error) {
	setETag(w, e.Version)
	return status, toEventJSON(e), nil
}

func (h *Handlers) createEvent(w http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
	var body eventBody
	if err := httpx.Decode(w, r, &body); err != nil {
		return 0, nil, err
	}
	var fe fieldErrs
	fe.notAllowed("version", body.Version != nil)
	companyID := fe.uuid("company_id", body.CompanyID)
	p := body.patch(&fe)
	if err := fe.err(); err != nil {
		return 0, nil, err
	}
	e, err := h.app.CreateEvent(r.Context(), actor, companyID, p)
	if err != nil {
		return 0, nil, err
	}
	w.Header().Set("Location", "/organizer/events/"+e.ID.String())
	return event(w, http.StatusCreated, e)
}

func (h *Handlers) listEvents(w http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
	limit, cursor, err := httpx.Page(r)
	if err != nil {
		return 0, nil, err
	}
	q := r.URL.Query()
	var fe fieldErrs
	query := app.EventQuery{Query: strings.TrimSpace(q.Get("q")), Limit: limit, Cursor: cursor}
	if s := q.Get("company_id"); s != "" {
		query.CompanyID = fe.uuid("company_id", &s)
	}
	if s := q.Get("from"); s != "" {
		query.From = fe.time("from", &s)
	}
	if s := q.Get("to"); s != "" {
		query.To = fe.time("to", &s)
	}
	if len(fe) > 0 {
		p := problem.BadRequest("invalid query parameters")
		p.Errors = fe
		return 0, nil, p
	}
	page, err := h.app.ListEvents(r.Context(), actor, query)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toList(page, toEventJSON), nil
}

func (h *Handlers) getEvent(w http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
	id, err := pathID(r, "event_id")
	if err != nil {
		return 0, nil, err
	}
	e, err := h.app.GetEvent(r.Context(), actor, id)
	if err != nil {
		return 0, nil, err
	}
	return event(w, http.StatusOK, e)
}

func (h *Handlers) updateEvent(w http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
	id, err := pathID(r, "event_id")
	if err != nil {
		return 0, nil, err
	}
	var body eventBody
	if err := httpx.Decode(w, r, &body); err != nil {
		return 0, nil, err
	}
	var fe fieldErrs
	fe.notAllowed("company_id", body.CompanyID != nil) // an event does not move between companies
	v := version(r, body.Version, &fe)
	p := body.patch(&fe)
	if err := fe.err(); err != nil {
		return 0, nil, err
	}
	e, err := h.app.UpdateEvent(r.Context(), actor, id, v, p)
	if err != nil {
		return 0, nil, err
	}
	return event(w, http.StatusOK, e)
}

func (h *Handlers) deleteEvent(w http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
	id, err := pathID(r, "event_id")
	if err != nil {
		return 0, nil, err
	}
	v, err := ifMatch(r)
	if err != nil {
		return 0, nil, err
	}
	if err := h.app.DeleteEvent(r.Context(), actor, id, v); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

func (h *Handlers) managerEvents(w http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
	limit, cursor, err := httpx.Page(r)
	if err != nil {
		return 0, nil, err
	}
	page, err := h.app.ManagerEvents(r.Context(), actor, limit, cursor)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toList(page, toManagedJSON), nil
}

func (h *Handlers) managerEvent(w http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
	id, err := pathID(r, "event_id")
	if err != nil {
		return 0, nil, err
	}
	m, err := h.app.ManagerEvent(r.Context(), actor, id)
	if err != nil {
		return 0, nil, err
	}
	setETag(w, m.Version)
	return http.StatusOK, toManagedJSON(m), nil
}
