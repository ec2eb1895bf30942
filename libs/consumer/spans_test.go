package consumer_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/eventai/eventai/libs/kafkax"
	"github.com/eventai/eventai/libs/outbox"
)

// TestSpansChainProducerPublishConsume records real spans: the relay's "publish" span must be a
// producer-kind child of the request's span, and the consumer's span a child of the publish span.
func TestSpansChainProducerPublishConsume(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	otel.SetTracerProvider(tp)
	// The global delegate keeps pointing at tp once set, so restore an explicit no-op provider:
	// the other tests rely on non-recording spans that pass the producer's context through.
	t.Cleanup(func() { otel.SetTracerProvider(noop.NewTracerProvider()) })

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := newRig(t)
	reqCtx, req := tp.Tracer("test").Start(ctx, "POST /things")
	r.produce(t, reqCtx, []string{"k"}, 0, 1)
	req.End()

	w := kafkax.NewWriter(r.brokers)
	defer w.Close()
	relay := outbox.NewRelay(r.pool, w, nil, nil)
	defer start(t, ctx, relay.Run)()
	require.NoError(t, relay.Flush(ctx))
	c := r.consumer(record)
	stop := start(t, ctx, c.Run)
	require.NoError(t, c.WaitCaughtUp(ctx))
	stop() // ends the consumer span before we look

	byName := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range rec.Ended() {
		byName[s.Name()] = s
	}
	pub, ok := byName["publish "+topic]
	require.True(t, ok, "no publish span among %v", names(rec.Ended()))
	proc, ok := byName["process "+topic]
	require.True(t, ok, "no process span among %v", names(rec.Ended()))

	require.Equal(t, trace.SpanKindProducer, pub.SpanKind())
	require.Equal(t, req.SpanContext().SpanID(), pub.Parent().SpanID())
	require.Equal(t, trace.SpanKindConsumer, proc.SpanKind())
	require.Equal(t, pub.SpanContext().SpanID(), proc.Parent().SpanID())
	require.Equal(t, req.SpanContext().TraceID(), proc.SpanContext().TraceID())

	// The handler saw the consumer span's context.
	var tpHeader string
	require.NoError(t, r.pool.QueryRow(ctx, `SELECT traceparent FROM applied`).Scan(&tpHeader))
	require.Equal(t, "00-"+proc.SpanContext().TraceID().String()+"-"+proc.SpanContext().SpanID().String()+"-01", tpHeader)
}

func names(spans []sdktrace.ReadOnlySpan) []string {
	var n []string
	for _, s := range spans {
		n = append(n, s.Name())
	}
	return n
}
