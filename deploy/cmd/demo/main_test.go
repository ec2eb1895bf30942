package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseConfigDefaults(t *testing.T) {
	c, err := parseConfig(nil, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.gateway != "http://localhost:8000" || c.adminUsername != "admin" || c.dataDir != "../shared/data" ||
		c.timeLimit != 20*time.Second || c.staff != 160 || c.passwordFile != ".data/admin-password" {
		t.Errorf("defaults: %+v", c)
	}
}

func TestParseConfigEnvAndFlags(t *testing.T) {
	env := envOf(map[string]string{
		"EVENTAI_GATEWAY_URL": "http://127.0.0.1:18000/", "EVENTAI_ADMIN_USERNAME": "root",
		"EVENTAI_ADMIN_PASSWORD": "s3cret-pw", "EVENTAI_DATA_DIR": "/data", "EVENTAI_DEMO_TIME_LIMIT": "5s",
	})
	c, err := parseConfig([]string{"-staff", "40", "-time-limit", "7s"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.gateway != "http://127.0.0.1:18000" || c.adminUsername != "root" || c.dataDir != "/data" || c.staff != 40 || c.timeLimit != 7*time.Second {
		t.Errorf("env and flags: %+v", c)
	}
	if pw, err := c.password(); err != nil || pw != "s3cret-pw" {
		t.Errorf("password() = %q, %v; want the environment's", pw, err)
	}
}

func TestParseConfigRefusesBadValues(t *testing.T) {
	for _, args := range [][]string{{"-time-limit", "61s"}, {"-staff", "0"}, {"-parallel", "0"}, {"-moves", "-1"}, {"extra"}, {"-nope"}} {
		if _, err := parseConfig(args, envOf(nil)); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
	if _, err := parseConfig(nil, envOf(map[string]string{"EVENTAI_DEMO_TIME_LIMIT": "soon"})); err == nil {
		t.Error("a bad EVENTAI_DEMO_TIME_LIMIT was accepted")
	}
}

func TestPasswordFromFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "admin-password")
	c := config{passwordFile: file}
	if _, err := c.password(); err == nil || !strings.Contains(err.Error(), "EVENTAI_ADMIN_PASSWORD") {
		t.Errorf("missing file: %v, want advice naming EVENTAI_ADMIN_PASSWORD", err)
	}
	if err := os.WriteFile(file, []byte("kept-pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if pw, err := c.password(); err != nil || pw != "kept-pw" {
		t.Errorf("password() = %q, %v; want kept-pw", pw, err)
	}
}

func TestSkipsWithoutTheSchedule(t *testing.T) {
	c, err := parseConfig([]string{"-data-dir", t.TempDir()}, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	err = newDemo(c, &out).run(t.Context())
	var skip errSkip
	if !errors.As(err, &skip) || !strings.Contains(skip.why, "38c3-schedule.xml") {
		t.Errorf("run without the schedule: %v, want a skip naming the file", err)
	}
}

func TestParseConfigAdminByEmail(t *testing.T) {
	c, err := parseConfig(nil, envOf(map[string]string{"EVENTAI_ADMIN_EMAIL": "boss@example.org"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.adminUsername != "" || c.adminEmail != "boss@example.org" {
		t.Errorf("e-mail only: username %q, email %q; want login by e-mail", c.adminUsername, c.adminEmail)
	}
	c, err = parseConfig(nil, envOf(map[string]string{"EVENTAI_ADMIN_EMAIL": "boss@example.org", "EVENTAI_ADMIN_USERNAME": "boss"}))
	if err != nil || c.adminUsername != "boss" {
		t.Errorf("both set: username %q (%v), want boss", c.adminUsername, err)
	}
	if _, err := parseConfig([]string{"-admin-username", ""}, envOf(nil)); err == nil {
		t.Error("neither username nor e-mail accepted")
	}
}
