package envelope

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

func TestNewEncodeDecodeRoundTrip(t *testing.T) {
	e, err := New("identity", "user.created", "u1", map[string]any{"id": "u1", "n": 2})
	require.NoError(t, err)
	id, err := uuid.Parse(e.ID)
	require.NoError(t, err)
	require.Equal(t, uuid.Version(7), id.Version())
	require.Equal(t, time.UTC, e.Time.Location())

	b, err := e.Encode()
	require.NoError(t, err)
	got, err := Decode(b)
	require.NoError(t, err)
	require.Equal(t, e.ID, got.ID)
	require.Equal(t, "user.created", got.Type)
	require.Equal(t, "identity", got.Source)
	require.Equal(t, "u1", got.Subject)
	require.Equal(t, 1, got.SchemaVersion)
	require.True(t, e.Time.Equal(got.Time))
	require.JSONEq(t, `{"id":"u1","n":2}`, string(got.Data))
}

func TestDecode(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		wantErr bool
		typ     string
	}{
		{"unknown fields ignored", `{"id":"0190a5e0-0000-7000-8000-000000000001","type":"x.y","source":"s","time":"2026-01-02T03:04:05+02:00","subject":"k","schema_version":1,"data":{},"extra":42}`, false, "x.y"},
		{"not json", `{"id":`, true, ""},
		{"bad id", `{"id":"nope","type":"x.y"}`, true, ""},
		{"no type", `{"id":"0190a5e0-0000-7000-8000-000000000001"}`, true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Decode([]byte(tc.in))
			if tc.wantErr {
				require.True(t, errors.Is(err, ErrInvalid), "err %v", err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.typ, e.Type)
			require.Equal(t, "2026-01-02T01:04:05Z", e.Time.Format(time.RFC3339))
		})
	}
}

func TestNewRequiresFields(t *testing.T) {
	_, err := New("", "t", "s", nil)
	require.Error(t, err)
	_, err = New("s", "t", "s", func() {})
	require.Error(t, err)
}
