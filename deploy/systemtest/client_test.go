package systemtest

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Client talks to the gateway as one caller (optionally with a bearer token).
// Its helpers fail the test on transport errors and on unexpected answers.
type Client struct {
	t     testing.TB
	base  string
	http  *http.Client
	Token string
}

// Response is a fully read HTTP answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Problem is an RFC 9457 problem document as the services write it.
type Problem struct {
	Type     string       `json:"type"`
	Title    string       `json:"title"`
	Status   int          `json:"status"`
	Detail   string       `json:"detail"`
	Instance string       `json:"instance"`
	Errors   []FieldError `json:"errors"`
}

// FieldError is one entry of a validation problem's errors.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Tokens is the answer of login (and the token part of register).
type Tokens struct {
	Access    string `json:"access"`
	Refresh   string `json:"refresh"`
	TokenType string `json:"token_type"`
	ExpiresIn int    `json:"expires_in"`
	User      User   `json:"user"`
}

// User is the user object of DESIGN.md (the fields tests look at).
type User struct {
	ID         string   `json:"id"`
	Username   string   `json:"username"`
	Email      string   `json:"email"`
	FullName   string   `json:"full_name"`
	Role       string   `json:"role"`
	CompanyIDs []string `json:"company_ids"`
	IsActive   bool     `json:"is_active"`
}

// Client returns an anonymous client of the gateway.
func (e *Env) Client(t testing.TB) *Client {
	return &Client{t: t, base: e.BaseURL, http: &http.Client{Timeout: 30 * time.Second}}
}

// As returns a copy of c that sends token as its bearer token.
func (c *Client) As(token string) *Client {
	cp := *c
	cp.Token = token
	return &cp
}

// Raw is a request body sent as is (e.g. malformed JSON).
type Raw string

// Do sends a request; body is nil, Raw, or a value encoded as JSON.
// Extra headers come in pairs: Do("PUT", p, b, "If-Match", `"3"`).
func (c *Client) Do(method, path string, body any, headers ...string) *Response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case Raw:
		rd = strings.NewReader(string(b))
	default:
		data, err := json.Marshal(b)
		if err != nil {
			c.t.Fatalf("encode %s %s body: %v", method, path, err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatalf("build %s %s: %v", method, path, err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json, application/problem+json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// JSON sends a request, requires status want and a JSON answer, and decodes
// it into out (unless out is nil or the answer has no body).
func (c *Client) JSON(method, path string, body any, want int, out any) *Response {
	c.t.Helper()
	r := c.Do(method, path, body)
	if r.Status != want {
		c.t.Fatalf("%s %s: status %d, want %d; body: %s", method, path, r.Status, want, r.Body)
	}
	if out != nil && len(r.Body) > 0 {
		if mt := r.MediaType(); mt != "application/json" {
			c.t.Fatalf("%s %s: Content-Type %q, want application/json; body: %s", method, path, mt, r.Body)
		}
		if err := json.Unmarshal(r.Body, out); err != nil {
			c.t.Fatalf("%s %s: decode %s: %v", method, path, r.Body, err)
		}
	}
	return r
}

// Problem sends a request and requires an RFC 9457 answer with status want:
// Content-Type application/problem+json, a type, a title and the same status in the body.
func (c *Client) Problem(method, path string, body any, want int, headers ...string) Problem {
	c.t.Helper()
	return c.Do(method, path, body, headers...).RequireProblem(c.t, method+" "+path, want)
}

// RequireProblem checks that r is a problem+json answer with status want.
func (r *Response) RequireProblem(t testing.TB, what string, want int) Problem {
	t.Helper()
	if r.Status != want {
		t.Fatalf("%s: status %d, want %d; body: %s", what, r.Status, want, r.Body)
	}
	if mt := r.MediaType(); mt != "application/problem+json" {
		t.Fatalf("%s: Content-Type %q, want application/problem+json; body: %s", what, mt, r.Body)
	}
	var p Problem
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("%s: decode problem %s: %v", what, r.Body, err)
	}
	if p.Type == "" || p.Title == "" || p.Status != want {
		t.Fatalf("%s: problem lacks type/title or has status %d (want %d): %s", what, p.Status, want, r.Body)
	}
	return p
}

// MediaType is the answer's Content-Type without parameters.
func (r *Response) MediaType() string {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt
}

// Decode decodes the body into out, failing the test on error.
func (r *Response) Decode(t testing.TB, out any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, out); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Registered is the answer of POST /auth/register/.
type Registered struct {
	User    User   `json:"user"`
	Access  string `json:"access"`
	Refresh string `json:"refresh"`
}

// Register creates a staff account with a unique username and returns its
// credentials and the register answer.
func (e *Env) Register(t testing.TB, prefix string) (Credentials, Registered) {
	t.Helper()
	name := Unique(prefix)
	cred := Credentials{Username: name, Email: name + "@example.com", Password: "Pw-" + randomHex(8)}
	var reg Registered
	e.Client(t).JSON("POST", "/auth/register/", map[string]any{
		"username": cred.Username, "email": cred.Email, "password": cred.Password, "full_name": "Test " + name,
	}, http.StatusCreated, &reg)
	return cred, reg
}

// Login logs in by username and returns the tokens.
func (e *Env) Login(t testing.TB, cred Credentials) Tokens {
	t.Helper()
	var tok Tokens
	e.Client(t).JSON("POST", "/auth/login/", map[string]any{"username": cred.Username, "password": cred.Password}, http.StatusOK, &tok)
	if tok.Access == "" {
		t.Fatalf("login of %s returned no access token", cred.Username)
	}
	return tok
}

// AdminClient is a client logged in as the bootstrap admin.
func (e *Env) AdminClient(t testing.TB) *Client {
	t.Helper()
	return e.Client(t).As(e.Login(t, e.Admin).Access)
}

// CreateUser has the admin create a user with a role (and optional extra
// fields, e.g. company_ids or skills) and returns its credentials, user and a
// client logged in as it.
func (e *Env) CreateUser(t testing.TB, role string, extra map[string]any) (Credentials, User, *Client) {
	t.Helper()
	name := Unique(role)
	cred := Credentials{Username: name, Email: name + "@example.com", Password: "Pw-" + randomHex(8)}
	body := map[string]any{"username": cred.Username, "email": cred.Email, "password": cred.Password, "role": role, "full_name": "Test " + name}
	for k, v := range extra {
		body[k] = v
	}
	var u User
	e.AdminClient(t).JSON("POST", "/admin/users/", body, http.StatusCreated, &u)
	return cred, u, e.Client(t).As(e.Login(t, cred).Access)
}
