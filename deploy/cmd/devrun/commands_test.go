package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eventai/eventai/deploy/internal/stack"
)

func TestAdminLoginGeneratedOnceThenReused(t *testing.T) {
	t.Setenv("EVENTAI_ADMIN_USERNAME", "")
	t.Setenv("EVENTAI_ADMIN_EMAIL", "")
	t.Setenv("EVENTAI_ADMIN_PASSWORD", "")
	file := filepath.Join(t.TempDir(), "admin-password")

	first, err := adminLogin(file)
	if err != nil {
		t.Fatal(err)
	}
	if first.username != "admin" || len(first.password) < 20 {
		t.Fatalf("generated login = %q / %q, want admin and a long password", first.username, first.password)
	}
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("password file mode = %v, want 0600", st.Mode().Perm())
	}
	data, _ := os.ReadFile(file)
	if strings.TrimSpace(string(data)) != first.password {
		t.Fatalf("file holds %q, printed password is %q", data, first.password)
	}

	second, err := adminLogin(file)
	if err != nil {
		t.Fatal(err)
	}
	if second.password != first.password {
		t.Fatalf("second run password %q differs from the first %q", second.password, first.password)
	}
}

func TestAdminLoginFromEnvironment(t *testing.T) {
	t.Setenv("EVENTAI_ADMIN_USERNAME", "root")
	t.Setenv("EVENTAI_ADMIN_EMAIL", "root@example.org")
	t.Setenv("EVENTAI_ADMIN_PASSWORD", "from-env-123")
	file := filepath.Join(t.TempDir(), "admin-password")
	a, err := adminLogin(file)
	if err != nil {
		t.Fatal(err)
	}
	env := strings.Join(a.env(), " ")
	want := "EVENTAI_ADMIN_USERNAME=root EVENTAI_ADMIN_EMAIL=root@example.org EVENTAI_ADMIN_PASSWORD=from-env-123"
	if env != want {
		t.Fatalf("env = %q, want %q", env, want)
	}
	if _, err := os.Stat(file); err == nil {
		t.Fatal("a password from the environment was written to disk")
	}
}

