// Command devrun is the local launcher behind `make run` and `make test`:
//
//	devrun run     build and start the whole stack, stop it on Ctrl-C
//	devrun pg-url  make sure a PostgreSQL is reachable for tests and print its URL
//	devrun stop    stop a running `devrun run` and the private PostgreSQL
//	devrun build   build the binaries of `run` into bin/
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "devrun:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		usage()
		return errors.New("missing command")
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
	case "stop":
		return cmdStop(ctx, opts)
	case "build":
		return cmdBuild(ctx, opts)
	default:
		usage()
		return fmt.Errorf("unknown command %q", args[0])
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `usage: devrun <command> [flags]
  run      build and start PostgreSQL (unless DATABASE_URL), the broker (unless KAFKA_BROKERS),
           every service that exists and the gateway; Ctrl-C stops them in reverse order
  pg-url   print a PostgreSQL URL for tests (TEST_DATABASE_URL, DATABASE_URL, 127.0.0.1:5432,
           else the private cluster in .data/pg)
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
	fs.StringVar(&o.root, "root", envString("EVENTAI_ROOT", "."), "repository root (or any directory below it)")
	defaults := map[string]int{"gateway": 8000, "identity": 8101, "company": 8102, "event": 8103, "task": 8104, "suggestion": 8105, "broker": 9092}
	for _, name := range []string{"gateway", "identity", "company", "event", "task", "suggestion", "broker"} {
		o.ports[name] = fs.Int(name+"-port", envInt("EVENTAI_"+upper(name)+"_PORT", defaults[name]), name+" port (env EVENTAI_"+upper(name)+"_PORT)")
	}
	fs.IntVar(&o.pgPort, "pg-port", envInt("EVENTAI_PG_PORT", 55432), "port of the private PostgreSQL cluster (env EVENTAI_PG_PORT)")
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
	return o, nil
}
