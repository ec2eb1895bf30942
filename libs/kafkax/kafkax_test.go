package kafkax_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/eventai/eventai/libs/kafkax"
	"github.com/eventai/eventai/libs/kafkax/kafkatest"
)

func TestEnsureTopicsIdempotentAndKeyedWrites(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	brokers := kafkatest.Start(t)

	require.NoError(t, kafkax.EnsureTopics(ctx, brokers, "a.v1", "b.v1"))
	require.NoError(t, kafkax.EnsureTopics(ctx, brokers, "a.v1"), "second call must treat 'exists' as success")
	require.NoError(t, kafkax.EnsureTopicsWith(ctx, brokers, kafkax.TopicOptions{Partitions: 3}, "c.v1"))

	client := &kafka.Client{Addr: kafka.TCP(brokers...)}
	md, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{"a.v1", "b.v1", "c.v1"}})
	require.NoError(t, err)
	parts := map[string]int{}
	for _, tp := range md.Topics {
		require.NoError(t, tp.Error)
		parts[tp.Name] = len(tp.Partitions)
	}
	require.Equal(t, map[string]int{"a.v1": 6, "b.v1": 6, "c.v1": 3}, parts)

	w := kafkax.NewWriter(brokers)
	defer w.Close()
	var msgs []kafka.Message
	for i := range 20 {
		key := []string{"k1", "k2"}[i%2]
		msgs = append(msgs, kafka.Message{Topic: "a.v1", Key: []byte(key), Value: []byte{byte(i)}})
	}
	require.NoError(t, w.WriteMessages(ctx, msgs...))

	// Every message of one key must sit in one partition, in write order.
	offs, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{
		"a.v1": {kafka.LastOffsetOf(0), kafka.LastOffsetOf(1), kafka.LastOffsetOf(2), kafka.LastOffsetOf(3), kafka.LastOffsetOf(4), kafka.LastOffsetOf(5)},
	}})
	require.NoError(t, err)
	seen := map[string][]byte{}
	partOf := map[string]int{}
	for _, po := range offs.Topics["a.v1"] {
		if po.LastOffset == 0 {
			continue
		}
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: "a.v1", Partition: po.Partition, MaxWait: 100 * time.Millisecond})
		for range po.LastOffset {
			m, err := r.ReadMessage(ctx)
			require.NoError(t, err)
			k := string(m.Key)
			if p, ok := partOf[k]; ok {
				require.Equal(t, p, m.Partition, "key %s split across partitions", k)
			}
			partOf[k] = m.Partition
			seen[k] = append(seen[k], m.Value[0])
		}
		require.NoError(t, r.Close())
	}
	require.Equal(t, []byte{0, 2, 4, 6, 8, 10, 12, 14, 16, 18}, seen["k1"])
	require.Equal(t, []byte{1, 3, 5, 7, 9, 11, 13, 15, 17, 19}, seen["k2"])
}

func TestEnsureTopicsGivesUpOnUnreachableBroker(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens there now
	err = kafkax.EnsureTopicsWith(context.Background(), []string{addr}, kafkax.TopicOptions{RetryFor: 300 * time.Millisecond}, "x")
	require.Error(t, err)
}

func TestHeaderCarrierRoundTrip(t *testing.T) {
	tid, _ := trace.TraceIDFromHex("0af7651916cd43dd8448eb211c80319c")
	sid, _ := trace.SpanIDFromHex("b7ad6b7169203331")
	ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}))
	var hs []kafka.Header
	p := propagation.TraceContext{}
	p.Inject(ctx, kafkax.HeaderCarrier{Headers: &hs})
	require.Equal(t, []string{"traceparent"}, kafkax.HeaderCarrier{Headers: &hs}.Keys())
	require.Equal(t, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", string(hs[0].Value))
	got := trace.SpanContextFromContext(p.Extract(context.Background(), kafkax.HeaderCarrier{Headers: &hs}))
	require.Equal(t, tid, got.TraceID())
}
