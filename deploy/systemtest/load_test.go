package systemtest

import (
	"fmt"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkGatewayAuth measures login and GET /auth/me/ through the gateway
// under a small concurrent load and reports p50/p99 of each, plus the
// resident memory of every process after the run:
//
//	go test ./deploy/systemtest -run '^$' -bench GatewayAuth -benchtime 200x
func BenchmarkGatewayAuth(b *testing.B) {
	env := Start(b)
	cred, _ := env.Register(b, "bench")
	token := env.Login(b, cred).Access
	const workers = 8
	for _, tc := range []struct {
		name string
		call func(c *Client) *Response
	}{
		{"login", func(c *Client) *Response {
			return c.Do("POST", "/auth/login/", map[string]any{"username": cred.Username, "password": cred.Password})
		}},
		{"me", func(c *Client) *Response { return c.As(token).Do("GET", "/auth/me/", nil) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			lat := make([]time.Duration, b.N)
			jobs := make(chan int)
			var wg sync.WaitGroup
			var failed sync.Once
			b.ResetTimer()
			for range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c := env.Client(b)
					for i := range jobs {
						start := time.Now()
						r := tc.call(c)
						lat[i] = time.Since(start)
						if r.Status != http.StatusOK {
							failed.Do(func() { b.Errorf("%s: status %d: %s", tc.name, r.Status, r.Body) })
						}
					}
				}()
			}
			for i := range b.N {
				jobs <- i
			}
			close(jobs)
			wg.Wait()
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			p := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
			b.ReportMetric(float64(p(0.50).Microseconds())/1000, "p50_ms")
			b.ReportMetric(float64(p(0.99).Microseconds())/1000, "p99_ms")
		})
	}
	var rss []string
	for _, p := range env.stack.Processes() {
		rss = append(rss, fmt.Sprintf("%s=%s", p.Name, residentMemory(p.Pid())))
	}
	b.Logf("resident memory after the run: %s", strings.Join(rss, " "))
}

// residentMemory reads VmRSS of a process from /proc.
func residentMemory(pid int) string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			return strings.Join(strings.Fields(strings.TrimPrefix(line, "VmRSS:")), "")
		}
	}
	return "?"
}

// TestIdleMemory logs each process's resident memory on an idle stack (a
// number for the operators, not an assertion).
func TestIdleMemory(t *testing.T) {
	env := Start(t)
	for _, p := range env.stack.Processes() {
		t.Logf("idle RSS %-10s %s", p.Name, residentMemory(p.Pid()))
	}
}
