// Command devrun is the local launcher behind `make run` and `make test`:
//
//	devrun run     build and start the whole stack, stop it on Ctrl-C
//	devrun pg-url  make sure a PostgreSQL is reachable for tests and print its URL
//	devrun stop    stop a running `devrun run` and the private PostgreSQL
//	devrun build   build the binaries of `run` into bin/
//	devrun db-url  print the database URL `run` gives the services (to run one alone)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/eventai/eventai/deploy/internal/stack"
)

func main() {
	os.Exit(exitCode(run(os.Args[1:]), os.Stderr))
}

// exitCode is 0 for success and for a help request (-h), 1 otherwise.
func exitCode(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintln(stderr, "devrun:", err)
	return 1
}

func run(args []string) error {
	if len(args) == 0 {
		usage(os.Stderr)
		return errors.New("missing command")
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(os.Stdout)
		return nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts, err := parseOptions(args[0], args[1:])
	if err != nil {
		return err
	}
	switch args[0] {
	case "run":
		return cmdRun(ctx, opts)
	case "pg-url":
		return cmdPGURL(ctx, opts)
	case "db-url":
		return cmdDBURL(ctx, opts, os.Stdout)
	case "stop":
		return cmdStop(ctx, opts)
	case "build":
		return cmdBuild(ctx, opts)
	default:
		usage(os.Stderr)
		return fmt.Errorf("unknown command %q", args[0])
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: devrun <command> [flags]
  run      build and start PostgreSQL (unless DATABASE_URL), the broker (unless KAFKA_BROKERS),
           every service that exists and the gateway; Ctrl-C stops them in reverse order
  pg-url   print a PostgreSQL URL for tests (TEST_DATABASE_URL, DATABASE_URL, 127.0.0.1:5432,
           else the private cluster in .data/pg)
  db-url   print the database URL 'run' gives the services: DATABASE_URL when set, else the
           eventai database of the private cluster in .data/pg (started and created if needed;
           'devrun stop' stops it), e.g. DATABASE_URL=$(bin/devrun db-url) go run ./services/event/cmd/event
  stop     stop a running 'devrun run' and the private PostgreSQL
  build    build the binaries of 'run' into bin/
Run 'devrun <command> -h' for the flags (each also settable as EVENTAI_<FLAG> in the environment).
`)
}

// options are the flags shared by the commands; each defaults from the
// environment so that `make run` needs no arguments.
type options struct {
	root        string
	ports       map[string]*int
	pgPort      int
	gatewayHost string
	logLevel    string
	installPG   bool
	quiet       bool
}

func parseOptions(cmd string, args []string) (options, error) {
	fs := flag.NewFlagSet("devrun "+cmd, flag.ContinueOnError)
	o := options{ports: map[string]*int{}}
	// A malformed port setting is an error, not silently the default: the
	// demo reads the same settings and would then talk to another port.
	var bad []error
	envPort := func(key string, def int) int {
		v := os.Getenv(key)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			bad = append(bad, fmt.Errorf("%s=%q is not a TCP port (1-65535)", key, v))
			return def
		}
		return n
	}
	fs.StringVar(&o.root, "root", envString("EVENTAI_ROOT", "."), "repository root (or any directory below it)")
	defaults := stack.DefaultPorts()
	for _, c := range stack.All() {
		key := c.PortSetting()
		o.ports[c.Name] = fs.Int(c.Name+"-port", envPort(key, defaults.Of(c.Name)), c.Name+" port (env "+key+")")
	}
	fs.IntVar(&o.pgPort, "pg-port", envPort("EVENTAI_PG_PORT", 55432), "port of the private PostgreSQL cluster (env EVENTAI_PG_PORT)")
	fs.StringVar(&o.gatewayHost, "gateway-host", envString("EVENTAI_GATEWAY_HOST", ""), "gateway listen host; empty = all interfaces (env EVENTAI_GATEWAY_HOST)")
	fs.StringVar(&o.logLevel, "log-level", envString("LOG_LEVEL", "info"), "LOG_LEVEL passed to every process")
	fs.BoolVar(&o.installPG, "install-pg", envString("EVENTAI_INSTALL_PG", "1") != "0", "install PostgreSQL with apt-get when missing and root (env EVENTAI_INSTALL_PG=0 disables)")
	fs.BoolVar(&o.quiet, "quiet", false, "do not echo process output to the terminal (log files only)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %v", fs.Args())
	}
	return o, errors.Join(bad...)
}
