package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/libs/kafkax"
)

// TestPersistsAcrossRestart seeds a topic, writes a message, stops the broker, starts it again on
// the same data dir and reads the message back.
func TestPersistsAcrossRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	port := freePort(t)
	args := []string{"-port", strconv.Itoa(port), "-partitions", "3", "-data-dir", t.TempDir(), "-topics", "a.v1, b.v1"}

	addrs, stop := startBroker(t, ctx, args)
	require.Equal(t, []string{"127.0.0.1:" + strconv.Itoa(port)}, addrs)
	w := kafkax.NewWriter(addrs)
	require.NoError(t, w.WriteMessages(ctx, kafka.Message{Topic: "b.v1", Key: []byte("k"), Value: []byte("kept")}))
	require.NoError(t, w.Close())
	stop()

	addrs, stop = startBroker(t, ctx, args)
	defer stop()
	client := &kafka.Client{Addr: kafka.TCP(addrs...)}
	md, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{"a.v1", "b.v1"}})
	require.NoError(t, err)
	for _, tp := range md.Topics {
		require.NoError(t, tp.Error)
		require.Len(t, tp.Partitions, 3, tp.Name)
	}
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: addrs, GroupID: "g", GroupTopics: []string{"b.v1"}, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	m, err := r.FetchMessage(ctx)
	require.NoError(t, err)
	require.Equal(t, "kept", string(m.Value))
}

func startBroker(t *testing.T, ctx context.Context, args []string) ([]string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	ready := make(chan []string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, slog.New(slog.NewJSONHandler(io.Discard, nil)), ready) }()
	select {
	case addrs := <-ready:
		return addrs, func() { cancel(); require.NoError(t, <-done) }
	case err := <-done:
		cancel()
		t.Fatalf("broker did not start: %v", err)
		return nil, nil
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