func TestPortsFromEnvironment(t *testing.T) {
	t.Setenv("EVENTAI_GATEWAY_PORT", "18000")
	t.Setenv("EVENTAI_PG_PORT", "")
	o, err := parseOptions("run", []string{"-broker-port", "19092"})
	if err != nil {
		t.Fatal(err)
	}
	if *o.ports["gateway"] != 18000 || *o.ports["broker"] != 19092 || *o.ports["identity"] != 8101 || o.pgPort != 55432 {
		t.Fatalf("ports gateway=%d broker=%d identity=%d pg=%d, want 18000 19092 8101 55432",
			*o.ports["gateway"], *o.ports["broker"], *o.ports["identity"], o.pgPort)
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:secret@h:5432/db": "postgres://u:xxxxx@h:5432/db",
		"postgres://postgres@h/db":      "postgres://postgres@h/db",
	} {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// isolate clears the settings a developer's shell may hold, so a test sees
// only what it sets.
func isolate(t *testing.T) {
	t.Helper()
	for _, c := range stack.All() {
		t.Setenv(c.PortSetting(), "")
	}
	for _, k := range []string{"EVENTAI_PG_PORT", "EVENTAI_ROOT", "EVENTAI_GATEWAY_HOST", "DATABASE_URL", "KAFKA_BROKERS", "EVENTAI_INSTALL_PG"} {
		t.Setenv(k, "")
	}
}

// fakeRoot is a repository root where every component has a main package.
func fakeRoot(t *testing.T, dir string) string {
	t.Helper()
	write := func(rel, body string) {
		path := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.work", "go 1.26.0\n")
	for _, c := range stack.All() {
		write(filepath.Join(c.Main, "main.go"), "package main\n\nfunc main() {}\n")
	}
	return dir
}

func TestHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{{"run", "-h"}, {"db-url", "-help"}, {"-h"}, {"help"}} {
		err := run(args)
		if code := exitCode(err, io.Discard); code != 0 {
			t.Errorf("devrun %v: exit %d (%v), want 0", args, code, err)
		}
	}
	var stderr strings.Builder
	if code := exitCode(run([]string{"run", "-nope"}), &stderr); code != 1 || !strings.Contains(stderr.String(), "-nope") {
		t.Errorf("unknown flag: exit %d, stderr %q; want 1 naming the flag", code, stderr.String())
	}
	if code := exitCode(run([]string{"launch"}), io.Discard); code != 1 {
		t.Errorf("unknown command: exit %d, want 1", code)
	}
}

func TestMalformedPortSettingIsAnError(t *testing.T) {
	isolate(t)
	t.Setenv("EVENTAI_GATEWAY_PORT", "80OO")
	if _, err := parseOptions("run", nil); err == nil || !strings.Contains(err.Error(), `EVENTAI_GATEWAY_PORT="80OO"`) {
		t.Fatalf("parseOptions with EVENTAI_GATEWAY_PORT=80OO: %v, want an error naming it", err)
	}
	t.Setenv("EVENTAI_GATEWAY_PORT", "")
	t.Setenv("EVENTAI_PG_PORT", "70000")
	if _, err := parseOptions("run", nil); err == nil || !strings.Contains(err.Error(), "EVENTAI_PG_PORT") {
		t.Fatalf("parseOptions with EVENTAI_PG_PORT=70000: %v, want an error naming it", err)
	}
}

// With the gateway's port taken, run fails before it touches PostgreSQL or
// builds anything, and says which setting moves the port.
func TestRunFailsFastOnBusyPort(t *testing.T) {
	isolate(t)
	root := fakeRoot(t, t.TempDir())
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	busy := l.Addr().(*net.TCPAddr).Port
	free, err := stack.FreePorts()
	if err != nil {
		t.Fatal(err)
	}
	// A database that cannot answer: reaching it would be a different error.
	t.Setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:1/eventai?sslmode=disable")
	args := []string{"-root", root, "-quiet", "-install-pg=false", "-gateway-port", strconv.Itoa(busy)}
	for _, c := range stack.All()[:len(stack.All())-1] {
		args = append(args, "-"+c.Name+"-port", strconv.Itoa(free.Of(c.Name)))
	}
	o, err := parseOptions("run", args)
	if err != nil {
		t.Fatal(err)
	}
	err = cmdRun(t.Context(), o)
	if err == nil || !strings.Contains(err.Error(), "gateway: port "+strconv.Itoa(busy)+" is in use") ||
		!strings.Contains(err.Error(), "EVENTAI_GATEWAY_PORT") {
		t.Fatalf("run on a busy gateway port: %v, want an error naming the port and EVENTAI_GATEWAY_PORT", err)
	}
	for _, dir := range []string{filepath.Join(root, "bin"), filepath.Join(root, ".data", "pg")} {
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("%s exists (%v): run did work before failing", dir, err)
		}
	}
	if _, err := os.Stat(filepath.Join(root, ".data", "devrun.pid")); !os.IsNotExist(err) {
		t.Errorf("pid file left behind: %v", err)
	}
}

func TestDBURLFromEnvironment(t *testing.T) {
	isolate(t)
	root := fakeRoot(t, t.TempDir())
	server := os.Getenv("TEST_DATABASE_URL")
	if server == "" {
		server = stack.LocalURL(5432, "postgres")
	}
	if err := stack.Ping(t.Context(), server); err != nil {
		t.Skipf("no PostgreSQL at %s: %v", server, err)
	}
	o, err := parseOptions("db-url", []string{"-root", root})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("DATABASE_URL", server)
	var out strings.Builder
	if err := cmdDBURL(t.Context(), o, &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != server+"\n" {
		t.Fatalf("db-url printed %q, want DATABASE_URL %q", out.String(), server)
	}
	t.Setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:1/eventai?sslmode=disable")
	out.Reset()
	if err := cmdDBURL(t.Context(), o, &out); err == nil || !strings.Contains(err.Error(), "does not answer") || out.Len() != 0 {
		t.Fatalf("db-url with a dead DATABASE_URL: %v, printed %q; want an error and nothing printed", err, out.String())
	}
}

// Without DATABASE_URL, db-url starts the private cluster as run does and
// prints its eventai database, which then answers; stop stops the cluster.
func TestDBURLPrivateCluster(t *testing.T) {
	if _, err := stack.FindPGBin(); err != nil {
		t.Skipf("no PostgreSQL server binaries: %v", err)
	}
	isolate(t)
	// Not t.TempDir: as root the cluster runs as the postgres user, who must
	// reach the directory.
	dir, err := os.MkdirTemp("", "devrun-dburl-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	root := fakeRoot(t, dir)
	port, err := stack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	o, err := parseOptions("db-url", []string{"-root", root, "-pg-port", strconv.Itoa(port), "-install-pg=false"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	t.Cleanup(func() {
		if err := cmdStop(context.Background(), o); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	var out strings.Builder
	if err := cmdDBURL(ctx, o, &out); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/eventai?sslmode=disable\n", port)
	if out.String() != want {
		t.Fatalf("db-url printed %q, want %q", out.String(), want)
	}
	if err := stack.Ping(ctx, strings.TrimSpace(out.String())); err != nil {
		t.Fatalf("the printed database does not answer: %v", err)
	}
	// A second call reuses the running cluster and prints the same URL.
	out.Reset()
	if err := cmdDBURL(ctx, o, &out); err != nil || out.String() != want {
		t.Fatalf("second db-url: %q, %v; want %q", out.String(), err, want)
	}
}
