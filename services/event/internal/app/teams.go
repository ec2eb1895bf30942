package app

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/eventai/eventai/services/event/internal/domain"
)

// checkPeople verifies a team's lead and members: known, active, members of the event's
// company; it catches up once when the read model disagrees (someone added a moment ago).
func (a *App) checkPeople(ctx context.Context, e domain.Event, t domain.Team) error {
	people := t.People()
	if len(people) == 0 {
		return nil
	}
	var verr error
	_, err := a.retryOnMiss(ctx, func() (bool, error) {
		known, err := a.repo.Users(ctx, people)
		if err != nil {
			return false, err
		}
		members, err := a.repo.MembersAmong(ctx, e.CompanyID, people)
		if err != nil {
			return false, err
		}
		verr = domain.CheckPeople(t, known, members)
		return verr == nil, nil
	})
	if err != nil {
		return err
	}
	return verr
}

// ListTeams lists an event's teams for its organizers (asManager false) or its managers.
func (a *App) ListTeams(ctx context.Context, actor domain.Actor, eventID uuid.UUID, asManager bool, limit int, cursor string) (Page[domain.Team], error) {
	var err error
	if asManager {
		_, err = a.eventForManager(ctx, actor, eventID)
	} else {
		_, err = a.eventForOrganizer(ctx, actor, eventID)
	}
	if err != nil {
		return Page[domain.Team]{}, err
	}
	items, next, err := a.repo.ListTeams(ctx, eventID, limit, cursor)
	return Page[domain.Team]{Items: items, NextCursor: next}, err
}

// CreateTeam adds a manual team to an event. An organizer's own team needs no AI review, so it
// starts approved; approval and source are not client-settable.
func (a *App) CreateTeam(ctx context.Context, actor domain.Actor, eventID uuid.UUID, p domain.TeamPatch) (domain.Team, error) {
	e, err := a.eventForOrganizer(ctx, actor, eventID)
	if err != nil {
		return domain.Team{}, err
	}
	if p.Name == nil {
		return domain.Team{}, &domain.ValidationError{Fields: []domain.FieldError{{Field: "name", Message: "is required"}}}
	}
	p.Approval = nil
	now := a.now()
	t := domain.Team{ID: uuid.New(), EventID: e.ID, MemberIDs: []uuid.UUID{}, Approval: domain.ApprovalApproved,
		Source: domain.SourceManual, CreatedAt: now, UpdatedAt: now, Version: 1}
	p.Apply(&t)
	if err := t.Validate(); err != nil {
		return domain.Team{}, err
	}
	if err := a.checkPeople(ctx, e, t); err != nil {
		return domain.Team{}, err
	}
	if err := a.repo.CreateTeam(ctx, t); err != nil {
		return domain.Team{}, fmt.Errorf("create team: %w", err)
	}
	return t, nil
}

// teamOfEvent loads a team that belongs to the event (another event's team is not found).
func (a *App) teamOfEvent(ctx context.Context, eventID, teamID uuid.UUID) (domain.Team, error) {
	t, err := a.repo.GetTeam(ctx, teamID)
	if err != nil {
		return t, err
	}
	if t.EventID != eventID {
		return domain.Team{}, fmt.Errorf("team %s of event %s: %w", teamID, eventID, domain.ErrNotFound)
	}
	return t, nil
}

func (a *App) updateTeam(ctx context.Context, e domain.Event, teamID uuid.UUID, version int64, p domain.TeamPatch) (domain.Team, error) {
	if p.LeadSet || p.MemberIDs != nil {
		probe := domain.Team{}
		p.Apply(&probe)
		if !p.LeadSet {
			probe.LeadID = nil
		}
		if err := a.checkPeople(ctx, e, probe); err != nil {
			return domain.Team{}, err
		}
	}
	return a.repo.UpdateTeam(ctx, teamID, version, a.now(), func(t *domain.Team) error {
		p.Apply(t)
		return t.Validate()
	})
}

// UpdateTeamAsOrganizer edits an event's team (name, area, lead, members; not its approval).
func (a *App) UpdateTeamAsOrganizer(ctx context.Context, actor domain.Actor, eventID, teamID uuid.UUID, version int64, p domain.TeamPatch) (domain.Team, error) {
	e, err := a.eventForOrganizer(ctx, actor, eventID)
	if err != nil {
		return domain.Team{}, err
	}
	if _, err := a.teamOfEvent(ctx, eventID, teamID); err != nil {
		return domain.Team{}, err
	}
	p.Approval = nil
	return a.updateTeam(ctx, e, teamID, version, p)
}

// DeleteTeam removes an event's team.
func (a *App) DeleteTeam(ctx context.Context, actor domain.Actor, eventID, teamID uuid.UUID, version *int64) error {
	if _, err := a.eventForOrganizer(ctx, actor, eventID); err != nil {
		return err
	}
	if _, err := a.teamOfEvent(ctx, eventID, teamID); err != nil {
		return err
	}
	return a.repo.DeleteTeam(ctx, teamID, version)
}

// UpdateTeamAsManager lets a manager of the team's event approve, reject or edit it.
func (a *App) UpdateTeamAsManager(ctx context.Context, actor domain.Actor, teamID uuid.UUID, version int64, p domain.TeamPatch) (domain.Team, error) {
	if err := requireRole(actor, domain.RoleManager); err != nil {
		return domain.Team{}, err
	}
	t, err := a.repo.GetTeam(ctx, teamID)
	if err != nil {
		return domain.Team{}, err
	}
	e, err := a.eventForManager(ctx, actor, t.EventID)
	if err != nil {
		return domain.Team{}, fmt.Errorf("team %s: %w", teamID, err)
	}
	if p.Approval != nil && *p.Approval != domain.ApprovalApproved && *p.Approval != domain.ApprovalRejected {
		return domain.Team{}, &domain.ValidationError{Fields: []domain.FieldError{{Field: "approval", Message: "must be approved or rejected"}}}
	}
	return a.updateTeam(ctx, e, teamID, version, p)
}
