package planner

import (
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
	"time"
	"unicode"
)

const (
	// programmeMax is the longest session that gets its own herald and
	// camera operator. Longer items are open spaces, installations or
	// all-night DJ sets (38C3 has 12 h "sessions"), run by the room shift.
	programmeMax = 3 * time.Hour
	// maxStages caps how many rooms are treated as stages. A real congress
	// records its handful of main halls (38C3: five) and leaves the many
	// self-organised rooms and tables to their hosts; FOSDEM's volunteer
	// camera crews cover its few main rooms. Eight stages keep 38C3's
	// per-session work near 250 person-hours a day.
	maxStages = 8
	// minStageSessions keeps a room with a couple of talks from becoming a
	// stage: it needs at least this many programme sessions in all.
	minStageSessions = 4
)

// sessionDrafts plans the work a schedule adds:
//   - stages (the busiest rooms by programme sessions, see maxStages): per
//     session a herald (15 min before to the end) and a camera/video operator
//     (10 min before to 5 min after); per local day AV shifts of at most
//     ShiftLength covering the programme; a 60-minute set-up for two people
//     before the first session and a teardown after the last;
//   - every other room: a 30-minute set-up and teardown for one person per
//     local day, so that self-organised rooms are opened, checked and left
//     tidy.
func sessionDrafts(sessions []Session, loc *time.Location) []TaskDraft {
	if len(sessions) == 0 {
		return nil
	}
	stages := pickStages(sessions)
	type roomDay struct{ room, key string }
	byRoomDay := map[roomDay][]Session{}
	var order []roomDay
	var out []TaskDraft
	for _, s := range sessions {
		rd := roomDay{s.Room, dayKey(s.Start, loc)}
		if _, ok := byRoomDay[rd]; !ok {
			order = append(order, rd)
		}
		byRoomDay[rd] = append(byRoomDay[rd], s)
		if !stages[s.Room] || s.End.Sub(s.Start) > programmeMax {
			continue
		}
		title := shorten(s.Title, 100)
		out = append(out,
			TaskDraft{
				Title:             "Herald: " + title,
				Description:       fmt.Sprintf("Meet the speakers of %q in %s before the start, introduce them, keep time and run the Q&A.", title, s.Room),
				Area:              "heralding",
				RequiredSkills:    skill("heralding", 2),
				Start:             s.Start.Add(-15 * time.Minute).UTC(),
				End:               s.End.UTC(),
				Priority:          4,
				Headcount:         1,
				SlotGroup:         "session:" + s.ExternalID + ":herald",
				SessionExternalID: s.ExternalID,
				Room:              s.Room,
			},
			TaskDraft{
				Title:             "Camera: " + title,
				Description:       fmt.Sprintf("Operate the camera and check the recording and stream of %q in %s.", title, s.Room),
				Area:              "video",
				RequiredSkills:    skill("video", 2),
				Start:             s.Start.Add(-10 * time.Minute).UTC(),
				End:               s.End.Add(5 * time.Minute).UTC(),
				Priority:          3,
				Headcount:         1,
				SlotGroup:         "session:" + s.ExternalID + ":video",
				SessionExternalID: s.ExternalID,
				Room:              s.Room,
			})
	}
	for _, rd := range order {
		ss := byRoomDay[rd]
		first, last := ss[0].Start, ss[0].End
		var progFirst, progLast time.Time
		for _, s := range ss {
			if s.Start.Before(first) {
				first = s.Start
			}
			if s.End.After(last) {
				last = s.End
			}
			if s.End.Sub(s.Start) <= programmeMax {
				if progFirst.IsZero() || s.Start.Before(progFirst) {
					progFirst = s.Start
				}
				if s.End.After(progLast) {
					progLast = s.End
				}
			}
		}
		prep, people, prio := 30*time.Minute, 1, 3
		if stages[rd.room] {
			prep, people, prio = time.Hour, 2, 4
		}
		slug := roomSlug(rd.room)
		out = append(out,
			TaskDraft{
				Title:       fmt.Sprintf("Room set-up: %s (%s)", rd.room, span(first.Add(-prep), first, loc)),
				Description: fmt.Sprintf("Open %s, arrange seating, check power, light, signage and equipment before the first session.", rd.room),
				Area:        "setup",
				Start:       first.Add(-prep).UTC(), End: first.UTC(),
				Priority: prio, Headcount: people,
				SlotGroup: fmt.Sprintf("room:%s:%s:setup", slug, rd.key),
				Room:      rd.room,
			},
			TaskDraft{
				Title:       fmt.Sprintf("Room teardown: %s (%s)", rd.room, span(last, last.Add(prep), loc)),
				Description: fmt.Sprintf("After the last session in %s: collect lost items, switch off equipment, tidy and lock up.", rd.room),
				Area:        "teardown",
				Start:       last.UTC(), End: last.Add(prep).UTC(),
				Priority: prio - 1, Headcount: people,
				SlotGroup: fmt.Sprintf("room:%s:%s:teardown", slug, rd.key),
				Room:      rd.room,
			})
		if !stages[rd.room] || progFirst.IsZero() {
			continue
		}
		for _, sh := range shifts(progFirst.Add(-30*time.Minute), progLast.Add(15*time.Minute)) {
			out = append(out, TaskDraft{
				Title:          fmt.Sprintf("AV desk: %s (%s)", rd.room, span(sh[0], sh[1], loc)),
				Description:    fmt.Sprintf("Run sound, projection and lighting in %s; wire and test speakers' laptops and microphones between sessions.", rd.room),
				Area:           "av",
				RequiredSkills: skill("av", 2),
				Start:          sh[0].UTC(), End: sh[1].UTC(),
				Priority: 4, Headcount: 1,
				SlotGroup: fmt.Sprintf("room:%s:%s:av:%s", slug, rd.key, sh[0].In(loc).Format("1504")),
				Room:      rd.room,
			})
		}
	}
	return out
}

// pickStages ranks rooms by programme sessions (ties by name, so the
// choice is deterministic) and keeps the first maxStages.
func pickStages(sessions []Session) map[string]bool {
	count := map[string]int{}
	for _, s := range sessions {
		if s.End.Sub(s.Start) <= programmeMax {
			count[s.Room]++
		}
	}
	rooms := make([]string, 0, len(count))
	for r, n := range count {
		if n >= minStageSessions {
			rooms = append(rooms, r)
		}
	}
	sort.Slice(rooms, func(i, j int) bool {
		if count[rooms[i]] != count[rooms[j]] {
			return count[rooms[i]] > count[rooms[j]]
		}
		return rooms[i] < rooms[j]
	})
	out := map[string]bool{}
	for i, r := range rooms {
		if i == maxStages {
			break
		}
		out[r] = true
	}
	return out
}

// roomSlug is a readable, collision-safe key for a room name: a short
// ASCII slug plus a hash of the full name.
func roomSlug(room string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(room) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 32 {
			break
		}
	}
	h := fnv.New32a()
	h.Write([]byte(room))
	return fmt.Sprintf("%s-%08x", strings.Trim(b.String(), "-"), h.Sum32())
}

func shorten(s string, n int) string {
	s = strings.TrimSpace(s)
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
