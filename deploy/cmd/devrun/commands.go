package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/eventai/eventai/deploy/internal/stack"
)

// paths are the launcher's files below the repository root.
type paths struct {
	root, data, bin, logs, pg, pidFile, adminFile string
}

func resolvePaths(o options) (paths, error) {
	root, err := stack.FindRoot(o.root)
	if err != nil {
		return paths{}, err
	}
	data := filepath.Join(root, ".data")
	return paths{
		root:      root,
		data:      data,
		bin:       filepath.Join(root, "bin"),
		logs:      filepath.Join(data, "logs"),
		pg:        filepath.Join(data, "pg"),
		pidFile:   filepath.Join(data, "devrun.pid"),
		adminFile: filepath.Join(data, "admin-password"),
	}, nil
}

func cmdRun(ctx context.Context, o options) error {
	p, err := resolvePaths(o)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(p.logs, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", p.logs, err)
	}
	if err := claimPIDFile(p.pidFile); err != nil {
		return err
	}
	defer os.Remove(p.pidFile)
	out := stack.NewSyncWriter(os.Stdout)
	if o.quiet {
		out = stack.NewSyncWriter(io.Discard)
	}
	begin := time.Now()

	// Everything that can fail without starting anything comes first: which
	// components exist and whether their ports are free. A busy port found
	// after PostgreSQL, the broker and five services started is a slow and
	// noisy way to learn that port 8000 is taken.
	comps := stack.All()
	kafka := os.Getenv("KAFKA_BROKERS")
	if kafka != "" {
		comps = comps[1:] // no embedded broker
	}
	present, notes := stack.Runnable(p.root, comps)
	for _, n := range notes {
		out.Printf("devrun     | %s", n)
	}
	if kafka == "" && !stack.Broker.Exists(p.root) {
		return fmt.Errorf("no Kafka: set KAFKA_BROKERS, or add the embedded broker (%s)", stack.Broker.Main)
	}
	ports := o.stackPorts()
	if err := stack.CheckPorts(ports, present, o.gatewayHost); err != nil {
		return err
	}

	// PostgreSQL next: the services migrate at start.
	dbURL, pg, err := runDatabase(ctx, o, p, out)
	if err != nil {
		return err
	}
	if pg != nil {
		defer stopPostgres(pg, out)
	}
	out.Printf("devrun     | building %d binaries into %s", len(present), p.bin)
	if err := stack.Build(ctx, p.root, p.bin, present, os.Stderr); err != nil {
		return err
	}

	admin, err := adminLogin(p.adminFile)
	if err != nil {
		return err
	}
	st, err := stack.Start(ctx, stack.Config{
		Root:         p.root,
		BinDir:       p.bin,
		DataDir:      p.data,
		Ports:        ports,
		GatewayHost:  o.gatewayHost,
		DatabaseURL:  dbURL,
		KafkaBrokers: kafka,
		BaseEnv:      os.Environ(),
		Env:          append(admin.env(), "LOG_LEVEL="+o.logLevel),
		Components:   present,
		Out:          out,
	})
	if err != nil {
		return err
	}
	defer st.Stop()

	host := "localhost"
	out.Printf("\nEventAI is up after %s.", time.Since(begin).Round(100*time.Millisecond))
	if slices.Contains(present, stack.Gateway) {
		out.Printf("  gateway   http://%s:%d", host, ports.Gateway)
		out.Printf("  API docs  http://%s:%d/docs", host, ports.Gateway)
	} else {
		out.Printf("  (no gateway yet: services answer on 127.0.0.1:%d..%d)", ports.Identity, ports.Suggestion)
	}
	out.Printf("  admin     %s / %s%s", admin.username, admin.password, admin.note)
	out.Printf("  database  %s", redactURL(dbURL))
	out.Printf("  kafka     %s", st.Brokers())
	out.Printf("  logs      %s/<process>.log", p.logs)
	out.Printf("Press Ctrl-C to stop.\n")

	watchExits(ctx, st, out)
	<-ctx.Done()
	out.Printf("devrun     | stopping")
	return nil
}

