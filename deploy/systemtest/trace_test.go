package systemtest

import (
	"net/http"
	"testing"
)

// TestTraceSpansGatewayServiceAndConsumers sends one request with a traceparent the test chose
// and finds that trace id in the JSON logs of every hop: the gateway's access line, the owning
// service's access line, the consumers that applied the resulting company.created (through the
// outbox, Kafka and their inbox), and one more hop: identity's user.updated (published while it
// applied company.created) applied by the company service.
func TestTraceSpansGatewayServiceAndConsumers(t *testing.T) {
	env := Start(t, "company")
	admin := env.AdminClient(t)
	_, org := newPerson(t, env, admin, "organizer", nil)

	traceID, callerSpan := randomHex(16), randomHex(8)
	r := org.Do("POST", "/organizer/companies/", map[string]any{"name": Unique("Traced Co")},
		"traceparent", "00-"+traceID+"-"+callerSpan+"-01")
	if r.Status != http.StatusCreated {
		t.Fatalf("POST /organizer/companies/: status %d; body %s", r.Status, r.Body)
	}
	var co Company
	r.Decode(t, &co)
	if co.ID == "" {
		t.Fatalf("no company id in %s", r.Body)
	}

	gw := waitRecord(t, env, "gateway", "access line with trace_id "+traceID, func(rec Record) bool {
		return rec.Str("trace_id") == traceID && rec.Str("msg") == "request"
	})
	if gw.Str("route") != "/organizer/companies" || gw["status"] != float64(http.StatusCreated) {
		t.Errorf("gateway line is not this request: route %q status %v", gw.Str("route"), gw["status"])
	}
	svc := waitRecord(t, env, "company", "access line with trace_id "+traceID, func(rec Record) bool {
		return rec.Str("trace_id") == traceID && rec.Str("msg") == "http request"
	})
	if svc.Str("route") != "POST /organizer/companies" || svc["status"] != float64(http.StatusCreated) {
		t.Errorf("company line is not this request: route %q status %v", svc.Str("route"), svc["status"])
	}
	// One trace, a span per hop: the gateway continued the caller's trace in a span of its own
	// and passed that on, and the service did the same.
	spans := map[string]string{"caller": callerSpan, "gateway": gw.Str("span_id"), "company": svc.Str("span_id")}
	seen := map[string]string{}
	for hop, id := range spans {
		if len(id) != 16 {
			t.Errorf("%s span id %q is not 16 hex digits", hop, id)
		}
		if other, dup := seen[id]; dup {
			t.Errorf("%s and %s share span id %s: a hop did not start its own span", hop, other, id)
		}
		seen[id] = hop
	}
	if gw.Str("request_id") == "" || gw.Str("request_id") != svc.Str("request_id") {
		t.Errorf("request id not carried: gateway %q, company %q", gw.Str("request_id"), svc.Str("request_id"))
	}

	consumers := 0
	for _, name := range []string{"identity", "event", "task", "suggestion"} {
		if !env.running(name) {
			continue
		}
		consumers++
		rec := waitRecord(t, env, name, "company.created applied with trace_id "+traceID, func(rec Record) bool {
			return rec.Str("trace_id") == traceID && rec.Str("msg") == "applied event" && rec.Str("type") == "company.created"
		})
		if rec.Str("topic") != "company.companies.v1" || rec.Str("group") != name || rec.Str("result") != "applied" {
			t.Errorf("%s: applied line %v: want topic company.companies.v1, group %s, result applied", name, rec, name)
		}
		if _, ok := rec["offset"].(float64); !ok {
			t.Errorf("%s: applied line without offset: %v", name, rec)
		}
	}
	if consumers == 0 {
		t.Fatal("no consumer of company.companies.v1 is running")
	}
	// identity applies company.created by adding the company to its creator and publishing
	// user.updated from inside that consumer transaction: the trace crosses Kafka twice.
	waitRecord(t, env, "company", "user.updated from identity applied with trace_id "+traceID, func(rec Record) bool {
		return rec.Str("trace_id") == traceID && rec.Str("msg") == "applied event" && rec.Str("type") == "user.updated" &&
			rec.Str("topic") == "identity.users.v1"
	})
}
