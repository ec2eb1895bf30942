package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Team approval states and sources.
const (
	ApprovalProposed = "proposed"
	ApprovalApproved = "approved"
	ApprovalRejected = "rejected"
	SourceAI         = "ai"
	SourceManual     = "manual"
)

// Team is a group of people working one area of an event, proposed by the AI or made by hand.
type Team struct {
	ID           uuid.UUID
	EventID      uuid.UUID
	Name         string
	Area         string
	LeadID       *uuid.UUID
	MemberIDs    []uuid.UUID
	Approval     string
	Source       string
	SuggestionID *uuid.UUID
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Version      int64
}

// TeamPatch carries the settable fields of a team; nil means "not given". LeadSet with a nil
// Lead clears the lead. Approval is only honoured for managers (the use case decides).
type TeamPatch struct {
	Name      *string
	Area      *string
	LeadSet   bool
	Lead      *uuid.UUID
	MemberIDs *[]uuid.UUID
	Approval  *string
}

// Apply copies the given fields onto t.
func (p TeamPatch) Apply(t *Team) {
	if p.Name != nil {
		t.Name = strings.TrimSpace(*p.Name)
	}
	if p.Area != nil {
		t.Area = strings.TrimSpace(*p.Area)
	}
	if p.LeadSet {
		t.LeadID = p.Lead
	}
	if p.MemberIDs != nil {
		t.MemberIDs = dedupe(*p.MemberIDs)
	}
	if p.Approval != nil {
		t.Approval = *p.Approval
	}
}

// People lists every user a team names (lead first), without repeats.
func (t Team) People() []uuid.UUID {
	ids := make([]uuid.UUID, 0, len(t.MemberIDs)+1)
	if t.LeadID != nil {
		ids = append(ids, *t.LeadID)
	}
	return dedupe(append(ids, t.MemberIDs...))
}

// Validate checks a team's own fields.
func (t Team) Validate() error {
	var es errs
	checkText(&es, "name", t.Name, true, MaxTitleLen)
	checkText(&es, "area", t.Area, false, MaxTitleLen)
	if len(t.MemberIDs) > MaxTeamMembers {
		es.add("member_ids", "must list at most %d members", MaxTeamMembers)
	}
	switch t.Approval {
	case ApprovalProposed, ApprovalApproved, ApprovalRejected:
	default:
		es.add("approval", "must be one of proposed, approved, rejected")
	}
	if t.LeadID != nil && *t.LeadID == uuid.Nil {
		es.add("lead_id", "must be a user id")
	} else if t.LeadID != nil && !slices.Contains(t.MemberIDs, *t.LeadID) {
		// A lead leads their own team: the AI always picks one of the members.
		es.add("lead_id", "must be one of member_ids")
	}
	for i, id := range t.MemberIDs {
		if id == uuid.Nil {
			es.add(fmt.Sprintf("member_ids[%d]", i), "must be a user id")
		}
	}
	return es.err()
}

// CheckPeople reports team people who are unknown, inactive, or not members of the event's
// company. known holds the read model's users; members the ids that belong to the company.
func CheckPeople(t Team, known map[uuid.UUID]UserInfo, members map[uuid.UUID]bool) error {
	var es errs
	check := func(field string, id uuid.UUID) {
		u, ok := known[id]
		switch {
		case !ok:
			es.add(field, "no user with id %s", id)
		case !u.IsActive:
			es.add(field, "user %s is not active", id)
		case !members[id]:
			es.add(field, "user %s is not a member of the event's company", id)
		}
	}
	if t.LeadID != nil {
		check("lead_id", *t.LeadID)
	}
	for i, id := range t.MemberIDs {
		check(fmt.Sprintf("member_ids[%d]", i), id)
	}
	return es.err()
}
