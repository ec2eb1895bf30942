// Package llm drafts an event's tasks with an OpenAI-compatible
// chat-completions endpoint and falls back to the built-in planner whenever
// the endpoint is not configured, fails, times out or answers something that
// does not pass planner.ValidateDrafts.
//
// The model drafts the event-level work (registration, security, catering...)
// from the event and a summary of its schedule; the per-session work
// (heralds, camera operators, room set-up, AV shifts) is mechanical and
// always comes from the built-in rules, which keeps prompts small for
// schedules of a thousand sessions.
package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/eventai/eventai/services/suggestion/internal/planner"
)

// Config selects the endpoint. The caller reads it from its settings
// (LLM_BASE_URL, LLM_MODEL, LLM_API_KEY); this package reads no environment.
type Config struct {
	// BaseURL is the API root, e.g. http://127.0.0.1:11434/v1; empty
	// disables the LLM and every plan comes from the built-in planner.
	BaseURL string
	Model   string
	// APIKey is sent as a bearer token when set.
	APIKey string
	// Timeout bounds one completion; zero means DefaultTimeout.
	Timeout time.Duration
}

// DefaultTimeout bounds a completion when Config.Timeout is zero.
const DefaultTimeout = 20 * time.Second

// maxResponse bounds how much of an answer is read.
const maxResponse = 8 << 20

// Where a plan came from.
const (
	SourceLLM     = "llm"
	SourceBuiltin = "builtin"
)

// Result is a plan and where it came from.
type Result struct {
	Drafts []planner.TaskDraft
	// Source is SourceLLM or SourceBuiltin.
	Source string
	// FallbackReason says why the built-in planner was used; empty when the
	// model's plan was used.
	FallbackReason string
}

// Planner drafts tasks with the configured model.
type Planner struct {
	cfg    Config
	client *http.Client
}

