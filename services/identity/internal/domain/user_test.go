package domain_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/services/identity/internal/domain"
)

func fields(t *testing.T, err error) map[string]string {
	t.Helper()
	var ve *domain.ValidationError
	require.True(t, errors.As(err, &ve), "want ValidationError, got %v", err)
	m := map[string]string{}
	for _, f := range ve.Fields {
		m[f.Field] = f.Message
	}
	return m
}

func validNew() domain.NewUser {
	return domain.NewUser{Username: "ana", Email: "ana@example.com", Password: "correct horse", Role: domain.RoleStaff}
}

func TestNewUserDefaultsAndNormalisation(t *testing.T) {
	n := validNew()
	n.Username = "  ana.b "
	n.Skills = []domain.Skill{{Name: "  Sound ", Level: 3}}
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.FixedZone("CEST", 7200))
	n.Availability = []domain.Slot{{StartsAt: t0.Add(24 * time.Hour), EndsAt: t0.Add(26 * time.Hour)}, {StartsAt: t0, EndsAt: t0.Add(time.Hour)}}
	c := uuid.New()
	n.CompanyIDs = []uuid.UUID{c, c}
	u, err := n.Validate()
	require.NoError(t, err)
	require.Equal(t, "ana.b", u.Username)
	require.Equal(t, 8.0, u.MaxHoursPerDay)
	require.True(t, u.IsActive)
	require.Equal(t, []domain.Skill{{Name: "Sound", Level: 3}}, u.Skills)
	require.Equal(t, []uuid.UUID{c}, u.CompanyIDs)
	require.Equal(t, time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC), u.Availability[0].StartsAt)
	require.Equal(t, time.UTC, u.Availability[0].StartsAt.Location())
}

func TestNewUserValidation(t *testing.T) {
	zero, big := 0.0, 24.5
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		mod   func(*domain.NewUser)
		field string
	}{
		{"short username", func(n *domain.NewUser) { n.Username = "ab" }, "username"},
		{"username with @", func(n *domain.NewUser) { n.Username = "a@b.c" }, "username"},
		{"username with space", func(n *domain.NewUser) { n.Username = "a b c" }, "username"},
		{"bad email", func(n *domain.NewUser) { n.Email = "nope" }, "email"},
		{"email with name", func(n *domain.NewUser) { n.Email = "Ana <ana@example.com>" }, "email"},
		{"short password", func(n *domain.NewUser) { n.Password = "1234567" }, "password"},
		{"huge password", func(n *domain.NewUser) { n.Password = string(make([]byte, 300)) }, "password"},
		{"role", func(n *domain.NewUser) { n.Role = "root" }, "role"},
		{"zero hours", func(n *domain.NewUser) { n.MaxHoursPerDay = &zero }, "max_hours_per_day"},
		{"too many hours", func(n *domain.NewUser) { n.MaxHoursPerDay = &big }, "max_hours_per_day"},
		{"skill level", func(n *domain.NewUser) { n.Skills = []domain.Skill{{Name: "x", Level: 6}} }, "skills[0].level"},
		{"skill empty name", func(n *domain.NewUser) { n.Skills = []domain.Skill{{Name: "  ", Level: 1}} }, "skills[0].name"},
		{"duplicate skill", func(n *domain.NewUser) {
			n.Skills = []domain.Skill{{Name: "Sound", Level: 1}, {Name: " sOUND", Level: 2}}
		}, "skills[1].name"},
		{"slot ends before start", func(n *domain.NewUser) {
			n.Availability = []domain.Slot{{StartsAt: t0, EndsAt: t0}}
		}, "availability[0].ends_at"},
		{"nil company", func(n *domain.NewUser) { n.CompanyIDs = []uuid.UUID{uuid.Nil} }, "company_ids[0]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := validNew()
			tc.mod(&n)
			_, err := n.Validate()
			f := fields(t, err)
			require.Contains(t, f, tc.field)
			require.Len(t, f, 1, "only %s should fail: %v", tc.field, f)
		})
	}
}

func TestPatch(t *testing.T) {
	u, err := validNew().Validate()
	require.NoError(t, err)
	u.Version = 3

	name, role := "Ana B", domain.RoleManager
	v := int64(3)
	require.NoError(t, domain.Patch{FullName: &name, Role: &role, Version: &v}.Apply(&u))
	require.Equal(t, "Ana B", u.FullName)
	require.Equal(t, domain.RoleManager, u.Role)
	require.Equal(t, "ana", u.Username, "fields left out keep their value")

	stale := int64(2)
	require.ErrorIs(t, domain.Patch{FullName: &name, Version: &stale}.Apply(&u), domain.ErrStaleVersion)

	bad := "x"
	err = domain.Patch{Role: &bad}.Apply(&u)
	require.Contains(t, fields(t, err), "role")
}

func TestSnapshotHasNoNilSlices(t *testing.T) {
	d := domain.User{ID: uuid.New()}.Snapshot()
	require.NotNil(t, d.CompanyIDs)
	require.NotNil(t, d.Skills)
	require.NotNil(t, d.Availability)
}

func TestThrottle(t *testing.T) {
	p := domain.ThrottlePolicy{Threshold: 5, Base: time.Second, Max: time.Minute, Window: 15 * time.Minute}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var s domain.ThrottleState
	for i := 1; i <= 4; i++ {
		s = p.Fail(s, now)
		require.Zero(t, p.RetryAfter(s, now), "failure %d", i)
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second, time.Minute, time.Minute}
	for i, w := range want {
		s = p.Fail(s, now)
		require.Equal(t, w, p.RetryAfter(s, now), "failure %d", 5+i)
	}
	require.Equal(t, 30*time.Second, p.RetryAfter(s, now.Add(30*time.Second)))
	// After the window the count starts over.
	later := now.Add(time.Hour)
	s = p.Fail(s, later)
	require.Equal(t, 1, s.Failures)
	require.Zero(t, p.RetryAfter(s, later))
}
