package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"go.opentelemetry.io/otel/trace"
)

func TestLogCarriesIDs(t *testing.T) {
	var buf bytes.Buffer
	log := New("task", "info", &buf)
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}))
	ctx = WithRequestID(ctx, "req-1")
	log.InfoContext(ctx, "hello", "k", 1)
	log.DebugContext(ctx, "dropped")

	var got map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(buf.Bytes()), &got); err != nil {
		t.Fatalf("one JSON line expected, got %q: %v", buf.String(), err)
	}
	want := map[string]any{"service": "task", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7", "request_id": "req-1", "msg": "hello"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}

func TestNoIDsWithoutContext(t *testing.T) {
	var buf bytes.Buffer
	New("x", "debug", &buf).With("a", 1).Debug("m")
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if _, ok := got["trace_id"]; ok {
		t.Fatalf("unexpected trace_id in %v", got)
	}
	if got["a"] != float64(1) {
		t.Fatalf("attrs lost: %v", got)
	}
}