// New returns a Planner; a nil client means http.DefaultClient.
func New(cfg Config, client *http.Client) *Planner {
	if client == nil {
		client = http.DefaultClient
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	cfg.BaseURL = strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	return &Planner{cfg: cfg, client: client}
}

// Plan drafts the event's tasks. It returns an error only for input the
// built-in planner rejects too (planner.ErrInvalidInput); every failure of
// the model becomes a fallback with its reason.
func (p *Planner) Plan(ctx context.Context, in planner.Input) (Result, error) {
	builtin, err := planner.Plan(in)
	if err != nil {
		return Result{}, err
	}
	fallback := func(reason string) (Result, error) {
		return Result{Drafts: builtin, Source: SourceBuiltin, FallbackReason: reason}, nil
	}
	if p.cfg.BaseURL == "" {
		return fallback("llm not configured")
	}
	drafts, err := p.complete(ctx, in)
	if err != nil {
		return fallback(err.Error())
	}
	sessions, err := planner.SessionDrafts(in)
	if err != nil {
		return Result{}, err
	}
	all := append(drafts, sessions...)
	if err := planner.ValidateDrafts(in.Event, all); err != nil {
		return fallback(fmt.Sprintf("llm drafts rejected: %v", err))
	}
	return Result{Drafts: all, Source: SourceLLM}, nil
}

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type chatRequest struct {
	Model          string            `json:"model"`
	Messages       []chatMessage     `json:"messages"`
	ResponseFormat map[string]string `json:"response_format"`
	Temperature    float64           `json:"temperature"`
}

type chatResponse struct {
	Choices []struct {
		Message struct {
			Content string `json:"content"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
}

// complete asks the model and decodes its drafts. Any error means fallback.
func (p *Planner) complete(ctx context.Context, in planner.Input) ([]planner.TaskDraft, error) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	prompt, err := userPrompt(in)
	if err != nil {
		return nil, fmt.Errorf("build prompt: %w", err)
	}
	body, err := json.Marshal(chatRequest{
		Model: p.cfg.Model,
		Messages: []chatMessage{
			{Role: "system", Content: systemPrompt},
			{Role: "user", Content: prompt},
		},
		ResponseFormat: map[string]string{"type": "json_object"},
	})
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.cfg.BaseURL+"/chat/completions", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if p.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+p.cfg.APIKey)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("llm timed out after %v", p.cfg.Timeout)
		}
		return nil, fmt.Errorf("call llm: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, fmt.Errorf("read llm answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("llm answered %s", resp.Status)
	}
	if len(raw) > maxResponse {
		return nil, errors.New("llm answer too large")
	}
	var cr chatResponse
	if err := json.Unmarshal(raw, &cr); err != nil {
		return nil, fmt.Errorf("decode llm answer: %w", err)
	}
	if len(cr.Choices) == 0 {
		return nil, errors.New("llm answer has no choices")
	}
	return decodeDrafts(cr.Choices[0].Message.Content)
}

// decodeDrafts reads {"tasks": [...]} (or a bare array) and normalises what
// the schema leaves free: skill and area names lower-case, slot groups
// prefixed so they cannot collide with the built-in session groups.
func decodeDrafts(content string) ([]planner.TaskDraft, error) {
	content = strings.TrimSpace(content)
	// Some models wrap JSON in a Markdown fence despite response_format.
	content = strings.TrimPrefix(strings.TrimPrefix(content, "```json"), "```")
	content = strings.TrimSpace(strings.TrimSuffix(content, "```"))
	var drafts []planner.TaskDraft
	if strings.HasPrefix(content, "[") {
		if err := json.Unmarshal([]byte(content), &drafts); err != nil {
			return nil, fmt.Errorf("decode llm drafts: %w", err)
		}
	} else {
		var wrapped struct {
			Tasks *[]planner.TaskDraft `json:"tasks"`
		}
		if err := json.Unmarshal([]byte(content), &wrapped); err != nil {
			return nil, fmt.Errorf("decode llm drafts: %w", err)
		}
		if wrapped.Tasks == nil {
			return nil, errors.New(`llm drafts: no "tasks" array`)
		}
		drafts = *wrapped.Tasks
	}
	if len(drafts) == 0 {
		return nil, errors.New("llm drafted no tasks")
	}
	for i := range drafts {
		d := &drafts[i]
		d.Title = strings.TrimSpace(d.Title)
		d.Area = strings.ToLower(strings.TrimSpace(d.Area))
		for j := range d.RequiredSkills {
			d.RequiredSkills[j].Name = strings.ToLower(strings.TrimSpace(d.RequiredSkills[j].Name))
		}
		if d.RequiredSkills == nil {
			d.RequiredSkills = []planner.Skill{}
		}
		g := strings.TrimSpace(d.SlotGroup)
		if g == "" {
			g = fmt.Sprintf("%s:%d", d.Area, i)
		}
		d.SlotGroup = "llm:" + g
		d.Start, d.End = d.Start.UTC(), d.End.UTC()
		d.Seat = 0
		// Session work is the built-in planner's; the model plans event-level work.
		d.SessionExternalID = ""
	}
	return drafts, nil
}

const systemPrompt = `You plan the staff tasks of an event. Answer with one JSON object {"tasks": [...]} and nothing else.
Each task: {"title": string, "description": string, "area": one of registration|infodesk|security|first-aid|cloakroom|runners|catering|cleanup|setup|teardown|av|heralding|other,
"required_skills": [{"name": lower-case skill, "min_level": 1-5}], "starts_at": RFC 3339 UTC, "ends_at": RFC 3339 UTC after starts_at,
"priority": 1-5 (5 = the event cannot run without it), "headcount": 1-50 people needed at the same time, "slot_group": short unique id}.
Plan event-level work only (per-session heralds, camera operators and room set-up are planned separately): set-up before the
event, teardown after it, registration and infodesk shifts of at most 4 hours over the opening hours in the event's timezone,
security and first aid scaled by attendees, catering around meal times, clean-up after each day. Keep tasks within 48 hours of
the event and at most 16 hours long; keep the total demand realistic for the attendees.`

type roomDay struct {
	Date       string `json:"date"`
	Sessions   int    `json:"sessions"`
	FirstStart string `json:"first_start"`
	LastEnd    string `json:"last_end"`
}

type roomSummary struct {
	Room string    `json:"room"`
	Days []roomDay `json:"days"`
}

// maxPromptRooms bounds the schedule summary in a prompt.
const maxPromptRooms = 100

func userPrompt(in planner.Input) (string, error) {
	loc, err := time.LoadLocation(in.Event.Timezone)
	if err != nil {
		return "", err
	}
	byRoom := map[string]map[string]*roomDay{}
	for _, s := range in.Sessions {
		date := s.Start.In(loc).Add(-6 * time.Hour).Format("2006-01-02")
		if byRoom[s.Room] == nil {
			byRoom[s.Room] = map[string]*roomDay{}
		}
		d := byRoom[s.Room][date]
		if d == nil {
			d = &roomDay{Date: date, FirstStart: s.Start.UTC().Format(time.RFC3339), LastEnd: s.End.UTC().Format(time.RFC3339)}
			byRoom[s.Room][date] = d
		}
		d.Sessions++
		if st := s.Start.UTC().Format(time.RFC3339); st < d.FirstStart {
			d.FirstStart = st
		}
		if en := s.End.UTC().Format(time.RFC3339); en > d.LastEnd {
			d.LastEnd = en
		}
	}
	rooms := make([]roomSummary, 0, len(byRoom))
	for r, days := range byRoom {
		rs := roomSummary{Room: r}
		for _, d := range days {
			rs.Days = append(rs.Days, *d)
		}
		sort.Slice(rs.Days, func(i, j int) bool { return rs.Days[i].Date < rs.Days[j].Date })
		rooms = append(rooms, rs)
	}
	sort.Slice(rooms, func(i, j int) bool { return rooms[i].Room < rooms[j].Room })
	if len(rooms) > maxPromptRooms {
		rooms = rooms[:maxPromptRooms]
	}
	b, err := json.Marshal(map[string]any{
		"event": map[string]any{
			"event_type":         in.Event.Type,
			"expected_attendees": in.Event.ExpectedAttendees,
			"starts_at":          in.Event.StartsAt.UTC().Format(time.RFC3339),
			"ends_at":            in.Event.EndsAt.UTC().Format(time.RFC3339),
			"timezone":           in.Event.Timezone,
			"team_size":          in.TeamSize,
		},
		"schedule_rooms": rooms,
	})
	return string(b), err
}
