package telemetry

import (
	"context"
	"net/http"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
)

func TestSetupPropagatesTraceparent(t *testing.T) {
	shutdown, err := Setup(context.Background(), "test", "")
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(context.Background())

	ctx, span := otel.Tracer("t").Start(context.Background(), "op")
	h := http.Header{}
	otel.GetTextMapPropagator().Inject(ctx, propagation.HeaderCarrier(h))
	span.End()
	want := "00-" + span.SpanContext().TraceID().String() + "-" + span.SpanContext().SpanID().String() + "-01"
	if got := h.Get("traceparent"); got != want {
		t.Fatalf("traceparent = %q, want %q", got, want)
	}
}
