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

// embedded finds a squashed libs/config struct in a Config line (`libconfig.Service
// `mapstructure:",squash"“): its keys are the process's too.
var embedded = regexp.MustCompile(`^\s*\w+\.(\w+)\s+` + "`" + `mapstructure:",squash"`)

// libsConfigLines returns the field lines of struct name in libs/config (read as text like the
// services' own config, so both readers apply the same tag rule).
func libsConfigLines(t testing.TB, libsConfig, name string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(libsConfig, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no libs/config package at %s: %v", libsConfig, err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(raw), "\n")
		for i, line := range lines {
			if strings.TrimSpace(line) != "type "+name+" struct {" {
				continue
			}
			var body []string
			for _, l := range lines[i+1:] {
				if strings.TrimSpace(l) == "}" {
					return body
				}
				body = append(body, l)
			}
		}
	}
	t.Fatalf("libs/config has no struct %s", name)
	return nil
}

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
		lines := strings.Split(string(raw), "\n")
		for _, line := range lines {
			if m := embedded.FindStringSubmatch(line); m != nil {
				lines = append(lines, libsConfigLines(t, filepath.Join(root, "libs", "config"), m[1])...)
			}
		}
		for _, line := range lines {
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

func TestSettingsScannerFollowsSquashedLibsStruct(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{filepath.Join("svc", "internal", "config"), filepath.Join("libs", "config")} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	svc := "package config\ntype Config struct {\n" +
		"\tlibconfig.Service `mapstructure:\",squash\"`\n" +
		"\tOwn string `mapstructure:\"own\"`\n}\n"
	libs := "package config\n// Load reads `mapstructure:\"key\"` tags.\ntype Service struct {\n" +
		"\tDatabaseURL string `mapstructure:\"database_url\" shared:\"true\"`\n}\n" +
		"type Other struct {\n\tX string `mapstructure:\"other\"`\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "svc", "internal", "config", "config.go"), []byte(svc), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "libs", "config", "service.go"), []byte(libs), 0o644); err != nil {
		t.Fatal(err)
	}
	got := settings(t, dir, "svc", "SVC")
	want := map[string]bool{"SVC_OWN": true, "SVC_DATABASE_URL": true, "DATABASE_URL": true, "SVC_CONFIG_FILE": true}
	if len(got) != len(want) {
		t.Fatalf("found %v, want %v", got, want)
	}
	for k := range want {
		if !got[k] {
			t.Errorf("%s not found in %v", k, got)
		}
	}
}
