package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

type dbSettings struct {
	MaxConns int `mapstructure:"max_conns"`
}

type settings struct {
	HTTPAddr    string        `mapstructure:"http_addr"`
	DatabaseURL string        `mapstructure:"database_url" shared:"true"`
	Brokers     []string      `mapstructure:"kafka_brokers" shared:"true"`
	Timeout     time.Duration `mapstructure:"timeout"`
	LogLevel    string        `mapstructure:"log_level" shared:"true"`
	APIKey      string        `mapstructure:"api_key" secret:"true"`
	DB          dbSettings    `mapstructure:"db"`
}

func defaults() settings {
	return settings{HTTPAddr: ":8104", DatabaseURL: "postgres://postgres@127.0.0.1:5432/eventai", Brokers: []string{"127.0.0.1:9092"}, Timeout: time.Second, LogLevel: "info", DB: dbSettings{MaxConns: 4}}
}

func TestDefaultsPreservedWithoutEnv(t *testing.T) {
	cfg := defaults()
	if err := Load("CFGTEST", &cfg); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg, defaults()) {
		t.Fatalf("got %+v, want defaults", cfg)
	}
}

func TestEnvPrefixedSharedAndTypes(t *testing.T) {
	t.Setenv("CFGTEST_HTTP_ADDR", ":9999")
	t.Setenv("DATABASE_URL", "postgres://shared")
	t.Setenv("KAFKA_BROKERS", "a:1, b:2,,")
	t.Setenv("CFGTEST_KAFKA_BROKERS", "c:3,d:4")
	t.Setenv("CFGTEST_TIMEOUT", "1m30s")
	t.Setenv("CFGTEST_DB_MAX_CONNS", "12")
	t.Setenv("HTTP_ADDR", ":1") // not shared: must be ignored
	cfg := defaults()
	if err := Load("CFGTEST", &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.HTTPAddr != ":9999" {
		t.Errorf("http_addr = %q", cfg.HTTPAddr)
	}
	if cfg.DatabaseURL != "postgres://shared" {
		t.Errorf("database_url = %q (unprefixed shared key not read)", cfg.DatabaseURL)
	}
	if !reflect.DeepEqual(cfg.Brokers, []string{"c:3", "d:4"}) {
		t.Errorf("brokers = %q (prefixed must win)", cfg.Brokers)
	}
	if cfg.Timeout != 90*time.Second {
		t.Errorf("timeout = %v", cfg.Timeout)
	}
	if cfg.DB.MaxConns != 12 {
		t.Errorf("db.max_conns = %d", cfg.DB.MaxConns)
	}
}

func TestSharedSliceFromUnprefixed(t *testing.T) {
	t.Setenv("KAFKA_BROKERS", "a:1, b:2,,")
	cfg := defaults()
	if err := Load("CFGTEST", &cfg); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg.Brokers, []string{"a:1", "b:2"}) {
		t.Errorf("brokers = %q", cfg.Brokers)
	}
}

func TestFileThenEnv(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	body := "http_addr: \":7000\"\nlog_level: debug\ntimeout: 250ms\ndb:\n  max_conns: 7\nunknown_key: 1\n"
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CFGTEST_CONFIG_FILE", file)
	t.Setenv("CFGTEST_LOG_LEVEL", "error")
	cfg := defaults()
	if err := Load("CFGTEST", &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.HTTPAddr != ":7000" || cfg.Timeout != 250*time.Millisecond || cfg.DB.MaxConns != 7 {
		t.Errorf("file values not applied: %+v", cfg)
	}
	if cfg.LogLevel != "error" {
		t.Errorf("env must override file: log_level = %q", cfg.LogLevel)
	}
	if cfg.DatabaseURL != defaults().DatabaseURL {
		t.Errorf("default lost: %q", cfg.DatabaseURL)
	}
}

func TestMissingFileIsError(t *testing.T) {
	t.Setenv("CFGTEST_CONFIG_FILE", filepath.Join(t.TempDir(), "nope.yaml"))
	cfg := defaults()
	if err := Load("CFGTEST", &cfg); err == nil {
		t.Fatal("want error for a missing config file")
	}
}

func TestBadValueIsError(t *testing.T) {
	t.Setenv("CFGTEST_TIMEOUT", "soon")
	cfg := defaults()
	if err := Load("CFGTEST", &cfg); err == nil {
		t.Fatal("want error for an invalid duration")
	}
}

func TestNotAPointer(t *testing.T) {
	if err := Load("X", defaults()); !errors.Is(err, ErrNotStruct) {
		t.Fatalf("err = %v", err)
	}
}

func TestMasked(t *testing.T) {
	cfg := defaults()
	cfg.APIKey = "sk-123"
	cfg.DatabaseURL = "postgres://app:hunter2@db:5432/eventai?sslmode=disable"
	m := Masked(&cfg)
	if m["api_key"] != "****" {
		t.Errorf("api_key = %v", m["api_key"])
	}
	u := m["database_url"].(string)
	if strings.Contains(u, "hunter2") || u != "postgres://app:****@db:5432/eventai?sslmode=disable" {
		t.Errorf("database_url = %q", u)
	}
	if m["timeout"] != "1s" || m["http_addr"] != ":8104" {
		t.Errorf("plain values changed: %v", m)
	}
	if m["db"].(map[string]any)["max_conns"] != 4 {
		t.Errorf("nested = %v", m["db"])
	}
	cfg.APIKey = ""
	if Masked(cfg)["api_key"] != "" {
		t.Errorf("empty secret should show empty")
	}
}

func TestMaskURL(t *testing.T) {
	cases := map[string]string{
		"postgres://u@h/db":              "postgres://u@h/db",
		"plain":                          "plain",
		"http://h/x?password=abc&user=u": "http://h/x?password=****&user=u",
	}
	for in, want := range cases {
		if got := MaskURL(in); got != want {
			t.Errorf("MaskURL(%q) = %q, want %q", in, got, want)
		}
	}
}
