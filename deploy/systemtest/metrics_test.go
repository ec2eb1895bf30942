package systemtest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestMetricsOfEveryProcess drives a request with an id in its path to every service (an unknown
// id: a 404) and then reads each process' /metrics: request count and duration labelled by the
// route template (never the raw path, never the id), the error visible in the status label, Go
// runtime and process metrics, and for the services the outbox lag and the consumer lag.
func TestMetricsOfEveryProcess(t *testing.T) {
	env := Start(t, "company")
	admin := env.AdminClient(t)
	_, org := newPerson(t, env, admin, "organizer", nil)
	// Creating a company makes every consumer fetch: identity reads company.created, and the
	// user.updated it publishes in turn reaches every other service.
	var co Company
	org.JSON("POST", "/organizer/companies/", map[string]any{"name": Unique("Metrics Co")}, http.StatusCreated, &co)

	missing := fmt.Sprintf("%s-%s-4%s-8%s-%s", randomHex(4), randomHex(2), randomHex(2)[1:], randomHex(2)[1:], randomHex(6))
	type probe struct {
		client  *Client
		path    string // the public path, with the missing id
		gateway string // the gateway's route template
		service string // the service's mux pattern
	}
	probes := map[string]probe{
		"identity":   {admin, "/admin/users/" + missing, "/admin/users/{id}", "GET /admin/users/{id}"},
		"company":    {org, "/organizer/companies/" + missing, "/organizer/companies/{id}", "GET /organizer/companies/{id}"},
		"event":      {org, "/organizer/events/" + missing, "/organizer/events/{event_id}", "GET /organizer/events/{event_id}"},
		"task":       {org, "/organizer/tasks/" + missing, "/organizer/tasks/{id}", "GET /organizer/tasks/{id}"},
		"suggestion": {org, "/organizer/suggestions/" + missing, "/organizer/suggestions/{id}", "GET /organizer/suggestions/{id}"},
	}
	var services []string
	for _, name := range env.Running {
		if p, ok := probes[name]; ok {
			services = append(services, name)
			p.client.Problem("GET", p.path, nil, http.StatusNotFound)
		}
	}

	for _, name := range append(services, "gateway") {
		t.Run(name, func(t *testing.T) {
			port := env.Ports.Of(name)
			exp := scrapeMetrics(t, port)
			for family, typ := range map[string]string{
				"http_requests_total": "counter", "http_request_duration_seconds": "histogram",
				"go_goroutines": "gauge", "go_gc_duration_seconds": "summary", "go_memstats_heap_alloc_bytes": "gauge",
				"process_cpu_seconds_total": "counter", "process_resident_memory_bytes": "gauge",
			} {
				if exp.Types[family] != typ {
					t.Errorf("%s: %s is %q, want a %s", name, family, exp.Types[family], typ)
				}
			}
			if g := exp.Find("go_goroutines", nil); len(g) != 1 || g[0].Value < 1 {
				t.Errorf("%s: go_goroutines %v", name, g)
			}
			for _, s := range exp.Samples {
				for k, v := range s.Labels {
					if strings.Contains(v, missing) {
						t.Errorf("%s: %s{%s=%q}: a raw path in a label", name, s.Name, k, v)
					}
				}
			}

			// Each 404 above is counted under its template, with the status: errors are the
			// 4xx/5xx share of http_requests_total.
			var want []probe
			route, code := "route", "code"
			if name == "gateway" {
				code = "status"
				for _, s := range services {
					want = append(want, probes[s])
				}
			} else {
				want = []probe{probes[name]}
			}
			for _, p := range want {
				tmpl := p.service
				if name == "gateway" {
					tmpl = p.gateway
				}
				if got := exp.Find("http_requests_total", map[string]string{route: tmpl, "method": "GET", code: "404"}); len(got) != 1 || got[0].Value < 1 {
					t.Errorf("%s: http_requests_total{%s=%q,%s=\"404\"} = %v, want one series >= 1", name, route, tmpl, code, got)
				}
				if got := exp.Find("http_request_duration_seconds_count", map[string]string{route: tmpl, "method": "GET"}); len(got) != 1 || got[0].Value < 1 {
					t.Errorf("%s: http_request_duration_seconds_count{%s=%q} = %v, want one series >= 1", name, route, tmpl, got)
				}
				if got := exp.Find("http_request_duration_seconds_bucket", map[string]string{route: tmpl, "method": "GET", "le": "+Inf"}); len(got) != 1 || got[0].Value < 1 {
					t.Errorf("%s: no +Inf bucket for %s: %v", name, tmpl, got)
				}
			}
			if name == "gateway" {
				return // no outbox, no consumer
			}

			if exp.Types["outbox_pending"] != "gauge" || len(exp.Find("outbox_pending", nil)) != 1 {
				t.Errorf("%s: outbox_pending missing (type %q)", name, exp.Types["outbox_pending"])
			}
			if exp.Types["outbox_published_total"] != "counter" {
				t.Errorf("%s: outbox_published_total missing", name)
			}
			// consumer_lag has a series per partition the consumer fetched from; the company
			// created above reaches every consumer, possibly after this scrape.
			Eventually(t, 30*time.Second, name+": consumer_lag and an applied message", func() (bool, string) {
				exp := scrapeMetrics(t, port)
				lag := exp.Find("consumer_lag", nil)
				applied := exp.Find("consumer_messages_total", map[string]string{"result": "applied"})
				if exp.Types["consumer_lag"] != "gauge" || len(lag) == 0 || len(applied) != 1 || applied[0].Value < 1 {
					return false, fmt.Sprintf("consumer_lag %v (type %q), applied %v", lag, exp.Types["consumer_lag"], applied)
				}
				for _, s := range lag {
					if s.Labels["topic"] == "" || s.Labels["partition"] == "" || s.Value < 0 {
						return false, fmt.Sprintf("bad consumer_lag series %v", s)
					}
				}
				return true, ""
			})
		})
	}
}

// TestParseExposition pins the small text-format reader the metrics test relies on.
func TestParseExposition(t *testing.T) {
	exp, err := parseExposition("# HELP x_total Things.\n# TYPE x_total counter\n" +
		`x_total{route="GET /a/{id}",q="say \"hi\"\\n"} 3` + "\n" +
		"up 1 1700000000000\n" +
		`h_bucket{le="+Inf"} +Inf` + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if exp.Types["x_total"] != "counter" {
		t.Errorf("types %v", exp.Types)
	}
	if len(exp.Samples) != 3 {
		t.Fatalf("samples %v", exp.Samples)
	}
	x := exp.Samples[0]
	if x.Name != "x_total" || x.Labels["route"] != "GET /a/{id}" || x.Labels["q"] != `say "hi"\n` || x.Value != 3 {
		t.Errorf("x_total parsed as %+v", x)
	}
	if up := exp.Samples[1]; up.Name != "up" || len(up.Labels) != 0 || up.Value != 1 {
		t.Errorf("up parsed as %+v", up)
	}
	if len(exp.Find("h_bucket", map[string]string{"le": "+Inf"})) != 1 {
		t.Errorf("h_bucket not found: %v", exp.Samples)
	}
	if _, err := parseExposition(`bad{route="open} 1`); err == nil {
		t.Error("unterminated label value accepted")
	}
}
