package stack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// InstallCommand is what the launcher runs (as root) or tells the user to run
// when the PostgreSQL server binaries are missing.
const InstallCommand = "apt-get install -y postgresql"

// PGConfig describes the private PostgreSQL cluster of a checkout.
type PGConfig struct {
	// Dir holds the cluster: Dir/data (PGDATA) and Dir/run (socket directory).
	Dir string
	// LogDir receives postgres.log.
	LogDir string
	// Port is the TCP port on 127.0.0.1 (55432 by default for make run).
	Port int
	// AllowInstall lets the launcher install the OS package when binaries are
	// missing (only effective as root with apt-get).
	AllowInstall bool
	// Out receives progress messages; may be nil.
	Out *SyncWriter
}

// Postgres is a private cluster managed by the launcher.
type Postgres struct {
	cfg     PGConfig
	bin     string
	asRoot  bool
	started bool
}

// ServerURL is the URL of the cluster's maintenance database `postgres`.
func (p *Postgres) ServerURL() string { return LocalURL(p.cfg.Port, "postgres") }

// URL is the URL of database db on the cluster.
func (p *Postgres) URL(db string) string { return LocalURL(p.cfg.Port, db) }

// StartedHere reports whether this launcher started the server (and so stops it).
func (p *Postgres) StartedHere() bool { return p.started }

// LocalURL is the trust-auth URL of database db on 127.0.0.1:port.
func LocalURL(port int, db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", port, db)
}

// FindPGBin locates the directory of pg_ctl/initdb/postgres: the newest
// /usr/lib/postgresql/<v>/bin (Debian), /usr/pgsql-<v>/bin (RHEL), else PATH.
func FindPGBin() (string, error) {
	var dirs []string
	for _, pattern := range []string{"/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin"} {
		m, _ := filepath.Glob(pattern)
		dirs = append(dirs, m...)
	}
	// Highest major version first.
	sort.Slice(dirs, func(i, j int) bool { return pgVersion(dirs[i]) > pgVersion(dirs[j]) })
	for _, d := range dirs {
		if hasPGBinaries(d) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		// Resolve symlinks so that initdb/postgres are taken from the same installation.
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		if d := filepath.Dir(p); hasPGBinaries(d) {
			return d, nil
		}
	}
	return "", errors.New("PostgreSQL server binaries (initdb, pg_ctl, postgres) not found")
}

func pgVersion(binDir string) int {
	base := filepath.Base(filepath.Dir(binDir))
	base = strings.TrimPrefix(base, "pgsql-")
	v, _ := strconv.Atoi(strings.SplitN(base, ".", 2)[0])
	return v
}

func hasPGBinaries(dir string) bool {
	for _, b := range []string{"initdb", "pg_ctl", "postgres"} {
		if st, err := os.Stat(filepath.Join(dir, b)); err != nil || st.IsDir() {
			return false
		}
	}
	return true
}

// ensurePGBin finds the binaries or installs them through apt-get when allowed.
func ensurePGBin(ctx context.Context, cfg PGConfig) (string, error) {
	bin, err := FindPGBin()
	if err == nil {
		return bin, nil
	}
	_, aptErr := exec.LookPath("apt-get")
	if os.Geteuid() != 0 || aptErr != nil || !cfg.AllowInstall {
		prefix := ""
		if os.Geteuid() != 0 {
			prefix = "sudo "
		}
		return "", fmt.Errorf("%w; install them with `%s%s` (Debian/Ubuntu; `dnf install postgresql-server` on Fedora/RHEL), or point DATABASE_URL at a running server", err, prefix, InstallCommand)
	}
	cfg.Out.Printf("devrun     | PostgreSQL binaries missing: running `apt-get update && %s`", InstallCommand)
	for _, args := range [][]string{{"update", "-q"}, {"install", "-y", "-q", "postgresql"}} {
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("apt-get %s: %w\n%s", strings.Join(args, " "), err, tailBytes(out, 20))
		}
	}
	return FindPGBin()
}

