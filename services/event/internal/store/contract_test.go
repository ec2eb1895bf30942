package store_test

import (
	"encoding/json"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/services/event/internal/store"
)

// keys lists the JSON object keys v encodes to.
func keys(t *testing.T, v any) []string {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &m))
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// The data of every published type carries at least the fields CONVENTIONS.md promises its
// consumers; this fails when the code drifts from the contract.
func TestPublishedDataMatchesTheContract(t *testing.T) {
	tests := []struct {
		typ  string
		data any
		want []string
	}{
		{"event.created/updated", store.EventData{}, []string{"id", "company_id", "title", "description", "location", "timezone",
			"starts_at", "ends_at", "event_type", "expected_attendees", "manager_ids", "created_by", "version"}},
		{"event.deleted", store.DeletedData{}, []string{"id", "company_id"}},
		{"event.schedule_imported", store.ScheduleImportedData{}, []string{"event_id", "company_id", "timezone", "sessions"}},
		{"event.schedule_imported session", store.SessionData{}, []string{"id", "external_id", "room", "track", "title", "starts_at", "ends_at"}},
	}
	for _, tt := range tests {
		got := keys(t, tt.data)
		for _, k := range tt.want {
			require.Contains(t, got, k, "%s lacks %s", tt.typ, k)
		}
	}
}
