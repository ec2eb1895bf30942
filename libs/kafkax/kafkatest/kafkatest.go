// Package kafkatest starts an in-process Kafka-protocol broker (franz-go's kfake) for tests, so
// that code under test talks kafka-go over real TCP.
package kafkatest

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Start runs a single-broker kfake cluster on a free 127.0.0.1 port, closed at test cleanup, and
// returns its seed brokers. Extra kfake options (e.g. kfake.SeedTopics) are passed through.
func Start(t testing.TB, opts ...kfake.Opt) []string {
	t.Helper()
	all := append([]kfake.Opt{kfake.NumBrokers(1), kfake.Ports(0)}, opts...)
	c, err := kfake.NewCluster(all...)
	if err != nil {
		t.Fatalf("kafkatest: start kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()
}