// EnsurePostgres makes the private cluster run: installs the binaries when
// missing and allowed, initialises the cluster on first use, starts it
// unless it already runs (a second launcher reuses it and its data).
func EnsurePostgres(ctx context.Context, cfg PGConfig) (*Postgres, error) {
	bin, err := ensurePGBin(ctx, cfg)
	if err != nil {
		return nil, err
	}
	p := &Postgres{cfg: cfg, bin: bin, asRoot: os.Geteuid() == 0}
	if err := p.init(ctx); err != nil {
		return nil, err
	}
	if p.running(ctx) {
		cfg.Out.Printf("devrun     | reusing the running PostgreSQL in %s", p.dataDir())
		if port := p.runningPort(); port != 0 && port != cfg.Port {
			p.cfg.Port = port
			cfg.Out.Printf("devrun     | it listens on port %d", port)
		}
		return p, nil
	}
	if err := portFree(cfg.Port); err != nil {
		return nil, fmt.Errorf("start PostgreSQL on 127.0.0.1:%d: %w (set EVENTAI_PG_PORT or DATABASE_URL)", cfg.Port, err)
	}
	logPath := filepath.Join(cfg.LogDir, "postgres.log")
	if err := p.prepareFile(logPath); err != nil {
		return nil, err
	}
	// pg_ctl appends to the log: on failure show only what this start wrote.
	var logStart int64
	if st, err := os.Stat(logPath); err == nil {
		logStart = st.Size()
	}
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -k '%s'", cfg.Port, p.sockDir())
	if out, err := p.pgCmd(ctx, "pg_ctl", "-D", p.dataDir(), "-l", logPath, "-w", "-t", "60", "-o", opts, "start"); err != nil {
		return nil, fmt.Errorf("pg_ctl start: %w\n%s\n%s", err, out, TailFileFrom(logPath, logStart, 20))
	}
	p.started = true
	cfg.Out.Printf("devrun     | PostgreSQL started on 127.0.0.1:%d (data in %s)", cfg.Port, p.dataDir())
	return p, nil
}

// ExistingPostgres describes the private cluster without starting anything
// (used by `devrun stop`).
func ExistingPostgres(cfg PGConfig) (*Postgres, error) {
	bin, err := FindPGBin()
	if err != nil {
		return nil, err
	}
	return &Postgres{cfg: cfg, bin: bin, asRoot: os.Geteuid() == 0, started: true}, nil
}

func (p *Postgres) dataDir() string { return filepath.Join(p.cfg.Dir, "data") }
func (p *Postgres) sockDir() string { return filepath.Join(p.cfg.Dir, "run") }