// watchExits reports a process that dies while the stack runs, with its log tail.
func watchExits(ctx context.Context, st *stack.Stack, out *stack.SyncWriter) {
	for _, p := range st.Processes() {
		go func() {
			select {
			case <-ctx.Done():
			case <-p.Done():
				if ctx.Err() == nil {
					_, werr := p.Exited()
					out.Printf("devrun     | %s exited unexpectedly (%v); last lines:\n%s", p.Name, werr, p.Tail(20))
				}
			}
		}()
	}
}

// runDatabase is the database `devrun run` gives the services: DATABASE_URL
// when set (it must answer), else the eventai database of the private
// cluster, which is started (pg then says whether this call started it) and
// the database created when needed. pg is nil with DATABASE_URL.
func runDatabase(ctx context.Context, o options, p paths, out *stack.SyncWriter) (url string, pg *stack.Postgres, err error) {
	if url := os.Getenv("DATABASE_URL"); url != "" {
		if err := stack.Ping(ctx, url); err != nil {
			return "", nil, fmt.Errorf("DATABASE_URL is set but does not answer: %w", err)
		}
		return url, nil, nil
	}
	pg, err = stack.EnsurePostgres(ctx, stack.PGConfig{Dir: p.pg, LogDir: p.logs, Port: o.pgPort, AllowInstall: o.installPG, Out: out})
	if err != nil {
		return "", nil, err
	}
	if err := stack.CreateDatabase(ctx, pg.ServerURL(), "eventai"); err != nil {
		if pg.StartedHere() {
			stopPostgres(pg, out)
		}
		return "", nil, err
	}
	return pg.URL("eventai"), pg, nil
}

// cmdDBURL prints the URL runDatabase resolves, so one service can run
// alone against the database `devrun run` uses. Progress goes to stderr;
// stdout carries only the URL. A private cluster it starts keeps running
// (`devrun stop` stops it), as with pg-url.
func cmdDBURL(ctx context.Context, o options, stdout io.Writer) error {
	p, err := resolvePaths(o)
	if err != nil {
		return err
	}
	url, _, err := runDatabase(ctx, o, p, stack.NewSyncWriter(os.Stderr))
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, url)
	return err
}

func stopPostgres(pg *stack.Postgres, out *stack.SyncWriter) {
	if !pg.StartedHere() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := pg.Stop(ctx); err != nil {
		out.Printf("devrun     | %v", err)
		return
	}
	out.Printf("devrun     | PostgreSQL stopped")
}

func cmdBuild(ctx context.Context, o options) error {
	p, err := resolvePaths(o)
	if err != nil {
		return err
	}
	present, notes := stack.Runnable(p.root, stack.All())
	for _, n := range notes {
		fmt.Fprintln(os.Stderr, "devrun:", n)
	}
	if err := stack.Build(ctx, p.root, p.bin, present, os.Stderr); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "devrun: built %d binaries into %s\n", len(present), p.bin)
	return nil
}

func cmdPGURL(ctx context.Context, o options) error {
	for _, key := range []string{"TEST_DATABASE_URL", "DATABASE_URL"} {
		if v := os.Getenv(key); v != "" {
			fmt.Println(v)
			return nil
		}
	}
	// The usual local server; EVENTAI_SYSTEM_PG_URL names another one to probe.
	system := envString("EVENTAI_SYSTEM_PG_URL", stack.LocalURL(5432, "postgres"))
	if err := stack.Ping(ctx, system); err == nil {
		fmt.Println(system)
		return nil
	}
	p, err := resolvePaths(o)
	if err != nil {
		return err
	}
	// Progress goes to stderr: stdout carries only the URL.
	pg, err := stack.EnsurePostgres(ctx, stack.PGConfig{Dir: p.pg, LogDir: p.logs, Port: o.pgPort, AllowInstall: o.installPG, Out: stack.NewSyncWriter(os.Stderr)})
	if err != nil {
		return err
	}
	if err := stack.Ping(ctx, pg.ServerURL()); err != nil {
		return fmt.Errorf("private PostgreSQL does not answer: %w", err)
	}
	fmt.Println(pg.ServerURL())
	return nil
}

