// Package schedule parses conference schedules (pentabarf/frab XML, C3VOC
// JSON and iCalendar) into one normalised form: sessions with UTC instants,
// rooms in document order and the schedule's own ids for idempotent re-imports.
//
// The package does no I/O: callers hand it the request body and its content
// type. Real schedules are messier than their schemas, so the parsers accept
// what they can interpret unambiguously and report everything else as a
// ValidationError with one path per problem.
package schedule

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"strings"
	"time"

	// Schedules name IANA zones; embedding the database keeps parsing correct
	// in minimal container images that ship no /usr/share/zoneinfo.
	_ "time/tzdata"
)

// Bounds on the work a single document may cause.
const (
	// MaxSessions is the largest number of sessions a document may hold.
	MaxSessions = 20000
	// MaxBytes is the largest body Parse accepts (the import route's limit).
	MaxBytes = 16 << 20
	// maxXMLDepth bounds element nesting; frab XML needs 6 levels.
	maxXMLDepth = 32
	// maxXMLTokens bounds the token count; 38C3 (2 MiB) has about 200,000.
	maxXMLTokens = 4_000_000
	// maxProblems caps the list in a ValidationError so a broken file of
	// 20,000 sessions does not produce a megabyte of error text.
	maxProblems = 100
)

// Schedule is a parsed schedule.
type Schedule struct {
	// Title is the conference title.
	Title string `json:"title"`
	// Timezone is the IANA zone named by the document, or the default given
	// in Options, or empty when neither says.
	Timezone string `json:"timezone"`
	// Days are the schedule days in document order.
	Days []Day `json:"days"`
	// Rooms are the room names in order of first appearance.
	Rooms []string `json:"rooms"`
	// Sessions are all sessions in document order.
	Sessions []Session `json:"sessions"`
}

// Day is one schedule day. Conferences that run past midnight end their day
// at a fixed local hour (06:00 at 38C3), so a day is not a calendar date.
type Day struct {
	// Index is the document's day number (1-based).
	Index int `json:"index"`
	// Date is the local calendar date the day starts on (YYYY-MM-DD).
	Date string `json:"date"`
	// Start and End bound the day when the document says so (UTC); zero otherwise.
	Start time.Time `json:"start,omitzero"`
	End   time.Time `json:"end,omitzero"`
}

// Session is one scheduled item (talk, workshop, concert...).
type Session struct {
	// ExternalID is the schedule's own id: the guid when present, else the id.
	ExternalID string   `json:"external_id"`
	Room       string   `json:"room"`
	Track      string   `json:"track,omitempty"`
	Title      string   `json:"title"`
	Subtitle   string   `json:"subtitle,omitempty"`
	Type       string   `json:"type,omitempty"`
	Language   string   `json:"language,omitempty"`
	Speakers   []string `json:"speakers"`
	// Start and End are UTC instants; End is always after Start.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Day is the Index of the schedule day the session belongs to.
	Day int `json:"day"`
}

// Options tune parsing.
type Options struct {
	// DefaultTimezone is the IANA zone for documents that name none
	// (typically the event's zone). Empty means UTC.
	DefaultTimezone string
}

// Format names accepted by Parse.
const (
	FormatXML  = "xml"
	FormatJSON = "json"
	FormatICal = "ical"
)

// SyntaxError reports a document that is not well-formed XML, JSON or
// iCalendar. It maps to 400 Bad Request.
type SyntaxError struct {
	// Format is one of the Format constants.
	Format string
	// Line is the 1-based line of the error when known (0 otherwise).
	Line int
	// Offset is the byte offset of the error when known (-1 otherwise).
	Offset int64
	// Msg says what is wrong.
	Msg string
}

func (e *SyntaxError) Error() string {
	var at string
	switch {
	case e.Line > 0:
		at = fmt.Sprintf(" at line %d", e.Line)
	case e.Offset >= 0:
		at = fmt.Sprintf(" at offset %d", e.Offset)
	}
	return fmt.Sprintf("malformed %s schedule%s: %s", e.Format, at, e.Msg)
}

// Problem is one validation finding at a path inside the document.
type Problem struct {
	// Path locates the value, e.g. `day[2].room["Saal 1"].event[14].date`;
	// array indices are 0-based positions in the document.
	Path    string `json:"field"`
	Message string `json:"message"`
}

// ValidationError lists everything wrong with a well-formed document. It maps
// to 422 with per-field errors.
type ValidationError struct {
	Problems []Problem
	// Truncated is true when more problems were found than are listed.
	Truncated bool
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("invalid schedule: ")
	for i, p := range e.Problems {
		if i == 3 {
			fmt.Fprintf(&b, "; and %d more", len(e.Problems)-3)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Path + ": " + p.Message)
	}
	return b.String()
}

// ErrTooLarge is returned for bodies over MaxBytes (413).
var ErrTooLarge = errors.New("schedule document too large")

// UnsupportedTypeError is returned for a content type Parse cannot read (415).
type UnsupportedTypeError struct{ ContentType string }

func (e *UnsupportedTypeError) Error() string {
	return fmt.Sprintf("unsupported schedule content type %q (want application/xml, application/json or text/calendar)", e.ContentType)
}

// Parse reads a schedule with the document's own timezone, or UTC.
func Parse(contentType string, body []byte) (*Schedule, error) {
	return ParseWith(contentType, body, Options{})
}

// ParseWith reads a schedule. The format comes from the content type; for a
// missing or generic type (application/octet-stream, text/plain) it is
// sniffed from the first bytes.
func ParseWith(contentType string, body []byte, opts Options) (*Schedule, error) {
	if len(body) > MaxBytes {
		return nil, ErrTooLarge
	}
	format, err := detect(contentType, body)
	if err != nil {
		return nil, err
	}
	p := newParser(opts)
	if p.defaultLoc == nil {
		return nil, &ValidationError{Problems: []Problem{{Path: "timezone", Message: fmt.Sprintf("unknown default timezone %q", opts.DefaultTimezone)}}}
	}
	var s *Schedule
	switch format {
	case FormatXML:
		s, err = p.parseXML(body)
	case FormatJSON:
		s, err = p.parseJSON(body)
	default:
		s, err = p.parseICal(body)
	}
	if err != nil {
		return nil, err
	}
	if err := p.finish(s); err != nil {
		return nil, err
	}
	return s, nil
}

func detect(contentType string, body []byte) (string, error) {
	mt := ""
	if strings.TrimSpace(contentType) != "" {
		var err error
		mt, _, err = mime.ParseMediaType(contentType)
		if err != nil {
			return "", &UnsupportedTypeError{ContentType: contentType}
		}
	}
	switch {
	case mt == "application/xml" || mt == "text/xml" || strings.HasSuffix(mt, "+xml"):
		return FormatXML, nil
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return FormatJSON, nil
	case mt == "text/calendar":
		return FormatICal, nil
	case mt == "" || mt == "application/octet-stream" || mt == "text/plain":
		return sniff(body)
	}
	return "", &UnsupportedTypeError{ContentType: contentType}
}

func sniff(body []byte) (string, error) {
	b := bytes.TrimLeft(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")), " \t\r\n")
	switch {
	case len(b) > 0 && b[0] == '<':
		return FormatXML, nil
	case len(b) > 0 && b[0] == '{':
		return FormatJSON, nil
	case len(b) >= 15 && strings.EqualFold(string(b[:15]), "BEGIN:VCALENDAR"):
		return FormatICal, nil
	}
	return "", &UnsupportedTypeError{ContentType: "unrecognised body"}
}
