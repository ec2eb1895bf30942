package systemtest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Record is one JSON log line of a process.
type Record map[string]any

// Str returns a string field ("" when absent or not a string).
func (r Record) Str(key string) string {
	s, _ := r[key].(string)
	return s
}

// logRecords decodes the JSON lines of a process' log; other lines (a Go panic, say) are skipped.
func logRecords(env *Env, process string) []Record {
	var recs []Record
	sc := bufio.NewScanner(strings.NewReader(env.Log(process)))
	sc.Buffer(make([]byte, 0, 64*1024), 4<<20)
	for sc.Scan() {
		var rec Record
		if json.Unmarshal(sc.Bytes(), &rec) == nil {
			recs = append(recs, rec)
		}
	}
	return recs
}

// waitRecord polls a process' log until a record matches; the harness copies the processes'
// output to their log files asynchronously, so a line may land after the HTTP answer.
func waitRecord(t testing.TB, env *Env, process, what string, match func(Record) bool) Record {
	t.Helper()
	var found Record
	Eventually(t, 30*time.Second, process+": "+what, func() (bool, string) {
		recs := logRecords(env, process)
		for _, rec := range recs {
			if match(rec) {
				found = rec
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d JSON records in %s.log, none matches", len(recs), process)
	})
	return found
}

// Sample is one line of the Prometheus text format.
type Sample struct {
	Name   string
	Labels map[string]string
	Value  float64
}

// Exposition is a parsed /metrics answer.
type Exposition struct {
	Types   map[string]string // metric family → counter, gauge, histogram, summary, untyped
	Samples []Sample
}

// Find returns the samples named name whose labels include want.
func (e Exposition) Find(name string, want map[string]string) []Sample {
	var out []Sample
	for _, s := range e.Samples {
		if s.Name != name {
			continue
		}
		ok := true
		for k, v := range want {
			if s.Labels[k] != v {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, s)
		}
	}
	return out
}

// scrapeMetrics fetches and parses a process' /metrics.
func scrapeMetrics(t testing.TB, port int) Exposition {
	t.Helper()
	url := fmt.Sprintf("http://127.0.0.1:%d/metrics", port)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read: %v", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d: %.300s", url, resp.StatusCode, body)
	}
	exp, err := parseExposition(string(body))
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return exp
}

// parseExposition reads the Prometheus text format (version 0.0.4): "# TYPE" comments and
// `name{label="value",...} value [timestamp]` lines.
func parseExposition(text string) (Exposition, error) {
	exp := Exposition{Types: map[string]string{}}
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			if f := strings.Fields(line); len(f) == 4 && f[1] == "TYPE" {
				exp.Types[f[2]] = f[3]
			}
			continue
		}
		s, err := parseSample(line)
		if err != nil {
			return Exposition{}, fmt.Errorf("line %d %q: %w", n+1, line, err)
		}
		exp.Samples = append(exp.Samples, s)
	}
	return exp, nil
}

func parseSample(line string) (Sample, error) {
	s := Sample{Labels: map[string]string{}}
	i := strings.IndexAny(line, "{ ")
	if i <= 0 {
		return s, fmt.Errorf("no metric name")
	}
	s.Name, line = line[:i], line[i:]
	if line[0] == '{' {
		line = line[1:]
		for {
			line = strings.TrimLeft(line, ", ")
			if strings.HasPrefix(line, "}") {
				line = line[1:]
				break
			}
			eq := strings.Index(line, `="`)
			if eq <= 0 {
				return s, fmt.Errorf("bad label at %q", line)
			}
			key := line[:eq]
			line = line[eq+2:]
			var val strings.Builder
			closed := false
			for j := 0; j < len(line); j++ {
				c := line[j]
				if c == '\\' && j+1 < len(line) {
					j++
					switch line[j] {
					case 'n':
						val.WriteByte('\n')
					default:
						val.WriteByte(line[j])
					}
					continue
				}
				if c == '"' {
					line, closed = line[j+1:], true
					break
				}
				val.WriteByte(c)
			}
			if !closed {
				return s, fmt.Errorf("unterminated value of label %s", key)
			}
			s.Labels[key] = val.String()
		}
	}
	f := strings.Fields(line)
	if len(f) == 0 {
		return s, fmt.Errorf("no value")
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return s, fmt.Errorf("value: %w", err)
	}
	s.Value = v
	return s, nil
}
