package schedule

import (
	"errors"
	"strings"
	"testing"
)

// Postgres text holds neither NUL nor invalid UTF-8; a schedule carrying
// either used to pass the parser and fail in the store as a 500. It must be a
// ValidationError naming the field.
func TestUnstorableTextIsAProblem(t *testing.T) {
	js := string(fixture(t, "mini.json"))
	ics := string(fixture(t, "mini.ics"))
	cases := []struct {
		name, ct, body, field string
	}{
		{"json title NUL", "application/json", strings.Replace(js, "Soldering for beginners", `Solder\u0000ing`, 1), ".title"},
		{"json room NUL", "application/json", strings.Replace(js, `"Aula": [`, `"Au\u0000la": [`, 1), ".room"},
		{"json track NUL", "application/json", strings.Replace(js, `"track": "Hardware"`, `"track": "Hard\u0000ware"`, 1), ".track"},
		{"json speaker NUL", "application/json", strings.Replace(js, `"Plain Name"`, `"Plain\u0000Name"`, 1), ".speakers[2]"},
		{"ical location NUL", "text/calendar", strings.Replace(ics, "Main room", "Main\x00room", 1), ".room"},
		{"ical location invalid UTF-8", "text/calendar", strings.Replace(ics, "Main room", "Main\xffroom", 1), ".room"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.ct, []byte(c.body))
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want a ValidationError", err)
			}
			found := false
			for _, p := range ve.Problems {
				if strings.HasSuffix(p.Path, c.field) && strings.Contains(p.Message, "UTF-8") {
					found = true
				}
			}
			if !found {
				t.Fatalf("problems %+v lack one at *%s", ve.Problems, c.field)
			}
		})
	}
}
