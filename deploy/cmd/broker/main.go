// Command broker runs franz-go's kfake, an in-process Kafka-protocol broker, for local development
// and tests. It is a test double of the broker only; services use their normal kafka-go code paths.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil)).With("process", "broker")
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], log, nil); err != nil {
		log.Error("broker failed", "err", err)
		stop()
		os.Exit(1)
	}
}

// run serves until ctx ends. ready, when not nil, receives the listen addresses once serving.
func run(ctx context.Context, args []string, log *slog.Logger, ready chan<- []string) error {
	fs := flag.NewFlagSet("broker", flag.ContinueOnError)
	port := fs.Int("port", envInt("BROKER_PORT", 9092), "listen port on 127.0.0.1 (env BROKER_PORT)")
	partitions := fs.Int("partitions", envInt("BROKER_PARTITIONS", 6), "partitions of seeded and auto-created topics (env BROKER_PARTITIONS)")
	dataDir := fs.String("data-dir", os.Getenv("BROKER_DATA_DIR"), "persist the log here across restarts; empty = in memory (env BROKER_DATA_DIR)")
	topics := fs.String("topics", os.Getenv("BROKER_TOPICS"), "comma-separated topics to create at start (env BROKER_TOPICS)")
	if err := fs.Parse(args); err != nil {
		return err
	}

	opts := []kfake.Opt{kfake.Ports(*port), kfake.DefaultNumPartitions(*partitions)}
	if *dataDir != "" {
		if err := os.MkdirAll(*dataDir, 0o750); err != nil {
			return fmt.Errorf("data dir %s: %w", *dataDir, err)
		}
		opts = append(opts, kfake.DataDir(*dataDir))
	}
	var seed []string
	for _, t := range strings.Split(*topics, ",") {
		if t = strings.TrimSpace(t); t != "" {
			seed = append(seed, t)
		}
	}
	if len(seed) > 0 {
		opts = append(opts, kfake.SeedTopics(int32(*partitions), seed...))
	}

	cluster, err := kfake.NewCluster(opts...)
	if err != nil {
		return fmt.Errorf("start kfake on port %d: %w", *port, err)
	}
	defer cluster.Close() // flushes DataDir state on a clean stop
	addrs := cluster.ListenAddrs()
	log.Info("broker listening", "addrs", addrs, "partitions", *partitions, "data_dir", *dataDir, "topics", seed)
	if ready != nil {
		ready <- addrs
	}
	<-ctx.Done()
	log.Info("broker stopping")
	return nil
}

func envInt(key string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(key)); err == nil {
		return v
	}
	return def
}
