package transport_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/libs/envelope"
	"github.com/eventai/eventai/libs/kafkax"
	"github.com/eventai/eventai/services/identity/internal/domain"
)

// readUserEvents reads identity.users.v1 from the start until it holds n messages.
func readUserEvents(t *testing.T, brokers []string, n int) []envelope.Envelope {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out []envelope.Envelope
	conns := map[int]*kafka.Reader{}
	parts, err := kafka.DialContext(ctx, "tcp", brokers[0])
	require.NoError(t, err)
	pl, err := parts.ReadPartitions(domain.TopicUsers)
	require.NoError(t, err)
	_ = parts.Close()
	for _, p := range pl {
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: domain.TopicUsers, Partition: p.ID, MaxWait: 50 * time.Millisecond})
		conns[p.ID] = r
		t.Cleanup(func() { _ = r.Close() })
	}
	// Read each partition up to its high watermark; the relay has flushed before responses return.
	for id, r := range conns {
		c, err := kafka.DialLeader(ctx, "tcp", brokers[0], domain.TopicUsers, id)
		require.NoError(t, err)
		last, err := c.ReadLastOffset()
		require.NoError(t, err)
		_ = c.Close()
		for off := int64(0); off < last; off++ {
			m, err := r.ReadMessage(ctx)
			require.NoError(t, err)
			env, err := envelope.Decode(m.Value)
			require.NoError(t, err)
			require.Equal(t, env.Subject, string(m.Key), "keyed by the aggregate id")
			out = append(out, env)
		}
	}
	require.Len(t, out, n)
	return out
}

func TestEventsReachTheTopic(t *testing.T) {
	f := newFixture(t, true)
	r := f.register("lena")
	id := str(r.Body["user"].(map[string]any), "id")
	tok := f.admin()
	require.Equal(t, http.StatusNoContent, f.do("DELETE", "/admin/users/"+id, tok, nil).Status)

	evs := readUserEvents(t, f.brokers, 3) // lena created, root created, lena deleted
	byType := map[string][]envelope.Envelope{}
	for _, e := range evs {
		require.Equal(t, "identity", e.Source)
		byType[e.Type] = append(byType[e.Type], e)
	}
	require.Len(t, byType["user.created"], 2)
	require.Len(t, byType["user.deleted"], 1)
	require.Equal(t, id, byType["user.deleted"][0].Subject)
	require.JSONEq(t, `{"id":"`+id+`"}`, string(byType["user.deleted"][0].Data))
	for _, e := range byType["user.created"] {
		var d map[string]any
		require.NoError(t, json.Unmarshal(e.Data, &d))
		for _, k := range []string{"id", "username", "email", "full_name", "role", "company_ids", "skills", "availability", "max_hours_per_day", "is_active", "version"} {
			require.Contains(t, d, k)
		}
		require.NotContains(t, d, "password_hash")
	}
}

func TestCompanyEventsFromTopic(t *testing.T) {
	f := newFixture(t, true)
	tok := f.admin()
	org := f.do("POST", "/admin/users", tok, map[string]any{"username": "mona", "email": "mona@example.com", "password": "password1", "role": "organizer"})
	require.Equal(t, http.StatusCreated, org.Status)
	orgID := uuid.MustParse(str(org.Body, "id"))

	w := kafkax.NewWriter(f.brokers)
	defer w.Close()
	publish := func(typ string, data map[string]any) {
		env, err := envelope.New("company", typ, data["id"].(string), data)
		require.NoError(t, err)
		b, err := env.Encode()
		require.NoError(t, err)
		require.NoError(t, w.WriteMessages(context.Background(), kafka.Message{Topic: domain.TopicCompanies, Key: []byte(env.Subject), Value: b}))
	}
	co := uuid.New()
	publish("company.created", map[string]any{"id": co.String(), "name": "Acme", "created_by": orgID.String(), "created_at": time.Now().UTC()})

	// Straight after the event is on the topic, an admin may use the company: identity waits for
	// its consumer to catch up on a miss instead of refusing.
	res := f.do("POST", "/admin/users", tok, map[string]any{"username": "nico", "email": "nico@example.com", "password": "password1",
		"role": "staff", "company_ids": []string{co.String()}})
	require.Equal(t, http.StatusCreated, res.Status, string(res.Raw))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, f.cons.WaitCaughtUp(ctx))
	got := f.do("GET", "/admin/users/"+orgID.String(), tok, nil)
	require.Equal(t, []any{co.String()}, got.Body["company_ids"], "the creator became a member")
	require.Equal(t, 2.0, got.Body["version"])

	publish("company.deleted", map[string]any{"id": co.String()})
	require.NoError(t, f.cons.WaitCaughtUp(ctx))
	for _, id := range []string{orgID.String(), str(res.Body, "id")} {
		got := f.do("GET", "/admin/users/"+id, tok, nil)
		require.Equal(t, []any{}, got.Body["company_ids"], id)
	}
	// Unknown again: refused after the wait.
	res = f.do("POST", "/admin/users", tok, map[string]any{"username": "otto", "email": "otto@example.com", "password": "password1",
		"role": "staff", "company_ids": []string{co.String()}})
	require.Equal(t, http.StatusUnprocessableEntity, res.Status)

	// Every membership change was published: root, mona, nico created; mona updated (joined);
	// mona and nico updated (company deleted).
	require.NoError(t, f.relay.Flush(ctx))
	evs := readUserEvents(t, f.brokers, 6)
	n := 0
	for _, e := range evs {
		if e.Type == "user.updated" {
			n++
		}
	}
	require.Equal(t, 3, n)
}
