package consumer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
)

// WaitCaughtUp waits until the group has committed, on every partition of its topics, up to the
// high watermark read at the call: then every event published before the call has been applied.
// It checks this process's own commits first (no extra round trip), then the group's committed
// offsets (which also covers partitions owned by other replicas), polling every 5 ms until ctx ends.
func (c *Consumer) WaitCaughtUp(ctx context.Context) error {
	targets, err := c.highWatermarks(ctx)
	if err != nil {
		return fmt.Errorf("wait caught up: %w", err)
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		progress := c.dropLocallyReached(targets)
		if len(targets) == 0 {
			return nil
		}
		if err := c.dropReached(ctx, targets); err != nil && ctx.Err() == nil {
			c.log.Debug("fetch group offsets", "err", err)
		}
		if len(targets) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait caught up (%d partitions behind): %w", len(targets), ctx.Err())
		case <-progress: // our own commit: check again at once
		case <-tick.C: // another replica's commit shows only in the group offsets
		}
	}
}

// dropLocallyReached removes the partitions this process has committed up to their target and
// returns the channel that is closed at its next commit.
func (c *Consumer) dropLocallyReached(targets map[topicPartition]int64) <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	for tp, off := range c.committed {
		if t, ok := targets[tp]; ok && t <= off {
			delete(targets, tp)
		}
	}
	return c.progress
}

// highWatermarks returns the log end offset of every non-empty partition of the topics.
func (c *Consumer) highWatermarks(ctx context.Context) (map[topicPartition]int64, error) {
	md, err := c.client.Metadata(ctx, &kafka.MetadataRequest{Topics: c.cfg.Topics})
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	for _, t := range md.Topics {
		if t.Error != nil {
			return nil, fmt.Errorf("metadata of %s: %w", t.Name, t.Error)
		}
		for _, p := range t.Partitions {
			req.Topics[t.Name] = append(req.Topics[t.Name], kafka.LastOffsetOf(p.ID))
		}
	}
	resp, err := c.client.ListOffsets(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("list offsets: %w", err)
	}
	targets := map[topicPartition]int64{}
	for topic, parts := range resp.Topics {
		for _, p := range parts {
			if p.Error != nil {
				return nil, fmt.Errorf("list offsets of %s/%d: %w", topic, p.Partition, p.Error)
			}
			if p.LastOffset > 0 {
				targets[topicPartition{topic, p.Partition}] = p.LastOffset
			}
		}
	}
	return targets, nil
}

// dropReached removes the partitions whose group-committed offset reached the target.
func (c *Consumer) dropReached(ctx context.Context, targets map[topicPartition]int64) error {
	req := &kafka.OffsetFetchRequest{GroupID: c.cfg.Group, Topics: map[string][]int{}}
	for tp := range targets {
		req.Topics[tp.topic] = append(req.Topics[tp.topic], tp.partition)
	}
	resp, err := c.client.OffsetFetch(ctx, req)
	if err != nil {
		return err
	}
	if resp.Error != nil {
		return resp.Error
	}
	for topic, parts := range resp.Topics {
		for _, p := range parts {
			tp := topicPartition{topic, p.Partition}
			if p.Error == nil && p.CommittedOffset >= 0 && targets[tp] <= p.CommittedOffset {
				delete(targets, tp)
			}
		}
	}
	return nil
}

// Ready reports whether the consumer is running and has either fetched a message (so it joined
// its group) or has nothing to fetch (the group is caught up), for /readyz.
func (c *Consumer) Ready(ctx context.Context) error {
	if !c.started.Load() {
		return errors.New("consumer not running")
	}
	if c.fetched.Load() {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	if err := c.WaitCaughtUp(ctx); err != nil {
		return fmt.Errorf("consumer has not fetched yet: %w", err)
	}
	return nil
}
