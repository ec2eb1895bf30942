// Command demo drives the whole EventAI workflow on real input against a
// running `make run`: it logs in as the admin, creates a company, an
// organizer, a manager and a generated roster of staff, creates the 38C3
// event, imports its real schedule (twice, to show a re-import changes
// nothing), asks the AI to plan and staff it, approves the suggestion as the
// manager and moves a few tasks as staff. It prints timings per step and
// ends with one line:
//
//	sessions=1007 tasks=N staffed_pct=X hard_violations=0 solve_ms=T
//
// Every run uses a fresh suffix for its names, so it can run again against
// the same stack. Flags (each also from the environment):
//
// Exit status: 0 when the workflow ran (or on -h), 1 when it failed, 2 when
// it could not run because its input (the 38C3 schedule) is missing.
//
//	-gateway URL         EVENTAI_GATEWAY_URL; without it http://localhost:<EVENTAI_GATEWAY_PORT>
//	                     (default 8000), the settings `make run` listens by
//	-admin-username      EVENTAI_ADMIN_USERNAME, default admin (or -admin-email / EVENTAI_ADMIN_EMAIL)
//	-admin-password-file where `make run` keeps a generated password (.data/admin-password);
//	                     EVENTAI_ADMIN_PASSWORD wins when set
//	-data-dir            EVENTAI_DATA_DIR, default ../shared/data
//	-time-limit          EVENTAI_DEMO_TIME_LIMIT, the AI's time limit, default 20s
//	-staff, -seed, -parallel, -moves
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/eventai/eventai/deploy/internal/stack"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode is 0 for success and -h, 2 when the demo's input is missing (it
// did not run, which must not look like success), 1 for a failure.
func exitCode(err error, stderr io.Writer) int {
	var missing errNoInput
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &missing):
		fmt.Fprintln(stderr, "demo not run:", missing.why)
		return 2
	default:
		fmt.Fprintln(stderr, "demo failed:", err)
		return 1
	}
}

// errNoInput stops the demo before it starts: its input is not on this machine.
type errNoInput struct{ why string }

func (e errNoInput) Error() string { return e.why }

// defaultGateway is the gateway URL of a `make run` started with the same
// environment: EVENTAI_GATEWAY_PORT moves its port, and EVENTAI_GATEWAY_HOST
// its listen host when that is a specific address rather than all interfaces.
func defaultGateway(getenv func(string) string) (string, error) {
	// The launcher's own names and default, so the two cannot drift apart.
	key := stack.Gateway.PortSetting()
	port := stack.DefaultPorts().Gateway
	if v := getenv(key); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("%s=%q is not a TCP port (1-65535)", key, v)
		}
		port = n
	}
	host := "localhost"
	switch h := getenv("EVENTAI_GATEWAY_HOST"); h {
	case "", "0.0.0.0", "::", "[::]":
	default:
		host = strings.Trim(h, "[]")
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(port)), nil
}

// config is the demo's settings after flags and environment.
type config struct {
	gateway       string
	adminUsername string
	adminEmail    string
	adminPassword string
	passwordFile  string
	dataDir       string
	timeLimit     time.Duration
	staff         int
	seed          uint64
	parallel      int
	moves         int
}

func parseConfig(args []string, getenv func(string) string) (config, error) {
	env := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	var c config
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	gateway := getenv("EVENTAI_GATEWAY_URL")
	if gateway == "" {
		var err error
		if gateway, err = defaultGateway(getenv); err != nil {
			return c, err
		}
	}
	fs.StringVar(&c.gateway, "gateway", gateway, "gateway base URL (env EVENTAI_GATEWAY_URL; else from EVENTAI_GATEWAY_PORT and EVENTAI_GATEWAY_HOST as make run)")
	// Without a username but with EVENTAI_ADMIN_EMAIL the admin logs in by e-mail.
	defUser := "admin"
	if getenv("EVENTAI_ADMIN_USERNAME") == "" && getenv("EVENTAI_ADMIN_EMAIL") != "" {
		defUser = ""
	}
	fs.StringVar(&c.adminUsername, "admin-username", env("EVENTAI_ADMIN_USERNAME", defUser), "bootstrap admin's username (env EVENTAI_ADMIN_USERNAME)")
	fs.StringVar(&c.adminEmail, "admin-email", getenv("EVENTAI_ADMIN_EMAIL"), "bootstrap admin's e-mail, used when no username is given (env EVENTAI_ADMIN_EMAIL)")
	fs.StringVar(&c.passwordFile, "admin-password-file", ".data/admin-password", "file with the admin password that `make run` generated; EVENTAI_ADMIN_PASSWORD wins")
	fs.StringVar(&c.dataDir, "data-dir", env("EVENTAI_DATA_DIR", "../shared/data"), "folder with schedules/38c3-schedule.xml (env EVENTAI_DATA_DIR)")
	defLimit, err := time.ParseDuration(env("EVENTAI_DEMO_TIME_LIMIT", "20s"))
	if err != nil {
		return c, fmt.Errorf("EVENTAI_DEMO_TIME_LIMIT: %w", err)
	}
	fs.DurationVar(&c.timeLimit, "time-limit", defLimit, "the AI's time limit (env EVENTAI_DEMO_TIME_LIMIT)")
	fs.IntVar(&c.staff, "staff", 160, "roster size")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the roster and the optimiser")
	fs.IntVar(&c.parallel, "parallel", 8, "concurrent user creations")
	fs.IntVar(&c.moves, "moves", 3, "staff members who each move one task pending → in_progress → done")
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		fs.SetOutput(os.Stderr)
		fmt.Fprintln(os.Stderr, "usage: demo [flags] (make demo ARGS='...')")
		fs.PrintDefaults()
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %v", fs.Args())
	}
	c.gateway = strings.TrimRight(c.gateway, "/")
	c.adminPassword = getenv("EVENTAI_ADMIN_PASSWORD")
	switch {
	case c.adminUsername == "" && c.adminEmail == "":
		return c, errors.New("give the admin's username or e-mail")
	case c.timeLimit < 10*time.Millisecond || c.timeLimit > 60*time.Second:
		return c, fmt.Errorf("time limit %v: must be between 10ms and 60s", c.timeLimit)
	case c.staff < 1 || c.staff > 2000:
		return c, fmt.Errorf("staff %d: must be 1-2000", c.staff)
	case c.parallel < 1 || c.parallel > 32:
		return c, fmt.Errorf("parallel %d: must be 1-32", c.parallel)
	case c.moves < 0 || c.moves > 50:
		return c, fmt.Errorf("moves %d: must be 0-50", c.moves)
	}
	return c, nil
}

// password is EVENTAI_ADMIN_PASSWORD, else the file `make run` keeps.
func (c config) password() (string, error) {
	if c.adminPassword != "" {
		return c.adminPassword, nil
	}
	data, err := os.ReadFile(c.passwordFile)
	if err != nil {
		return "", fmt.Errorf("no admin password: set EVENTAI_ADMIN_PASSWORD or run from the repository root of a `make run` that keeps it in %s (%w)", c.passwordFile, err)
	}
	p := strings.TrimSpace(string(data))
	if p == "" {
		return "", fmt.Errorf("admin password file %s is empty", c.passwordFile)
	}
	return p, nil
}

func run(ctx context.Context, args []string, out io.Writer) error {
	cfg, err := parseConfig(args, os.Getenv)
	if err != nil {
		return err
	}
	return newDemo(cfg, out).run(ctx)
}

// itoa is strconv.Itoa, short for the printouts.
func itoa(n int) string { return strconv.Itoa(n) }
