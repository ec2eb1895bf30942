package store_test

import (
	"encoding/json"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/services/company/internal/store"
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
	for _, k := range []string{"id", "name", "created_by", "created_at"} {
		require.Contains(t, keys(t, store.CompanyData{}), k)
	}
	require.Equal(t, []string{"id"}, keys(t, store.DeletedData{}))
}
