package stack

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as a child process: STACK_HELPER selects a role.
func TestMain(m *testing.M) {
	switch os.Getenv("STACK_HELPER") {
	case "server":
		helperServer(false)
	case "stubborn":
		helperServer(true)
	case "crash":
		fmt.Println("starting")
		fmt.Fprintln(os.Stderr, "fatal: cannot open the database")
		os.Exit(3)
	default:
		os.Exit(m.Run())
	}
}

// helperServer serves /readyz on STACK_HELPER_ADDR and exits on SIGTERM
// unless stubborn.
func helperServer(stubborn bool) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	fmt.Println(`{"msg":"listening"}`)
	fmt.Fprintln(os.Stderr, "a line on stderr")
	mux := http.NewServeMux()
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	go func() { _ = http.ListenAndServe(os.Getenv("STACK_HELPER_ADDR"), mux) }()
	for range sig {
		if !stubborn {
			fmt.Println(`{"msg":"bye"}`)
			os.Exit(0)
		}
	}
}

func startHelper(t *testing.T, role string, out *SyncWriter) (*Process, int) {
	t.Helper()
	return startHelperIn(t, role, out, t.TempDir())
}

// startHelperIn starts a helper whose log goes to logDir/helper.log.
func startHelperIn(t *testing.T, role string, out *SyncWriter, logDir string) (*Process, int) {
	t.Helper()
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	p, err := StartProcess(ProcessSpec{
		Name:   "helper",
		Path:   os.Args[0],
		Env:    append(os.Environ(), "STACK_HELPER="+role, fmt.Sprintf("STACK_HELPER_ADDR=127.0.0.1:%d", port)),
		LogDir: logDir,
		Out:    out,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Stop(time.Second) })
	return p, port
}

func TestProcessReadyTeeAndGracefulStop(t *testing.T) {
	var term bytes.Buffer
	p, port := startHelper(t, "server", NewSyncWriter(&term))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := WaitHTTP(ctx, p, fmt.Sprintf("http://127.0.0.1:%d/readyz", port)); err != nil {
		t.Fatalf("WaitHTTP: %v", err)
	}
	if killed := p.Stop(10 * time.Second); killed {
		t.Fatal("a process that exits on SIGTERM was killed")
	}
	log, err := os.ReadFile(p.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`{"msg":"listening"}`, "a line on stderr", `{"msg":"bye"}`} {
		if !strings.Contains(string(log), want+"\n") {
			t.Errorf("log file lacks %q:\n%s", want, log)
		}
	}
	if !strings.Contains(term.String(), "helper     | {\"msg\":\"bye\"}\n") {
		t.Errorf("terminal lacks the prefixed line:\n%s", term.String())
	}
}

