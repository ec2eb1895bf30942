package composetest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// configTag finds a setting's key in a process' typed Config (libs/config binds PREFIX_KEY, and KEY
// too when the field is tagged shared).
var configTag = regexp.MustCompile(`mapstructure:"([a-z0-9_]+)"`)

// settings returns the environment variables a process reads, from the Config struct in its
// module's internal/config package (read as text: those packages are internal to their modules).
func settings(t testing.TB, root, module, prefix string) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, module, "internal", "config", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no config package in %s: %v", module, err)
	}
	env := map[string]bool{prefix + "_CONFIG_FILE": true}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(raw), "\n") {
			m := configTag.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			key := strings.ToUpper(m[1])
			env[prefix+"_"+key] = true
			if strings.Contains(line, `shared:"true"`) {
				env[key] = true
			}
		}
	}
	return env
}

// TestEnvironmentIsRead catches a misspelt or stale setting: viper ignores environment variables
// it does not know, so a typo in docker-compose.yml would silently leave the default in place.
func TestEnvironmentIsRead(t *testing.T) {
	root := repoRoot(t)
	p := loadProject(t, testEnv)
	for _, pr := range processes {
		known := settings(t, root, pr.module, pr.prefix)
		s := service(t, p, pr.name)
		for key := range s.Environment {
			if !known[key] {
				t.Errorf("%s: %s is not a setting of %s/internal/config", pr.name, key, pr.module)
			}
		}
	}
}

func TestSettingsScanner(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "svc", "internal", "config"), 0o755); err != nil {
		t.Fatal(err)
	}
	src := "package config\ntype Config struct {\n" +
		"\tHTTPAddr string `mapstructure:\"http_addr\"`\n" +
		"\tDatabaseURL string `mapstructure:\"database_url\" shared:\"true\" secret:\"true\"`\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "svc", "internal", "config", "config.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	got := settings(t, dir, "svc", "SVC")
	for _, key := range []string{"SVC_HTTP_ADDR", "SVC_DATABASE_URL", "DATABASE_URL", "SVC_CONFIG_FILE"} {
		if !got[key] {
			t.Errorf("%s not found", key)
		}
	}
	if got["HTTP_ADDR"] {
		t.Error("HTTP_ADDR is not shared, yet found")
	}
	if len(got) != 4 {
		t.Errorf("found %v, want exactly 4 keys", got)
	}
}
