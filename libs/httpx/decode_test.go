package httpx

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/eventai/eventai/libs/problem"
)

type createUser struct {
	Username string `json:"username"`
	Age      int    `json:"age"`
	Skills   []struct {
		Name  string `json:"name"`
		Level int    `json:"level"`
	} `json:"skills"`
}

func decodeBody(t *testing.T, body string, limit int64) (*createUser, *problem.Problem) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(body))
	var dst createUser
	err := DecodeLimit(httptest.NewRecorder(), r, &dst, limit)
	if err == nil {
		return &dst, nil
	}
	var p *problem.Problem
	if !errors.As(err, &p) {
		t.Fatalf("error %v is not a problem", err)
	}
	return nil, p
}

func TestDecodeOK(t *testing.T) {
	got, p := decodeBody(t, ` {"username":"ann","age":3,"skills":[{"name":"av","level":2}]} `+"\n", DefaultMaxBody)
	if p != nil {
		t.Fatal(p)
	}
	if got.Username != "ann" || got.Age != 3 || len(got.Skills) != 1 || got.Skills[0].Level != 2 {
		t.Fatalf("got %+v", got)
	}
}

func TestDecodeProblems(t *testing.T) {
	cases := []struct {
		name, body string
		limit      int64
		status     int
		field      string // expected errors[0].field for 422
		detail     string // substring of detail
	}{
		{"empty", "", DefaultMaxBody, 400, "", "empty"},
		{"whitespace only", "  \n", DefaultMaxBody, 400, "", "empty"},
		{"syntax", `{"username": "a",}`, DefaultMaxBody, 400, "", "byte offset 18"},
		{"truncated", `{"username": "a"`, DefaultMaxBody, 400, "", "ends early"},
		{"unknown field", `{"username":"a","role":"admin"}`, DefaultMaxBody, 422, "role", ""},
		{"wrong type", `{"age":"old"}`, DefaultMaxBody, 422, "age", "an integer"},
		{"nested wrong type", `{"skills":[{"level":"x"}]}`, DefaultMaxBody, 422, "skills.level", ""},
		{"trailing data", `{"username":"a"} {"x":1}`, DefaultMaxBody, 400, "", "after the JSON value"},
		{"trailing garbage", `{"username":"a"} x`, DefaultMaxBody, 400, "", "after the JSON value"},
		{"too large", `{"username":"` + strings.Repeat("a", 100) + `"}`, 50, 413, "", "exceeds 50 bytes"},
		{"array instead of object", `[1]`, DefaultMaxBody, 422, "(body)", "an object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, p := decodeBody(t, c.body, c.limit)
			if p == nil {
				t.Fatal("want a problem")
			}
			if p.Status != c.status {
				t.Fatalf("status %d, want %d (%s)", p.Status, c.status, p.Detail)
			}
			if c.field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != c.field) {
				t.Fatalf("errors %+v, want field %q", p.Errors, c.field)
			}
			if c.detail != "" && !strings.Contains(p.Detail+" "+errMsgs(p), c.detail) {
				t.Fatalf("detail %q / %q lacks %q", p.Detail, errMsgs(p), c.detail)
			}
		})
	}
}

func errMsgs(p *problem.Problem) string {
	var s []string
	for _, e := range p.Errors {
		s = append(s, e.Message)
	}
	return strings.Join(s, "; ")
}

func TestDecodeDefaultLimitIsOneMiB(t *testing.T) {
	big := `{"username":"` + strings.Repeat("a", DefaultMaxBody) + `"}`
	r := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(big))
	var dst createUser
	var p *problem.Problem
	if err := Decode(httptest.NewRecorder(), r, &dst); !errors.As(err, &p) || p.Status != 413 {
		t.Fatalf("err = %v", err)
	}
	justUnder := `{"username":"` + strings.Repeat("a", DefaultMaxBody-20) + `"}`
	r = httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(justUnder))
	if err := Decode(httptest.NewRecorder(), r, &dst); err != nil {
		t.Fatalf("body under the limit: %v", err)
	}
}

func TestWriteErrorAndJSON(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteError(rec, httptest.NewRequest("GET", "/a", nil), errors.New("db down: password=x"))
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "password") {
		t.Fatalf("internal error leaked or wrong status: %d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	JSON(rec, 201, map[string]int{"a": 1})
	var got map[string]int
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got["a"] != 1 || rec.Code != 201 || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("JSON wrote %d %q %v", rec.Code, rec.Body, err)
	}
}

