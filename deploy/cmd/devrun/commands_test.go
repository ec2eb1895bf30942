package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