// init creates the cluster once; PG_VERSION marks an initialised directory.
func (p *Postgres) init(ctx context.Context) error {
	for _, d := range []string{p.cfg.Dir, p.sockDir(), p.cfg.LogDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", d, err)
		}
	}
	if err := p.chown(p.cfg.Dir); err != nil {
		return err
	}
	if err := p.chown(p.sockDir()); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(p.dataDir(), "PG_VERSION")); err == nil {
		return nil
	}
	p.cfg.Out.Printf("devrun     | initialising a PostgreSQL cluster in %s", p.dataDir())
	out, err := p.pgCmd(ctx, "initdb", "-D", p.dataDir(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	if err != nil {
		hint := ""
		if p.asRoot && strings.Contains(string(out), "Permission denied") {
			hint = "\n(the postgres user must be able to enter every parent directory of " + p.dataDir() + ": chmod o+x them, or set DATABASE_URL)"
		}
		return fmt.Errorf("initdb: %w\n%s%s", err, out, hint)
	}
	// Trust, but only over the socket and loopback: the server listens on 127.0.0.1 only.
	hba := "# written by devrun: trust on the socket and loopback only\n" +
		"local all all trust\n" +
		"host  all all 127.0.0.1/32 trust\n"
	if err := os.WriteFile(filepath.Join(p.dataDir(), "pg_hba.conf"), []byte(hba), 0o600); err != nil {
		return fmt.Errorf("write pg_hba.conf: %w", err)
	}
	return nil
}

// Running reports whether the cluster's server is up.
func (p *Postgres) Running(ctx context.Context) bool { return p.running(ctx) }

// running asks pg_ctl whether the cluster's postmaster is alive.
func (p *Postgres) running(ctx context.Context) bool {
	_, err := p.pgCmd(ctx, "pg_ctl", "-D", p.dataDir(), "status")
	return err == nil
}

// runningPort reads the port from postmaster.pid (line 4).
func (p *Postgres) runningPort() int {
	data, err := os.ReadFile(filepath.Join(p.dataDir(), "postmaster.pid"))
	if err != nil {
		return 0
	}
	lines := strings.Split(string(data), "\n")
	if len(lines) < 4 {
		return 0
	}
	port, _ := strconv.Atoi(strings.TrimSpace(lines[3]))
	return port
}

// Stop stops the server with pg_ctl stop -m fast when this launcher started it.
func (p *Postgres) Stop(ctx context.Context) error {
	if !p.started {
		return nil
	}
	if !p.running(ctx) {
		return nil
	}
	if out, err := p.pgCmd(ctx, "pg_ctl", "-D", p.dataDir(), "-m", "fast", "-w", "-t", "60", "stop"); err != nil {
		return fmt.Errorf("pg_ctl stop: %w\n%s", err, out)
	}
	p.started = false
	return nil
}

// pgCmd runs a PostgreSQL binary; as root through runuser as the postgres
// user, because initdb, pg_ctl and postgres refuse to run as root.
func (p *Postgres) pgCmd(ctx context.Context, name string, args ...string) ([]byte, error) {
	path := filepath.Join(p.bin, name)
	var cmd *exec.Cmd
	if p.asRoot {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, path, args...)
	}
	// Its own process group: a Ctrl-C on the terminal must not kill the
	// server behind the launcher's back (the launcher stops it in order).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	// pg_ctl start leaves the server holding its stdout; a file (not a pipe)
	// keeps CombinedOutput from waiting for the server to exit.
	tmp, err := os.CreateTemp("", "devrun-pg-*.out")
	if err != nil {
		return nil, fmt.Errorf("temp file: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	cmd.Stdout, cmd.Stderr = tmp, tmp
	runErr := cmd.Run()
	_, _ = tmp.Seek(0, io.SeekStart)
	out, _ := io.ReadAll(tmp)
	return out, runErr
}

func (p *Postgres) chown(path string) error {
	if !p.asRoot {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("look up the postgres user (created by the PostgreSQL package): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(path, uid, gid); err != nil {
		return fmt.Errorf("chown %s to postgres: %w", path, err)
	}
	return nil
}

func (p *Postgres) prepareFile(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	f.Close()
	return p.chown(path)
}

// Ping connects to url and runs SELECT 1.
func Ping(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	var one int
	return conn.QueryRow(ctx, "SELECT 1").Scan(&one)
}

// CreateDatabase creates database name on the server of serverURL unless it exists.
func CreateDatabase(ctx context.Context, serverURL, name string) error {
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return fmt.Errorf("connect %s: %w", redact(serverURL), err)
	}
	defer conn.Close(context.Background())
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// DropDatabase drops database name, disconnecting its sessions.
func DropDatabase(ctx context.Context, serverURL, name string) error {
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return fmt.Errorf("connect %s: %w", redact(serverURL), err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// WithDatabase returns serverURL with its database replaced by name.
func WithDatabase(serverURL, name string) (string, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", fmt.Errorf("parse database URL: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// redact hides a password in a URL for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparsable URL>"
	}
	return u.Redacted()
}

func portFree(port int) error {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("port %d is in use", port)
	}
	return l.Close()
}

// FreePort asks the kernel for an unused TCP port on 127.0.0.1.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tailBytes(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