func TestPage(t *testing.T) {
	cases := []struct {
		query  string
		limit  int
		cursor string
		bad    bool
	}{
		{"", 50, "", false},
		{"limit=10&cursor=abc", 10, "abc", false},
		{"limit=200", 200, "", false},
		{"limit=201", 200, "", false},
		{"limit=0", 0, "", true},
		{"limit=-1", 0, "", true},
		{"limit=ten", 0, "", true},
		{"cursor=" + strings.Repeat("c", 600), 0, "", true},
	}
	for _, c := range cases {
		limit, cursor, err := Page(httptest.NewRequest("GET", "/x?"+c.query, nil))
		if c.bad {
			var p *problem.Problem
			if !errors.As(err, &p) || p.Status != 400 {
				t.Errorf("%q: err = %v, want 400 problem", c.query, err)
			}
			continue
		}
		if err != nil || limit != c.limit || cursor != c.cursor {
			t.Errorf("%q: got %d %q %v, want %d %q", c.query, limit, cursor, err, c.limit, c.cursor)
		}
	}
}

// Postgres text cannot hold U+0000: a NUL inside any JSON string must be a
// 400 here, not a 500 from the store. An escaped backslash followed by
// "u0000" is ordinary text and must pass.
func TestDecodeRefusesNUL(t *testing.T) {
	for _, body := range []string{
		`{"username":"a\u0000b"}`,
		`{"skills":[{"name":"\u0000"}]}`,
		`{"username":"x\\\u0000"}`,
	} {
		_, p := decodeBody(t, body, DefaultMaxBody)
		if p == nil || p.Status != 400 || !strings.Contains(p.Detail, "NUL") {
			t.Fatalf("%s: problem %+v, want 400 naming NUL", body, p)
		}
	}
	got, p := decodeBody(t, `{"username":"C:\\u0000"}`, DefaultMaxBody)
	if p != nil {
		t.Fatalf("escaped backslash refused: %+v", p)
	}
	if got.Username != `C:\u0000` {
		t.Fatalf("username %q", got.Username)
	}
}

// A time that is not RFC 3339 fails inside time.Time's UnmarshalJSON, which names no field; it
// must still come back as a 422 naming the field, like every other wrong value.
func TestDecodeBadTimeNamesTheField(t *testing.T) {
	type slot struct {
		StartsAt time.Time `json:"starts_at"`
		EndsAt   time.Time `json:"ends_at"`
	}
	type body struct {
		Title string     `json:"title"`
		Due   *time.Time `json:"due"`
		Slots []slot     `json:"availability"`
	}
	cases := map[string]string{
		`{"due": "tomorrow"}`: "due",
		`{"due": 5}`:          "due",
		`{"availability": [{"starts_at": "2027-01-10T09:00:00Z", "ends_at": "2027-01-10T10:00:00Z"}, {"starts_at": "2027-01-10T09:00:00Z", "ends_at": "2027-01-10"}]}`: "availability[1].ends_at",
	}
	for in, field := range cases {
		r := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(in))
		var dst body
		err := Decode(httptest.NewRecorder(), r, &dst)
		var p *problem.Problem
		if !errors.As(err, &p) || p.Status != 422 || len(p.Errors) != 1 || p.Errors[0].Field != field ||
			!strings.Contains(p.Errors[0].Message, "RFC 3339") {
			t.Fatalf("%s: got %v (%+v), want 422 naming %s", in, err, p, field)
		}
	}
}

// A malformed UUID fails inside uuid.UUID's UnmarshalText; it must be a 422 naming the field.
func TestDecodeBadUUIDNamesTheField(t *testing.T) {
	type body struct {
		Owner  uuid.UUID   `json:"owner_id"`
		Except []uuid.UUID `json:"except"`
	}
	for in, field := range map[string]string{
		`{"owner_id": "x"}`: "owner_id",
		`{"except": ["3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c", "nope"]}`: "except[1]",
	} {
		r := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(in))
		var dst body
		err := Decode(httptest.NewRecorder(), r, &dst)
		var p *problem.Problem
		if !errors.As(err, &p) || p.Status != 422 || len(p.Errors) != 1 || p.Errors[0].Field != field {
			t.Fatalf("%s: got %v (%+v), want 422 naming %s", in, err, p, field)
		}
	}
}
