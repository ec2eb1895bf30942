// Package telemetry sets up OpenTelemetry tracing for a process.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Setup installs a tracer provider and the W3C TraceContext+Baggage propagator
// as the OTel globals (the one place globals are used, because OTel
// instrumentation looks them up). With an empty otlpEndpoint spans are still
// created, so trace ids reach logs and Kafka headers, but nothing is exported.
// The endpoint may be a URL (http://collector:4318) or host:port. The returned
// shutdown flushes pending spans.
func Setup(ctx context.Context, service, otlpEndpoint string) (shutdown func(context.Context) error, err error) {
	res := resource.NewSchemaless(attribute.String("service.name", service))
	opts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
	if ep := strings.TrimSpace(otlpEndpoint); ep != "" {
		var eopts []otlptracehttp.Option
		if strings.Contains(ep, "://") {
			eopts = append(eopts, otlptracehttp.WithEndpointURL(strings.TrimRight(ep, "/")+"/v1/traces"))
		} else {
			eopts = append(eopts, otlptracehttp.WithEndpoint(ep), otlptracehttp.WithInsecure())
		}
		exp, err := otlptracehttp.New(ctx, eopts...)
		if err != nil {
			return nil, fmt.Errorf("create OTLP exporter for %s: %w", ep, err)
		}
		opts = append(opts, sdktrace.WithBatcher(exp))
	}
	tp := sdktrace.NewTracerProvider(opts...)
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return func(ctx context.Context) error {
		return errors.Join(tp.ForceFlush(ctx), tp.Shutdown(ctx))
	}, nil
}
