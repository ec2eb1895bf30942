package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
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

// Without its input the demo does not run and says so with exit status 2,
// so that `make demo` does not look like a success.
func TestMissingScheduleExitsTwo(t *testing.T) {
	c, err := parseConfig([]string{"-data-dir", t.TempDir()}, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	err = newDemo(c, &out).run(t.Context())
	var missing errNoInput
	if !errors.As(err, &missing) || !strings.Contains(missing.why, "38c3-schedule.xml") {
		t.Fatalf("run without the schedule: %v, want errNoInput naming the file", err)
	}
	var stderr strings.Builder
	if code := exitCode(err, &stderr); code != 2 || !strings.Contains(stderr.String(), "demo not run: ") || !strings.Contains(stderr.String(), "EVENTAI_DATA_DIR") {
		t.Errorf("exit %d, stderr %q; want 2 and the reason with the setting to change", code, stderr.String())
	}
}

func TestExitCodes(t *testing.T) {
	_, helpErr := parseConfig([]string{"-h"}, envOf(nil))
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, 0},
		{helpErr, 0},
		{errors.New("log in as admin: status 401"), 1},
		{fmt.Errorf("wrapped: %w", errNoInput{"no schedule"}), 2},
	} {
		if got := exitCode(tc.err, io.Discard); got != tc.want {
			t.Errorf("exitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
	if !errors.Is(helpErr, flag.ErrHelp) {
		t.Errorf("-h gave %v, want flag.ErrHelp", helpErr)
	}
}

// The demo finds the gateway where `make run` put it with the same settings.
func TestGatewayFollowsDevrunSettings(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{nil, "http://localhost:8000"},
		{map[string]string{"EVENTAI_GATEWAY_PORT": "18000"}, "http://localhost:18000"},
		{map[string]string{"EVENTAI_GATEWAY_PORT": "18000", "EVENTAI_GATEWAY_HOST": "0.0.0.0"}, "http://localhost:18000"},
		{map[string]string{"EVENTAI_GATEWAY_PORT": "18000", "EVENTAI_GATEWAY_HOST": "127.0.0.2"}, "http://127.0.0.2:18000"},
		{map[string]string{"EVENTAI_GATEWAY_HOST": "::1"}, "http://[::1]:8000"},
		// An explicit URL wins over the port.
		{map[string]string{"EVENTAI_GATEWAY_PORT": "18000", "EVENTAI_GATEWAY_URL": "http://gw.test:9000/"}, "http://gw.test:9000"},
	} {
		c, err := parseConfig(nil, envOf(tc.env))
		if err != nil {
			t.Errorf("%v: %v", tc.env, err)
			continue
		}
		if c.gateway != tc.want {
			t.Errorf("%v: gateway %q, want %q", tc.env, c.gateway, tc.want)
		}
	}
	c, err := parseConfig([]string{"-gateway", "http://flag.test:1"}, envOf(map[string]string{"EVENTAI_GATEWAY_PORT": "18000"}))
	if err != nil || c.gateway != "http://flag.test:1" {
		t.Errorf("-gateway flag: %q, %v; want the flag", c.gateway, err)
	}
	if _, err := parseConfig(nil, envOf(map[string]string{"EVENTAI_GATEWAY_PORT": "80OO"})); err == nil || !strings.Contains(err.Error(), "EVENTAI_GATEWAY_PORT") {
		t.Errorf("EVENTAI_GATEWAY_PORT=80OO: %v, want an error naming it", err)
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
