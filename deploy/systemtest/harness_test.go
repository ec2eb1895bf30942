package systemtest

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventai/eventai/deploy/internal/stack"
)

// Env is a running stack shared by the package's tests.
type Env struct {
	// BaseURL is the gateway's URL, e.g. http://127.0.0.1:41234.
	BaseURL string
	// Admin is the bootstrap admin (EVENTAI_ADMIN_*).
	Admin Credentials
	// SigningKey is identity's signing key (IDENTITY_SIGNING_KEY_FILE), so
	// tests can forge tokens that carry a valid signature (e.g. expired ones).
	SigningKey ed25519.PrivateKey
	// DatabaseURL is the stack's fresh database.
	DatabaseURL string
	// Brokers is the Kafka bootstrap address of the stack's broker.
	Brokers string
	// LogDir holds <process>.log of every process.
	LogDir string
	// Running lists the components started (those whose main exists).
	Running []string
	// Ports are the processes' ports on 127.0.0.1.
	Ports stack.Ports

	stack *stack.Stack
}

// Credentials is a username/email and password pair.
type Credentials struct {
	Username, Email, Password string
}

// harness is the package's one stack, started by the first test that asks.
type harness struct {
	once    sync.Once
	env     *Env
	skip    string
	err     error
	root    string
	tmp     string
	dbName  string
	dbAdmin string
}

var shared harness

func TestMain(m *testing.M) {
	code := m.Run()
	shared.close(code != 0)
	os.Exit(code)
}

// Required are the components without which no system test can run.
var Required = []string{"identity", "gateway"}

// Start returns the shared stack, starting it on first use. It skips the
// test when a main in Required (or in needs, e.g. "task") does not exist yet.
// When the test fails, the tail of every process log is printed.
func Start(t testing.TB, needs ...string) *Env {
	t.Helper()
	root, err := stack.FindRoot(".")
	if err != nil {
		t.Fatalf("find repository root: %v", err)
	}
	for _, name := range append(append([]string(nil), Required...), needs...) {
		for _, c := range stack.All() {
			if c.Name == name && !c.Exists(root) {
				t.Skipf("%s is not built yet (%s has no main package)", name, c.Main)
			}
		}
	}
	return startShared(t, root)
}

// startShared starts (once) and returns the stack with whatever exists.
func startShared(t testing.TB, root string) *Env {
	t.Helper()
	shared.once.Do(func() { shared.env, shared.err = shared.start(root) })
	if shared.err != nil {
		t.Fatalf("start the stack: %v", shared.err)
	}
	env := shared.env
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("stack logs in %s; last lines:\n%s", env.LogDir, env.LogTails(25))
		}
	})
	return env
}

func (h *harness) start(root string) (*Env, error) {
	h.root = root
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	tmp, err := os.MkdirTemp("", "eventai-systest-")
	if err != nil {
		return nil, err
	}
	h.tmp = tmp
	binDir := filepath.Join(tmp, "bin")
	dataDir := filepath.Join(tmp, "data")

	present, _ := stack.Runnable(root, stack.All())
	var buildLog strings.Builder
	if err := stack.Build(ctx, root, binDir, present, &buildLog); err != nil {
		return nil, fmt.Errorf("%w\n%s", err, buildLog.String())
	}

	// A fresh database on the test server, dropped at the end.
	h.dbAdmin = os.Getenv("TEST_DATABASE_URL")
	if h.dbAdmin == "" {
		h.dbAdmin = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	h.dbName = "systest_" + randomHex(6)
	if err := stack.CreateDatabase(ctx, h.dbAdmin, h.dbName); err != nil {
		return nil, err
	}
	dbURL, err := stack.WithDatabase(h.dbAdmin, h.dbName)
	if err != nil {
		return nil, err
	}

	key, keyFile, err := writeSigningKey(tmp)
	if err != nil {
		return nil, err
	}
	ports, err := stack.FreePorts()
	if err != nil {
		return nil, err
	}
	admin := Credentials{Username: "sysadmin", Email: "sysadmin@example.com", Password: "Adm1n-" + randomHex(8)}
	st, err := stack.Start(ctx, stack.Config{
		Root:        root,
		BinDir:      binDir,
		DataDir:     dataDir,
		Ports:       ports,
		GatewayHost: "127.0.0.1",
		DatabaseURL: dbURL,
		// A developer's own settings must not leak into the stack.
		BaseEnv: []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + os.TempDir()},
		Env: []string{
			"LOG_LEVEL=debug",
			"EVENTAI_ADMIN_USERNAME=" + admin.Username,
			"EVENTAI_ADMIN_EMAIL=" + admin.Email,
			"EVENTAI_ADMIN_PASSWORD=" + admin.Password,
			"IDENTITY_SIGNING_KEY_FILE=" + keyFile,
			// Workflow tests register and log in many users from one address.
			"GATEWAY_RATE_LIMIT=100000",
			"GATEWAY_AUTH_RATE_LIMIT=100000",
		},
		Components:   present,
		ReadyTimeout: 2 * time.Minute,
		StopGrace:    10 * time.Second,
	})
	if err != nil {
		return nil, err
	}
	env := &Env{
		BaseURL:     st.GatewayURL(),
		Admin:       admin,
		SigningKey:  key,
		DatabaseURL: dbURL,
		Brokers:     st.Brokers(),
		LogDir:      filepath.Join(dataDir, "logs"),
		Ports:       ports,
		stack:       st,
	}
	for _, c := range present {
		env.Running = append(env.Running, c.Name)
	}
	return env, nil
}

// close stops the stack and drops its database; the logs are kept when a test failed.
func (h *harness) close(failed bool) {
	if h.env != nil {
		h.env.stack.Stop()
	}
	if h.dbName != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := stack.DropDatabase(ctx, h.dbAdmin, h.dbName); err != nil {
			fmt.Fprintf(os.Stderr, "systemtest: %v\n", err)
		}
	}
	if h.tmp == "" {
		return
	}
	if failed {
		fmt.Fprintf(os.Stderr, "systemtest: logs kept in %s\n", filepath.Join(h.tmp, "data", "logs"))
		_ = os.RemoveAll(filepath.Join(h.tmp, "bin"))
		return
	}
	_ = os.RemoveAll(h.tmp)
}

// LogTails returns the last n lines of every process log.
func (e *Env) LogTails(n int) string {
	files, _ := filepath.Glob(filepath.Join(e.LogDir, "*.log"))
	sort.Strings(files)
	var b strings.Builder
	for _, f := range files {
		fmt.Fprintf(&b, "--- %s\n%s\n", filepath.Base(f), stack.TailFile(f, n))
	}
	return b.String()
}

// Log returns the whole log of one process (e.g. "task").
func (e *Env) Log(process string) string {
	data, _ := os.ReadFile(filepath.Join(e.LogDir, process+".log"))
	return string(data)
}

// writeSigningKey makes identity's Ed25519 key (PKCS#8 PEM) so tests hold the real key.
func writeSigningKey(dir string) (ed25519.PrivateKey, string, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, "", err
	}
	path := filepath.Join(dir, "signing-key.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return nil, "", err
	}
	return key, path, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Unique returns prefix plus a random suffix: tests share one database.
func Unique(prefix string) string { return prefix + "_" + randomHex(4) }
