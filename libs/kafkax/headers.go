package kafkax

import (
	"github.com/segmentio/kafka-go"
)

// HeaderCarrier adapts kafka message headers to OpenTelemetry's propagation.TextMapCarrier, since
// kafka-go has no instrumentation of its own. Use it as propagator.Inject(ctx, kafkax.HeaderCarrier{&msg.Headers}).
type HeaderCarrier struct {
	Headers *[]kafka.Header
}

// Get returns the value of the first header named key.
func (c HeaderCarrier) Get(key string) string {
	for _, h := range *c.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

// Set replaces the header named key (or appends it).
func (c HeaderCarrier) Set(key, value string) {
	for i, h := range *c.Headers {
		if h.Key == key {
			(*c.Headers)[i].Value = []byte(value)
			return
		}
	}
	*c.Headers = append(*c.Headers, kafka.Header{Key: key, Value: []byte(value)})
}

// Keys lists the header names.
func (c HeaderCarrier) Keys() []string {
	keys := make([]string, 0, len(*c.Headers))
	for _, h := range *c.Headers {
		keys = append(keys, h.Key)
	}
	return keys
}
