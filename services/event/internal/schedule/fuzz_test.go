package schedule

import (
	"errors"
	"testing"
)

// FuzzParse checks that no input panics and that every accepted document
// keeps the invariants clients rely on.
func FuzzParse(f *testing.F) {
	for _, seed := range []struct{ ct, file string }{
		{"application/xml", "mini.xml"},
		{"application/json", "mini.json"},
		{"text/calendar", "mini.ics"},
		{"application/xml", "invalid.xml"},
		{"application/xml", "broken.xml"},
		{"application/json", "broken.json"},
	} {
		f.Add(seed.ct, fixture(f, seed.file))
	}
	f.Add("", []byte(`{"conference": {"days": [{"rooms": {"A": [{"id": 1, "start": "25:00", "duration": "1"}]}}]}}`))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		s, err := Parse(contentType, body)
		if err != nil {
			var (
				se *SyntaxError
				ve *ValidationError
				ue *UnsupportedTypeError
			)
			if !errors.As(err, &se) && !errors.As(err, &ve) && !errors.As(err, &ue) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		rooms := map[string]bool{}
		for _, r := range s.Rooms {
			rooms[r] = true
		}
		ids := map[string]bool{}
		for _, ses := range s.Sessions {
			if !ses.End.After(ses.Start) {
				t.Fatalf("session %q: end %v not after start %v", ses.ExternalID, ses.End, ses.Start)
			}
			if ses.ExternalID == "" || ids[ses.ExternalID] {
				t.Fatalf("missing or duplicate id %q", ses.ExternalID)
			}
			ids[ses.ExternalID] = true
			if !rooms[ses.Room] {
				t.Fatalf("room %q not in Rooms", ses.Room)
			}
		}
	})
}
