package llm

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/eventai/eventai/services/suggestion/internal/planner"
)

func testInput(t *testing.T) planner.Input {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	d := func(h, m int) time.Time { return time.Date(2025, 9, 6, h, m, 0, 0, loc) }
	var sessions []planner.Session
	for i, h := range []int{10, 11, 12, 14} {
		sessions = append(sessions, planner.Session{ExternalID: "s" + string(rune('1'+i)), Room: "Main", Title: "Talk", Start: d(h, 0), End: d(h, 45)})
	}
	return planner.Input{
		Event: planner.Event{ID: "e1", Type: "conference", ExpectedAttendees: 400, Timezone: "Europe/Berlin",
			StartsAt: d(9, 0), EndsAt: d(18, 0)},
		Sessions: sessions,
	}
}

// fakeLLM speaks the chat-completions API and answers with content.
func fakeLLM(t *testing.T, status int, content string, check func(*http.Request, chatRequest)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req chatRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if check != nil {
			check(r, req)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": "chatcmpl-1", "object": "chat.completion",
			"choices": []map[string]any{{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": content}}},
		})
	}))
	t.Cleanup(srv.Close)
	return srv
}

const validAnswer = `{"tasks": [
 {"title": "Welcome desk", "description": "Greet and badge attendees", "area": "Registration",
  "required_skills": [{"name": "Registration", "min_level": 2}], "starts_at": "2025-09-06T06:30:00Z",
  "ends_at": "2025-09-06T10:00:00Z", "priority": 4, "headcount": 3, "slot_group": "reg-1"},
 {"title": "Night security", "description": "", "area": "security",
  "required_skills": [], "starts_at": "2025-09-06T16:00:00Z", "ends_at": "2025-09-06T20:00:00Z",
  "priority": 5, "headcount": 2}
]}`

func TestValidAnswerIsUsed(t *testing.T) {
	in := testInput(t)
	srv := fakeLLM(t, http.StatusOK, validAnswer, func(r *http.Request, req chatRequest) {
		if r.URL.Path != "/v1/chat/completions" {
			t.Errorf("path %q", r.URL.Path)
		}
		if got := r.Header.Get("Authorization"); got != "Bearer secret" {
			t.Errorf("authorization %q", got)
		}
		if req.Model != "test-model" || req.ResponseFormat["type"] != "json_object" || len(req.Messages) != 2 {
			t.Errorf("request %+v", req)
		}
		if !strings.Contains(req.Messages[1].Content, `"expected_attendees":400`) || !strings.Contains(req.Messages[1].Content, `"room":"Main"`) {
			t.Errorf("user prompt lacks the event or schedule: %s", req.Messages[1].Content)
		}
	})
	p := New(Config{BaseURL: srv.URL + "/v1/", Model: "test-model", APIKey: "secret", Timeout: 5 * time.Second}, srv.Client())
	res, err := p.Plan(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if res.Source != SourceLLM || res.FallbackReason != "" {
		t.Fatalf("source %q reason %q", res.Source, res.FallbackReason)
	}
	sessionDrafts, err := planner.SessionDrafts(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Drafts) != 2+len(sessionDrafts) {
		t.Fatalf("%d drafts, want the model's 2 plus %d session drafts", len(res.Drafts), len(sessionDrafts))
	}
	first := res.Drafts[0]
	if first.Area != "registration" || first.RequiredSkills[0].Name != "registration" || first.SlotGroup != "llm:reg-1" || first.Headcount != 3 {
		t.Errorf("first draft not normalised: %+v", first)
	}
	if res.Drafts[1].SlotGroup != "llm:security:1" {
		t.Errorf("missing slot group not filled: %q", res.Drafts[1].SlotGroup)
	}
}

func TestFallbacks(t *testing.T) {
	in := testInput(t)
	builtin, err := planner.Plan(in)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		status  int
		content string
		reason  string
	}{
		{"invalid json", http.StatusOK, `{"tasks": [ {"title": `, "decode llm drafts"},
		{"not an object", http.StatusOK, `"sure, here is your plan"`, "decode llm drafts"},
		{"no tasks", http.StatusOK, `{"plan": []}`, `no "tasks" array`},
		{"empty tasks", http.StatusOK, `{"tasks": []}`, "no tasks"},
		{"priority out of range", http.StatusOK, strings.Replace(validAnswer, `"priority": 4`, `"priority": 9`, 1), "drafts[0].priority"},
		{"window far outside the event", http.StatusOK, strings.NewReplacer("2025-09-06T06:30:00Z", "2025-09-01T06:30:00Z", "2025-09-06T10:00:00Z", "2025-09-01T10:00:00Z").Replace(validAnswer), "drafts[0].starts_at"},
		{"headcount too large", http.StatusOK, strings.Replace(validAnswer, `"headcount": 3`, `"headcount": 500`, 1), "drafts[0].headcount"},
		{"server error", http.StatusInternalServerError, validAnswer, "500"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := fakeLLM(t, tc.status, tc.content, nil)
			res, err := New(Config{BaseURL: srv.URL, Model: "m"}, srv.Client()).Plan(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			if res.Source != SourceBuiltin || !strings.Contains(res.FallbackReason, tc.reason) {
				t.Errorf("source %q reason %q, want builtin with %q", res.Source, res.FallbackReason, tc.reason)
			}
			if len(res.Drafts) != len(builtin) {
				t.Errorf("fallback has %d drafts, built-in plan %d", len(res.Drafts), len(builtin))
			}
		})
	}
}

func TestTimeoutFallsBack(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Never answers: waits for the client to give up (or the test to end).
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	res, err := New(Config{BaseURL: srv.URL, Timeout: 50 * time.Millisecond}, srv.Client()).Plan(context.Background(), testInput(t))
	if err != nil {
		t.Fatal(err)
	}
	if res.Source != SourceBuiltin || !strings.Contains(res.FallbackReason, "timed out") {
		t.Errorf("source %q reason %q", res.Source, res.FallbackReason)
	}
}

func TestNotConfiguredAndInvalidInput(t *testing.T) {
	res, err := New(Config{}, nil).Plan(context.Background(), testInput(t))
	if err != nil || res.Source != SourceBuiltin || res.FallbackReason != "llm not configured" {
		t.Errorf("unconfigured: %+v %v", res.Source, err)
	}
	bad := testInput(t)
	bad.Event.Timezone = "Nowhere/Else"
	if _, err := New(Config{BaseURL: "http://127.0.0.1:1"}, nil).Plan(context.Background(), bad); !errors.Is(err, planner.ErrInvalidInput) {
		t.Errorf("invalid input: want ErrInvalidInput, got %v", err)
	}
}
