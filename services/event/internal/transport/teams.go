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

func (h *Handlers) listTeams(asManager bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		actor, err := actorOf(r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		id, err := pathID(r, "event_id")
		if err != nil {
			h.fail(w, r, err)
			return
		}
		limit, cursor, err := httpx.Page(r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		page, err := h.app.ListTeams(r.Context(), actor, id, asManager, limit, cursor)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, toList(page, toTeamJSON))
	}
}

func (h *Handlers) createTeam(w http.ResponseWriter, r *http.Request) {
	actor, err := actorOf(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	eventID, err := pathID(r, "event_id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var body teamBody
	if err := httpx.Decode(w, r, &body); err != nil {
		h.fail(w, r, err)
		return
	}
	var fe fieldErrs
	fe.notAllowed("version", body.Version != nil)
	fe.notAllowed("approval", body.Approval != nil)
	p := body.patch(&fe)
	if err := fe.err(); err != nil {
		h.fail(w, r, err)
		return
	}
	t, err := h.app.CreateTeam(r.Context(), actor, eventID, p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	setETag(w, t.Version)
	httpx.JSON(w, http.StatusCreated, toTeamJSON(t))
}

func (h *Handlers) updateTeamAsOrganizer(w http.ResponseWriter, r *http.Request) {
	actor, err := actorOf(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	eventID, err := pathID(r, "event_id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	teamID, err := pathID(r, "team_id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var body teamBody
	if err := httpx.Decode(w, r, &body); err != nil {
		h.fail(w, r, err)
		return
	}
	var fe fieldErrs
	fe.notAllowed("approval", body.Approval != nil) // approval is the manager's decision
	v := version(r, body.Version, &fe)
	p := body.patch(&fe)
	if err := fe.err(); err != nil {
		h.fail(w, r, err)
		return
	}
	t, err := h.app.UpdateTeamAsOrganizer(r.Context(), actor, eventID, teamID, v, p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	setETag(w, t.Version)
	httpx.JSON(w, http.StatusOK, toTeamJSON(t))
}

func (h *Handlers) deleteTeam(w http.ResponseWriter, r *http.Request) {
	actor, err := actorOf(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	eventID, err := pathID(r, "event_id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	teamID, err := pathID(r, "team_id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v, err := ifMatch(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.app.DeleteTeam(r.Context(), actor, eventID, teamID, v); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handlers) updateTeamAsManager(w http.ResponseWriter, r *http.Request) {
	actor, err := actorOf(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	teamID, err := pathID(r, "team_id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var body teamBody
	if err := httpx.Decode(w, r, &body); err != nil {
		h.fail(w, r, err)
		return
	}
	var fe fieldErrs
	v := version(r, body.Version, &fe)
	p := body.patch(&fe)
	p.Approval = body.Approval
	if err := fe.err(); err != nil {
		h.fail(w, r, err)
		return
	}
	t, err := h.app.UpdateTeamAsManager(r.Context(), actor, teamID, v, p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	setETag(w, t.Version)
	httpx.JSON(w, http.StatusOK, toTeamJSON(t))
}
