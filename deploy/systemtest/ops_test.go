package systemtest

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eventai/eventai/deploy/internal/stack"
)

// TestProcessesServeOps checks DESIGN.md's promise for every process that
// exists: /healthz and /readyz answer 200 and /metrics serves Prometheus text.
func TestProcessesServeOps(t *testing.T) {
	root, err := stack.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	if present, _ := stack.Present(root, append(append([]stack.Component{}, stack.Services...), stack.Gateway)); len(present) == 0 {
		t.Skip("no service main exists yet")
	}
	env := startShared(t, root)
	client := &http.Client{Timeout: 10 * time.Second}
	for _, name := range env.Running {
		if name == stack.Broker.Name {
			continue
		}
		t.Run(name, func(t *testing.T) {
			base := fmt.Sprintf("http://127.0.0.1:%d", env.Ports.Of(name))
			for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
				resp, err := client.Get(base + path)
				if err != nil {
					t.Fatalf("GET %s%s: %v", base, path, err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("GET %s: status %d; body: %s", path, resp.StatusCode, body)
				}
				if path == "/metrics" && !strings.Contains(string(body), "# TYPE ") {
					t.Fatalf("/metrics is not Prometheus text: %.300s", body)
				}
			}
		})
	}
}