func TestProcessKilledAfterGrace(t *testing.T) {
	p, port := startHelper(t, "stubborn", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := WaitHTTP(ctx, p, fmt.Sprintf("http://127.0.0.1:%d/readyz", port)); err != nil {
		t.Fatalf("WaitHTTP: %v", err)
	}
	if killed := p.Stop(300 * time.Millisecond); !killed {
		t.Fatal("a process that ignores SIGTERM was not reported as killed")
	}
	if done, _ := p.Exited(); !done {
		t.Fatal("process still running after Stop")
	}
}

func TestWaitReportsCrashWithLogTail(t *testing.T) {
	p, port := startHelper(t, "crash", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := WaitHTTP(ctx, p, fmt.Sprintf("http://127.0.0.1:%d/readyz", port))
	if err == nil {
		t.Fatal("WaitHTTP succeeded for a crashed process")
	}
	if !strings.Contains(err.Error(), "exited before ready") || !strings.Contains(err.Error(), "fatal: cannot open the database") {
		t.Fatalf("error does not explain the crash: %v", err)
	}
}

// A crash report shows the lines of this run only, although the log file
// is appended to and still holds the previous run's lines.
func TestWaitReportsOnlyThisRunsLines(t *testing.T) {
	logDir := t.TempDir()
	old := "previous run: listen :8000: address already in use\n"
	if err := os.WriteFile(filepath.Join(logDir, "helper.log"), []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	p, port := startHelperIn(t, "crash", nil, logDir)
	if p.LogStart != int64(len(old)) {
		t.Fatalf("LogStart = %d, want the old file's size %d", p.LogStart, len(old))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := WaitHTTP(ctx, p, fmt.Sprintf("http://127.0.0.1:%d/readyz", port))
	if err == nil {
		t.Fatal("WaitHTTP succeeded for a crashed process")
	}
	if !strings.Contains(err.Error(), "fatal: cannot open the database") || !strings.Contains(err.Error(), "starting") {
		t.Fatalf("error lacks this run's lines: %v", err)
	}
	if strings.Contains(err.Error(), "previous run") {
		t.Fatalf("error shows the previous run's lines: %v", err)
	}
	// The file itself keeps both runs.
	data, rerr := os.ReadFile(p.LogPath)
	if rerr != nil {
		t.Fatal(rerr)
	}
	if !strings.HasPrefix(string(data), old) || !strings.Contains(string(data), "fatal: cannot open the database\n") {
		t.Fatalf("log file = %q, want the old run then this one", data)
	}
}

func TestTailFileFrom(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.log")
	if err := os.WriteFile(path, []byte("old1\nold2\nnew1\nnew2\nnew3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	from := int64(len("old1\nold2\n"))
	for _, tc := range []struct {
		from int64
		n    int
		want string
	}{
		{from, 10, "new1\nnew2\nnew3"},
		{from, 2, "new2\nnew3"},
		{0, 10, "old1\nold2\nnew1\nnew2\nnew3"},
		{int64(len("old1\nold2\nnew1\nnew2\nnew3\n")), 10, ""}, // nothing written since
		{1000, 1, "new3"},                                      // file shorter than the offset (replaced): read whole
	} {
		if got := TailFileFrom(path, tc.from, tc.n); got != tc.want {
			t.Errorf("TailFileFrom(%d, %d) = %q, want %q", tc.from, tc.n, got, tc.want)
		}
	}
}

func TestTailFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.log")
	if err := os.WriteFile(path, []byte("1\n2\n3\n4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := TailFile(path, 2); got != "3\n4" {
		t.Fatalf("TailFile = %q, want %q", got, "3\n4")
	}
	if got := TailFile(filepath.Join(t.TempDir(), "missing"), 2); got != "" {
		t.Fatalf("TailFile of a missing file = %q", got)
	}
}

func TestEnvironment(t *testing.T) {
	cfg := Config{
		Ports:       Ports{Gateway: 18000, Identity: 18101, Company: 18102, Event: 18103, Task: 18104, Suggestion: 18105, Broker: 19092},
		DatabaseURL: "postgres://postgres@127.0.0.1:5432/x?sslmode=disable",
		BaseEnv:     []string{"PATH=/bin", "DATABASE_URL=postgres://elsewhere"},
		Env:         []string{"LOG_LEVEL=debug"},
	}
	gw := Environment(cfg, "127.0.0.1:19092", Gateway)
	for _, want := range []string{
		"GATEWAY_HTTP_ADDR=:18000",
		"GATEWAY_IDENTITY_URL=http://127.0.0.1:18101",
		"GATEWAY_SUGGESTION_URL=http://127.0.0.1:18105",
		"JWKS_URL=http://127.0.0.1:18101/.well-known/jwks.json",
		"KAFKA_BROKERS=127.0.0.1:19092",
		"LOG_LEVEL=debug",
	} {
		if !slices.Contains(gw, want) {
			t.Errorf("gateway env lacks %s: %v", want, gw)
		}
	}
	// The launcher's DATABASE_URL must come after the inherited one (exec keeps the last).
	if i, j := slices.Index(gw, "DATABASE_URL=postgres://elsewhere"), slices.Index(gw, "DATABASE_URL="+cfg.DatabaseURL); j < i {
		t.Errorf("launcher DATABASE_URL (%d) does not override the inherited one (%d)", j, i)
	}
	task := Environment(cfg, "b:1", Services[3])
	for _, want := range []string{"TASK_HTTP_ADDR=127.0.0.1:18104", "TASK_EVENT_URL=http://127.0.0.1:18103", "TASK_IDENTITY_URL=http://127.0.0.1:18101"} {
		if !slices.Contains(task, want) {
			t.Errorf("task env lacks %s: %v", want, task)
		}
	}
	if slices.Contains(task, "TASK_TASK_URL=http://127.0.0.1:18104") {
		t.Error("task env points at itself")
	}
}

func TestPresent(t *testing.T) {
	root := t.TempDir()
	must := func(path, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	must(filepath.Join(root, "services/identity/cmd/identity/main.go"), "package main")
	must(filepath.Join(root, "services/task/cmd/task/main_test.go"), "package main") // tests only: not a main
	present, missing := Present(root, Services)
	var got []string
	for _, c := range present {
		got = append(got, c.Name)
	}
	if !slices.Equal(got, []string{"identity"}) {
		t.Fatalf("present = %v, want [identity]", got)
	}
	if len(missing) != 4 {
		t.Fatalf("missing = %v, want 4 services", missing)
	}
	// The gateway is left out while identity (its JWKS) is missing.
	must(filepath.Join(root, "gateway/cmd/gateway/main.go"), "package main")
	if run, notes := Runnable(root, []Component{Gateway}); len(run) != 1 || len(notes) != 0 {
		t.Fatalf("Runnable with identity = %v %v, want the gateway", run, notes)
	}
	if err := os.Remove(filepath.Join(root, "services/identity/cmd/identity/main.go")); err != nil {
		t.Fatal(err)
	}
	if run, notes := Runnable(root, []Component{Gateway}); len(run) != 0 || len(notes) != 1 {
		t.Fatalf("Runnable without identity = %v %v, want no gateway and one note", run, notes)
	}
	if _, err := FindRoot(filepath.Join(root, "services")); err == nil {
		t.Fatal("FindRoot found a go.work where there is none")
	}
	must(filepath.Join(root, "go.work"), "go 1.26.0\n")
	if got, err := FindRoot(filepath.Join(root, "services/identity")); err != nil || got != root {
		t.Fatalf("FindRoot = %q, %v; want %q", got, err, root)
	}
}