func cmdStop(ctx context.Context, o options) error {
	p, err := resolvePaths(o)
	if err != nil {
		return err
	}
	if pid, err := readPID(p.pidFile); err == nil && alive(pid) {
		fmt.Fprintf(os.Stderr, "devrun: stopping devrun run (pid %d)\n", pid)
		_ = syscall.Kill(pid, syscall.SIGTERM)
		deadline := time.Now().Add(60 * time.Second)
		for alive(pid) && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if alive(pid) {
			return fmt.Errorf("devrun run (pid %d) still running after 60 s", pid)
		}
	}
	if _, err := os.Stat(filepath.Join(p.pg, "data", "PG_VERSION")); err != nil {
		return nil
	}
	pg, err := stack.ExistingPostgres(stack.PGConfig{Dir: p.pg, LogDir: p.logs, Port: o.pgPort})
	if err != nil {
		return err
	}
	if !pg.Running(ctx) {
		return nil
	}
	if err := pg.Stop(ctx); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "devrun: private PostgreSQL stopped")
	return nil
}

// claimPIDFile records this launcher so `devrun stop` can find it, and
// refuses to start twice on the same .data.
func claimPIDFile(path string) error {
	if pid, err := readPID(path); err == nil && pid != os.Getpid() && alive(pid) {
		return fmt.Errorf("another devrun run (pid %d) uses this checkout; stop it with `devrun stop`", pid)
	}
	if err := os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func readPID(path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(data)))
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// admin is the bootstrap admin passed to identity.
type admin struct {
	username, email, password, note string
}

func (a admin) env() []string {
	return []string{
		"EVENTAI_ADMIN_USERNAME=" + a.username,
		"EVENTAI_ADMIN_EMAIL=" + a.email,
		"EVENTAI_ADMIN_PASSWORD=" + a.password,
	}
}

// adminLogin takes EVENTAI_ADMIN_* from the environment; without a password
// it reuses or creates a generated one kept in file (0600), so a second run
// logs in with the same credentials as the first.
func adminLogin(file string) (admin, error) {
	a := admin{
		username: envString("EVENTAI_ADMIN_USERNAME", "admin"),
		email:    envString("EVENTAI_ADMIN_EMAIL", "admin@example.com"),
		password: os.Getenv("EVENTAI_ADMIN_PASSWORD"),
	}
	if a.password != "" {
		a.note = " (from EVENTAI_ADMIN_PASSWORD)"
		return a, nil
	}
	data, err := os.ReadFile(file)
	switch {
	case err == nil && len(strings.TrimSpace(string(data))) > 0:
		a.password = strings.TrimSpace(string(data))
		a.note = " (kept in " + file + ")"
		return a, nil
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return a, fmt.Errorf("read %s: %w", file, err)
	}
	buf := make([]byte, 18)
	if _, err := rand.Read(buf); err != nil {
		return a, fmt.Errorf("generate admin password: %w", err)
	}
	a.password = base64.RawURLEncoding.EncodeToString(buf)
	if err := os.WriteFile(file, []byte(a.password+"\n"), 0o600); err != nil {
		return a, fmt.Errorf("write %s: %w", file, err)
	}
	a.note = " (generated now, kept in " + file + ")"
	return a, nil
}

func envString(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

// stackPorts are the ports of the options as the stack wants them.
func (o options) stackPorts() stack.Ports {
	port := func(name string) int { return *o.ports[name] }
	return stack.Ports{
		Gateway: port("gateway"), Identity: port("identity"), Company: port("company"), Event: port("event"),
		Task: port("task"), Suggestion: port("suggestion"), Broker: port("broker"),
	}
}

func redactURL(raw string) string {
	if i := strings.Index(raw, "://"); i >= 0 {
		if at := strings.Index(raw[i+3:], "@"); at >= 0 {
			cred := raw[i+3 : i+3+at]
			if c := strings.Index(cred, ":"); c >= 0 {
				return raw[:i+3] + cred[:c] + ":xxxxx" + raw[i+3+at:]
			}
		}
	}
	return raw
}
