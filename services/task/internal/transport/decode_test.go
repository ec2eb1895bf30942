package transport

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/libs/problem"
)

// TestAssigneeIDPresence: absent keeps the assignee, null unassigns, an id assigns, anything
// else is a 422 on assignee_id.
func TestAssigneeIDPresence(t *testing.T) {
	id := uuid.New()
	cases := []struct {
		body  string
		set   bool
		id    *uuid.UUID
		field string
	}{
		{body: `{"version": 1}`},
		{body: `{"version": 1, "assignee_id": null}`, set: true},
		{body: `{"version": 1, "assignee_id": "` + id.String() + `"}`, set: true, id: &id},
		{body: `{"version": 1, "assignee_id": "bob"}`, field: "assignee_id"},
		{body: `{"version": 1, "assignee_id": 7}`, field: "assignee_id"},
		{body: `{"version": 1, "required_skills": []}`, field: "required_skills"}, // not a manager field
	}
	for _, c := range cases {
		var req managerUpdateRequest
		err := decode(httptest.NewRecorder(), httptest.NewRequest("PUT", "/x", strings.NewReader(c.body)), &req)
		if c.field != "" {
			var p *problem.Problem
			require.True(t, errors.As(err, &p), "%s: %v", c.body, err)
			require.Equal(t, 422, p.Status, c.body)
			require.Equal(t, c.field, p.Errors[0].Field, c.body)
			continue
		}
		require.NoError(t, err, c.body)
		require.Equal(t, c.set, req.AssigneeID.Set, c.body)
		require.Equal(t, c.id, req.AssigneeID.ID, c.body)
	}
}
