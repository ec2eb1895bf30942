package transport

import (
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/eventai/eventai/libs/httpx"
	"github.com/eventai/eventai/services/event/internal/domain"
)

type teamJSON struct {
	ID           uuid.UUID   `json:"id"`
	EventID      uuid.UUID   `json:"event_id"`
	Name         string      `json:"name"`
	Area         string      `json:"area"`
	LeadID       *uuid.UUID  `json:"lead_id"`
	MemberIDs    []uuid.UUID `json:"member_ids"`
	Approval     string      `json:"approval"`
	Source       string      `json:"source"`
	SuggestionID *uuid.UUID  `json:"suggestion_id"`
	CreatedAt    time.Time   `json:"created_at"`
	UpdatedAt    time.Time   `json:"updated_at"`
	Version      int64       `json:"version"`
}

func toTeamJSON(t domain.Team) teamJSON {
	ids := t.MemberIDs
	if ids == nil {
		ids = []uuid.UUID{}
	}
	return teamJSON{ID: t.ID, EventID: t.EventID, Name: t.Name, Area: t.Area, LeadID: t.LeadID, MemberIDs: ids,
		Approval: t.Approval, Source: t.Source, SuggestionID: t.SuggestionID, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, Version: t.Version}
}

// teamBody is what a client may send for a team: version on updates, approval for managers
// only; source and ids are not fields at all (no mass assignment).
type teamBody struct {
	Version   *int64         `json:"version"`
	Approval  *string        `json:"approval"`
	Name      *string        `json:"name"`
	Area      *string        `json:"area"`
	LeadID    nullableString `json:"lead_id"`
	MemberIDs *[]string      `json:"member_ids"`
}

func (b teamBody) patch(fe *fieldErrs) domain.TeamPatch {
	p := domain.TeamPatch{Name: b.Name, Area: b.Area, MemberIDs: fe.uuids("member_ids", b.MemberIDs)}
	if b.LeadID.Set {
		p.LeadSet = true
		p.Lead = fe.uuid("lead_id", b.LeadID.Value)
	}
	return p
}

// teamPath parses {event_id} then {team_id}, in that order so the first bad one is the one named.
func teamPath(r *http.Request) (eventID, teamID uuid.UUID, err error) {
	if eventID, err = pathID(r, "event_id"); err != nil {
		return uuid.Nil, uuid.Nil, err
	}
	if teamID, err = pathID(r, "team_id"); err != nil {
		return uuid.Nil, uuid.Nil, err
	}
	return eventID, teamID, nil
}

// team answers with t and its version as the ETag, so a client can send it back in If-Match.
func team(w http.ResponseWriter, status int, t domain.Team) (int, any, error) {
	setETag(w, t.Version)
	return status, toTeamJSON(t), nil
}

func (h *Handlers) listTeams(asManager bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
		id, err := pathID(r, "event_id")
		if err != nil {
			return 0, nil, err
		}
		limit, cursor, err := httpx.Page(r)
		if err != nil {
			return 0, nil, err
		}
		page, err := h.app.ListTeams(r.Context(), actor, id, asManager, limit, cursor)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, toList(page, toTeamJSON), nil
	}
}

func (h *Handlers) createTeam(w http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
	eventID, err := pathID(r, "event_id")
	if err != nil {
		return 0, nil, err
	}
	var body teamBody
	if err := httpx.Decode(w, r, &body); err != nil {
		return 0, nil, err
	}
	var fe fieldErrs
	fe.notAllowed("version", body.Version != nil)
	fe.notAllowed("approval", body.Approval != nil)
	p := body.patch(&fe)
	if err := fe.err(); err != nil {
		return 0, nil, err
	}
	t, err := h.app.CreateTeam(r.Context(), actor, eventID, p)
	if err != nil {
		return 0, nil, err
	}
	return team(w, http.StatusCreated, t)
}

func (h *Handlers) updateTeamAsOrganizer(w http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
	eventID, teamID, err := teamPath(r)
	if err != nil {
		return 0, nil, err
	}
	var body teamBody
	if err := httpx.Decode(w, r, &body); err != nil {
		return 0, nil, err
	}
	var fe fieldErrs
	fe.notAllowed("approval", body.Approval != nil) // approval is the manager's decision
	v := version(r, body.Version, &fe)
	p := body.patch(&fe)
	if err := fe.err(); err != nil {
		return 0, nil, err
	}
	t, err := h.app.UpdateTeamAsOrganizer(r.Context(), actor, eventID, teamID, v, p)
	if err != nil {
		return 0, nil, err
	}
	return team(w, http.StatusOK, t)
}

func (h *Handlers) deleteTeam(w http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
	eventID, teamID, err := teamPath(r)
	if err != nil {
		return 0, nil, err
	}
	v, err := ifMatch(r)
	if err != nil {
		return 0, nil, err
	}
	if err := h.app.DeleteTeam(r.Context(), actor, eventID, teamID, v); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

func (h *Handlers) updateTeamAsManager(w http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
	teamID, err := pathID(r, "team_id")
	if err != nil {
		return 0, nil, err
	}
	var body teamBody
	if err := httpx.Decode(w, r, &body); err != nil {
		return 0, nil, err
	}
	var fe fieldErrs
	v := version(r, body.Version, &fe)
	p := body.patch(&fe)
	p.Approval = body.Approval
	if err := fe.err(); err != nil {
		return 0, nil, err
	}
	t, err := h.app.UpdateTeamAsManager(r.Context(), actor, teamID, v, p)
	if err != nil {
		return 0, nil, err
	}
	return team(w, http.StatusOK, t)
}
