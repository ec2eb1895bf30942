package service_test

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// realSchedule reads one of the shared real schedules (../shared/data/schedules next to the
// repository, or SCHEDULE_DATA_DIR); the test is skipped where the data is not available.
func realSchedule(t testing.TB, name string) string {
	t.Helper()
	dir := os.Getenv("SCHEDULE_DATA_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "..", "shared", "data", "schedules")
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if os.IsNotExist(err) {
		t.Skipf("real schedule %s not available (set SCHEDULE_DATA_DIR)", name)
	}
	require.NoError(t, err)
	return string(b)
}

func TestImportRealSchedules(t *testing.T) {
	tests := []struct {
		file, contentType     string
		sessions, rooms, days float64
	}{
		{"38c3-schedule.xml", "application/xml", 1007, 72, 4},
		{"camp2019-schedule.json", "application/json", 79, 2, 5},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body := realSchedule(t, tt.file)
			e := newEnv(t)
			w := e.world()
			id := e.createEvent(w)
			path := "/organizer/events/" + id + "/schedule"

			r := e.do(w.org, "POST", path, body, "Content-Type", tt.contentType)
			require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
			require.Equal(t, tt.sessions, r.Body["sessions"])
			require.Equal(t, tt.rooms, r.Body["rooms"])
			require.Equal(t, tt.days, r.Body["days"])
			require.Equal(t, tt.sessions, r.Body["created"])
			require.Equal(t, int(tt.sessions), e.count(`SELECT count(*) FROM sessions WHERE event_id = $1`, id))
			require.Equal(t, 0, e.count(`SELECT count(*) FROM sessions WHERE ends_at <= starts_at`), "every session ends after it starts")

			r = e.do(w.org, "POST", path, body, "Content-Type", tt.contentType)
			require.Equal(t, http.StatusCreated, r.Status)
			require.Equal(t, tt.sessions, r.Body["unchanged"], "a re-import changes nothing")
			require.Equal(t, []float64{0, 0, 0}, []float64{r.Body["created"].(float64), r.Body["updated"].(float64), r.Body["deleted"].(float64)})
			require.Equal(t, int(tt.sessions), e.count(`SELECT count(*) FROM sessions WHERE event_id = $1`, id))
		})
	}
}

// BenchmarkImport38C3 measures a first import (1007 sessions written) and a re-import (all
// unchanged) of the real 38C3 schedule through HTTP, Postgres and the outbox.
func BenchmarkImport38C3(b *testing.B) {
	body := realSchedule(b, "38c3-schedule.xml")
	e := newEnv(b)
	w := e.world()
	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			id := e.createEvent(w)
			b.StartTimer()
			r := e.do(w.org, "POST", "/organizer/events/"+id+"/schedule", body, "Content-Type", "application/xml")
			if r.Status != http.StatusCreated {
				b.Fatalf("import: %d %s", r.Status, r.Raw)
			}
		}
	})
	id := e.createEvent(w)
	e.do(w.org, "POST", "/organizer/events/"+id+"/schedule", body, "Content-Type", "application/xml")
	b.Run("reimport", func(b *testing.B) {
		for b.Loop() {
			r := e.do(w.org, "POST", "/organizer/events/"+id+"/schedule", body, "Content-Type", "application/xml")
			if r.Status != http.StatusCreated {
				b.Fatalf("import: %d %s", r.Status, r.Raw)
			}
		}
	})
}
