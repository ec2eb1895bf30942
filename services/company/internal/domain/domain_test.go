package domain

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

func TestNormalizeName(t *testing.T) {
	tests := []struct {
		name, in, want string
		valid          bool
	}{
		{"trims", "  Acme  ", "Acme", true},
		{"empty", "   ", "", false},
		{"too long", strings.Repeat("ä", MaxNameLen+1), "", false},
		{"max length in runes", strings.Repeat("ä", MaxNameLen), strings.Repeat("ä", MaxNameLen), true},
		{"control char", "Ac\x00me", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizeName(tt.in)
			if !tt.valid {
				var ve *ValidationError
				require.True(t, errors.As(err, &ve), "want validation error, got %v", err)
				require.Equal(t, "name", ve.Fields[0].Field)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestMembershipsFor(t *testing.T) {
	a, b := uuid.New(), uuid.New()
	require.Equal(t, []uuid.UUID{a, b}, MembershipsFor(User{IsActive: true, CompanyIDs: []uuid.UUID{a, b, a, uuid.Nil}}))
	require.Empty(t, MembershipsFor(User{IsActive: false, CompanyIDs: []uuid.UUID{a}}))
}

func TestActorRoles(t *testing.T) {
	for _, tt := range []struct {
		role           string
		manage, member bool
	}{
		{RoleAdmin, true, true},
		{RoleOrganizer, true, true},
		{RoleManager, false, true},
		{RoleStaff, false, false},
		{"", false, false},
	} {
		a := Actor{Role: tt.role}
		require.Equal(t, tt.manage, a.CanManageCompanies(), tt.role)
		require.Equal(t, tt.member, a.CanListMembers(), tt.role)
	}
}
