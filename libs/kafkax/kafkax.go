// Package kafkax sets up kafka-go the safe way: acknowledged, key-ordered, synchronous writes and
// topics created up front instead of relying on auto-creation.
package kafkax

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/segmentio/kafka-go"
)

// Defaults for topics created by EnsureTopics (docs/CONVENTIONS.md "Kafka").
const (
	DefaultPartitions        = 6
	DefaultReplicationFactor = 1
)

// NewWriter returns a writer that waits for all in-sync replicas (RequireAll), routes by key hash so
// that one aggregate's messages stay in one partition, writes synchronously, and flushes batches
// after 5 ms instead of kafka-go's 1 s default. Topics are never auto-created by it.
func NewWriter(brokers []string) *kafka.Writer {
	return &kafka.Writer{
		Addr:                   kafka.TCP(brokers...),
		Balancer:               &kafka.Hash{},
		RequiredAcks:           kafka.RequireAll,
		Async:                  false,
		BatchTimeout:           5 * time.Millisecond,
		AllowAutoTopicCreation: false,
	}
}

// TopicOptions tunes EnsureTopicsWith.
type TopicOptions struct {
	Partitions        int           // 0 = DefaultPartitions
	ReplicationFactor int           // 0 = DefaultReplicationFactor
	RetryFor          time.Duration // how long to retry while the broker is unreachable; 0 = 10 s
}

// EnsureTopics creates the topics with DefaultPartitions and DefaultReplicationFactor. Topics that
// already exist count as success, so every producer and consumer can call it at start.
func EnsureTopics(ctx context.Context, brokers []string, topics ...string) error {
	return EnsureTopicsWith(ctx, brokers, TopicOptions{}, topics...)
}

// EnsureTopicsWith is EnsureTopics with explicit options. It retries briefly while the broker is not
// reachable yet (processes of a local stack start together).
func EnsureTopicsWith(ctx context.Context, brokers []string, opt TopicOptions, topics ...string) error {
	if len(brokers) == 0 {
		return errors.New("ensure topics: no brokers")
	}
	if len(topics) == 0 {
		return nil
	}
	if opt.Partitions <= 0 {
		opt.Partitions = DefaultPartitions
	}
	if opt.ReplicationFactor <= 0 {
		opt.ReplicationFactor = DefaultReplicationFactor
	}
	if opt.RetryFor <= 0 {
		opt.RetryFor = 10 * time.Second
	}
	req := &kafka.CreateTopicsRequest{Addr: kafka.TCP(brokers...)}
	for _, t := range topics {
		req.Topics = append(req.Topics, kafka.TopicConfig{
			Topic: t, NumPartitions: opt.Partitions, ReplicationFactor: opt.ReplicationFactor,
		})
	}
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 5 * time.Second}
	deadline := time.Now().Add(opt.RetryFor)
	wait := 50 * time.Millisecond
	for {
		err := createTopics(ctx, client, req)
		if err == nil {
			return nil
		}
		if !retryable(err) || time.Now().After(deadline) {
			return fmt.Errorf("ensure topics %v: %w", topics, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("ensure topics %v: %w (last error: %v)", topics, ctx.Err(), err)
		case <-time.After(wait):
		}
		wait = min(wait*2, time.Second)
	}
}

func createTopics(ctx context.Context, client *kafka.Client, req *kafka.CreateTopicsRequest) error {
	resp, err := client.CreateTopics(ctx, req)
	if err != nil {
		return err
	}
	var errs []error
	for topic, terr := range resp.Errors {
		if terr == nil || errors.Is(terr, kafka.TopicAlreadyExists) {
			continue
		}
		errs = append(errs, fmt.Errorf("topic %s: %w", topic, terr))
	}
	return errors.Join(errs...)
}

// retryable reports whether err looks like "broker not there yet" rather than a refused request.
func retryable(err error) bool {
	var netErr net.Error
	var kerr kafka.Error
	switch {
	case errors.As(err, &netErr):
		return true
	case errors.As(err, &kerr):
		return kerr.Temporary()
	case errors.Is(err, context.DeadlineExceeded):
		return true
	}
	// Connection refused and friends surface as *net.OpError (a net.Error) or as plain syscall errors.
	var opErr *net.OpError
	return errors.As(err, &opErr)
}
