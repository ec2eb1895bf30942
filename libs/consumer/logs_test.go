package consumer_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/eventai/eventai/libs/consumer"
	"github.com/eventai/eventai/libs/kafkax"
	"github.com/eventai/eventai/libs/logging"
	"github.com/eventai/eventai/libs/outbox"
)

// lockedBuffer is an io.Writer the consumer goroutine and the test can share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var recs []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b.buf.Bytes()))
	for sc.Scan() {
		var rec map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec), "log line %q", sc.Text())
		recs = append(recs, rec)
	}
	return recs
}

// TestAppliedEventLogCarriesProducerTrace: the debug line of each applied message names the event
// and its position and carries the producer's trace_id, so one grep joins a request's logs to the
// consumers that acted on it.
func TestAppliedEventLogCarriesProducerTrace(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := newRig(t)
	const traceHex = "0af7651916cd43dd8448eb211c80319c"
	tid, err := trace.TraceIDFromHex(traceHex)
	require.NoError(t, err)
	sid, err := trace.SpanIDFromHex("b7ad6b7169203331")
	require.NoError(t, err)
	reqCtx := trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled,
	}))
	r.produce(t, reqCtx, []string{"k"}, 0, 1)
	var eventID string
	require.NoError(t, r.pool.QueryRow(ctx, `SELECT envelope->>'id' FROM outbox`).Scan(&eventID))

	w := kafkax.NewWriter(r.brokers)
	defer w.Close()
	relay := outbox.NewRelay(r.pool, w, nil, nil)
	defer start(t, ctx, relay.Run)()
	require.NoError(t, relay.Flush(ctx))

	var out lockedBuffer
	log := logging.New("svc", "debug", &out)
	c := consumer.New(consumer.Config{Brokers: r.brokers, Group: "svc", Topics: []string{topic}}, r.pool, record, log, nil)
	stop := start(t, ctx, c.Run)
	require.NoError(t, c.WaitCaughtUp(ctx))
	stop()

	var applied []map[string]any
	for _, rec := range out.records(t) {
		if rec["msg"] == "applied event" {
			applied = append(applied, rec)
		}
	}
	require.Len(t, applied, 1, "one message, one line")
	got := applied[0]
	require.Equal(t, "DEBUG", got["level"])
	require.Equal(t, traceHex, got["trace_id"])
	require.Equal(t, "thing.updated", got["type"])
	require.Equal(t, eventID, got["event_id"])
	require.Equal(t, "applied", got["result"])
	require.Equal(t, topic, got["topic"])
	require.Equal(t, "svc", got["group"])
	require.Contains(t, got, "partition")
	require.Equal(t, float64(0), got["offset"], "first message of its partition")
}
