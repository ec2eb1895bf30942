package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// client calls the gateway as one signed-in user (or anonymously).
type client struct {
	base  string
	http  *http.Client
	token string
}

// apiError is an answer with an unexpected status; it keeps the problem
// document so the demo can print what the service said.
type apiError struct {
	Method, Path string
	Status       int
	Title        string
	Detail       string
	Body         string
}

func (e *apiError) Error() string {
	msg := e.Detail
	if msg == "" {
		msg = e.Title
	}
	if msg == "" {
		msg = e.Body
	}
	return fmt.Sprintf("%s %s: status %d: %s", e.Method, e.Path, e.Status, msg)
}

func (c *client) as(token string) *client {
	cp := *c
	cp.token = token
	return &cp
}

// do sends body (JSON-encoded unless it is []byte, which goes as contentType)
// and decodes a 2xx answer into out. It waits out 429 answers (Retry-After)
// a few times, since the gateway rate-limits per client address.
func (c *client) do(ctx context.Context, method, path string, body any, contentType string, out any) (int, error) {
	var data []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		data = b
	default:
		var err error
		if data, err = json.Marshal(b); err != nil {
			return 0, fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		contentType = "application/json"
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(data))
		if err != nil {
			return 0, fmt.Errorf("build %s %s: %w", method, path, err)
		}
		if body != nil {
			req.Header.Set("Content-Type", contentType)
		}
		req.Header.Set("Accept", "application/json, application/problem+json")
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		resp, err := c.http.Do(req)
		if err != nil {
			return 0, fmt.Errorf("%s %s: %w", method, path, err)
		}
		raw, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
		resp.Body.Close()
		if err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: read answer: %w", method, path, err)
		}
		if resp.StatusCode == http.StatusTooManyRequests && attempt < 5 {
			wait := time.Second
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
				wait = time.Duration(min(s, 60)) * time.Second
			}
			select {
			case <-time.After(wait):
				continue
			case <-ctx.Done():
				return resp.StatusCode, ctx.Err()
			}
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return resp.StatusCode, problemOf(method, path, resp, raw)
		}
		if out != nil && len(raw) > 0 {
			if err := json.Unmarshal(raw, out); err != nil {
				return resp.StatusCode, fmt.Errorf("%s %s: decode %d-byte answer (status %d, Content-Length %q) %q: %w",
					method, path, len(raw), resp.StatusCode, resp.Header.Get("Content-Length"), raw[:min(len(raw), 200)], err)
			}
		}
		return resp.StatusCode, nil
	}
}

func problemOf(method, path string, resp *http.Response, raw []byte) error {
	e := &apiError{Method: method, Path: path, Status: resp.StatusCode}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt == "application/problem+json" {
		var p struct {
			Title  string `json:"title"`
			Detail string `json:"detail"`
			Errors []struct {
				Field   string `json:"field"`
				Message string `json:"message"`
			} `json:"errors"`
		}
		if json.Unmarshal(raw, &p) == nil {
			e.Title, e.Detail = p.Title, p.Detail
			for i, fe := range p.Errors {
				if i == 3 {
					e.Detail += fmt.Sprintf(" (and %d more)", len(p.Errors)-3)
					break
				}
				e.Detail += fmt.Sprintf(" [%s: %s]", fe.Field, fe.Message)
			}
			return e
		}
	}
	e.Body = strings.TrimSpace(string(raw[:min(len(raw), 300)]))
	return e
}

// statusOf reports the HTTP status of an apiError (0 for other errors).
func statusOf(err error) int {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}
