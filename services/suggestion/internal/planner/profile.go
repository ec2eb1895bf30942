package planner

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// when says on which shifts a rule asks for people.
type when int

const (
	// allHours staffs every shift of every opening day.
	allHours when = iota
	// rush staffs the first two shifts of the first day fully (arrivals come
	// at once) and every later shift with a quarter of that.
	rush
	// arrival staffs only the first shift of the first day.
	arrival
	// meals staffs lunch (11:30-14:00) and dinner (17:30-20:00) local time.
	meals
	// closing staffs a 90-minute round after each day's close.
	closing
)

// rule is one kind of event-level work. Headcount per shift is
// ceil(attendees / per), clamped to [min, max], and zero below from
// attendees.
type rule struct {
	area, title, desc string
	skills            []Skill
	priority          int
	per, min, max     int
	from              int
	when              when
}

// profile is what one event type needs.
type profile struct {
	name string
	// openMin/closeMin are the default local opening hours (minutes after
	// midnight) for multi-day events whose start and end clocks say nothing.
	openMin, closeMin int
	rules             []rule
	// setup and teardown headcounts: ceil(attendees/per) within [min, max];
	// setupHours is the length of the set-up before opening.
	setupPer, setupMin, setupMax          int
	teardownPer, teardownMin, teardownMax int
	setupHours, teardownHours             int
	// stagesPer > 0 plans AV (and, with host set, a stage host) per stage
	// when no schedule is imported: 1 + attendees/stagesPer stages, up to stagesMax.
	stagesPer, stagesMax int
	host                 bool
}

func skill(name string, level int) []Skill { return []Skill{{Name: name, MinLevel: level}} }

// Ratios, calibrated against FOSDEM's real volunteer plan (about 8,000
// attendees, two days, 09:00-18:30; ../shared/data/volunteer-tasks):
//   - infodesk: FOSDEM peaks at 13 people over two desks and drops to 4-5 in
//     the afternoon; 1 per 1,500 attendees (6 at FOSDEM's size) is the
//     all-day average, capped at 6 because desks, not people, are the limit.
//   - cloakroom: FOSDEM runs 3-5 per 2 h: 1 per 2,000, at most 4.
//   - runners: FOSDEM plans 4 per shift: 1 per 2,000, at most 4.
//   - build-up: FOSDEM's day before takes about 50 people (25 general, 12
//     signage, video crews per building): 1 per 250 here (video set-up is
//     covered by the per-room set-up tasks), at most 30.
//   - clean-up: FOSDEM's closing clean-up takes about 55 people for an hour
//     or three: 1 per 300, at most 30, for one 4 h shift.
//   - heralds and camera operators: one per room and talk, as at FOSDEM
//     (see sessionDrafts).
//
// Security, first aid and catering have no FOSDEM counterpart (the venue
// provides them); the ratios follow common crowd-management guidance of
// roughly one steward per 250 standing attendees at concerts and festivals
// and far fewer at seated conferences, and one first-aider per 1,000-2,500.
var (
	registration = rule{area: "registration", title: "Registration desk", desc: "Check tickets, hand out badges and wristbands, answer arrival questions.", skills: skill("registration", 1), priority: 4}
	infodesk     = rule{area: "infodesk", title: "Infodesk", desc: "Answer visitors' questions, lost and found, point people to rooms, relay problems to the organisers.", skills: skill("infodesk", 1), priority: 3}
	security     = rule{area: "security", title: "Security and stewarding", desc: "Keep entrances and escape routes clear, manage crowd flow at full rooms, handle incidents with the organisers.", skills: skill("security", 2), priority: 5}
	firstAid     = rule{area: "first-aid", title: "First aid", desc: "Stay reachable at the first-aid point, help injured or unwell visitors, call emergency services when needed.", skills: skill("first-aid", 2), priority: 5}
	cloakroom    = rule{area: "cloakroom", title: "Cloakroom", desc: "Take and return coats and bags against tickets.", priority: 2}
	runners      = rule{area: "runners", title: "Runner", desc: "Carry supplies and messages between desks, rooms and storage; fill gaps where asked.", priority: 2}
	catering     = rule{area: "catering", title: "Catering service", desc: "Set out and serve food and drinks, keep the serving area clean and stocked.", skills: skill("catering", 1), priority: 3}
	cleanup      = rule{area: "cleanup", title: "Clean-up round", desc: "Collect rubbish, empty bins, tidy rooms and common areas after the day.", priority: 2}
)

func (r rule) with(per, lo, hi, from int, w when) rule {
	r.per, r.min, r.max, r.from, r.when = per, lo, hi, from, w
	return r
}

var profiles = map[string]profile{
	"conference": {
		name: "conference", openMin: 9 * 60, closeMin: 18 * 60,
		rules: []rule{
			registration.with(600, 1, 16, 0, rush),
			infodesk.with(1500, 1, 6, 200, allHours),
			security.with(750, 1, 10, 300, allHours),
			firstAid.with(2500, 1, 4, 500, allHours),
			cloakroom.with(2000, 1, 4, 300, allHours),
			runners.with(2000, 1, 4, 1000, allHours),
			catering.with(400, 1, 10, 0, meals),
			cleanup.with(1500, 1, 6, 0, closing),
		},
		setupPer: 250, setupMin: 2, setupMax: 30, setupHours: 4,
		teardownPer: 300, teardownMin: 2, teardownMax: 30, teardownHours: 4,
		stagesPer: 1500, stagesMax: 4, host: true,
	},
	"festival": {
		name: "festival", openMin: 12 * 60, closeMin: 24 * 60,
		rules: []rule{
			registration.with(1000, 1, 20, 0, rush),
			infodesk.with(3000, 1, 6, 500, allHours),
			security.with(250, 2, 40, 0, allHours),
			firstAid.with(1000, 1, 10, 0, allHours),
			runners.with(3000, 1, 4, 1000, allHours),
			catering.with(500, 1, 12, 0, meals),
			cleanup.with(500, 1, 20, 0, closing),
		},
		setupPer: 150, setupMin: 4, setupMax: 40, setupHours: 4,
		teardownPer: 200, teardownMin: 4, teardownMax: 40, teardownHours: 4,
		stagesPer: 5000, stagesMax: 4,
	},
	"concert": {
		name: "concert", openMin: 18 * 60, closeMin: 23 * 60,
		rules: []rule{
			registration.with(500, 1, 16, 0, rush),
			security.with(200, 2, 40, 0, allHours),
			firstAid.with(1500, 1, 6, 0, allHours),
			cloakroom.with(1000, 1, 6, 300, allHours),
			catering.with(400, 1, 10, 0, allHours),
			cleanup.with(1000, 1, 10, 0, closing),
		},
		setupPer: 250, setupMin: 2, setupMax: 30, setupHours: 4,
		teardownPer: 300, teardownMin: 2, teardownMax: 30, teardownHours: 3,
		stagesPer: 100000, stagesMax: 1,
	},
	"sports": {
		name: "sports", openMin: 9 * 60, closeMin: 18 * 60,
		rules: []rule{
			registration.with(800, 1, 16, 0, rush),
			infodesk.with(3000, 1, 4, 500, allHours),
			security.with(300, 1, 30, 0, allHours),
			firstAid.with(1000, 1, 8, 0, allHours),
			runners.with(3000, 1, 4, 1000, allHours),
			catering.with(500, 1, 10, 0, meals),
			cleanup.with(1000, 1, 10, 0, closing),
		},
		setupPer: 300, setupMin: 2, setupMax: 30, setupHours: 4,
		teardownPer: 300, teardownMin: 2, teardownMax: 30, teardownHours: 3,
	},
	"corporate": {
		name: "corporate", openMin: 9 * 60, closeMin: 18 * 60,
		rules: []rule{
			registration.with(150, 1, 8, 0, rush),
			infodesk.with(400, 1, 4, 150, allHours),
			security.with(1000, 1, 6, 300, allHours),
			firstAid.with(2500, 1, 2, 500, allHours),
			cloakroom.with(300, 1, 4, 100, allHours),
			catering.with(60, 1, 10, 0, meals),
			cleanup.with(500, 1, 4, 0, closing),
		},
		setupPer: 100, setupMin: 2, setupMax: 20, setupHours: 4,
		teardownPer: 150, teardownMin: 1, teardownMax: 15, teardownHours: 2,
		stagesPer: 500, stagesMax: 3, host: true,
	},
	"meetup": {
		name: "meetup", openMin: 18 * 60, closeMin: 22 * 60,
		rules: []rule{
			registration.with(100, 1, 3, 0, arrival),
			security.with(500, 1, 4, 300, allHours),
			catering.with(50, 1, 3, 0, allHours),
			cleanup.with(100, 1, 3, 0, closing),
		},
		setupPer: 50, setupMin: 1, setupMax: 6, setupHours: 2,
		teardownPer: 60, teardownMin: 1, teardownMax: 6, teardownHours: 1,
		stagesPer: 100000, stagesMax: 1, host: true,
	},
	"wedding": {
		name: "wedding", openMin: 14 * 60, closeMin: 24 * 60,
		rules: []rule{
			registration.with(100, 1, 2, 0, arrival),
			security.with(250, 1, 4, 200, allHours),
			cloakroom.with(100, 1, 3, 60, allHours),
			catering.with(25, 1, 12, 0, meals),
			cleanup.with(100, 1, 4, 0, closing),
		},
		setupPer: 30, setupMin: 2, setupMax: 12, setupHours: 4,
		teardownPer: 40, teardownMin: 2, teardownMax: 10, teardownHours: 3,
		stagesPer: 100000, stagesMax: 1,
	},
	"other": {
		name: "other", openMin: 9 * 60, closeMin: 18 * 60,
		rules: []rule{
			registration.with(500, 1, 10, 0, rush),
			infodesk.with(2000, 1, 4, 300, allHours),
			security.with(500, 1, 20, 300, allHours),
			firstAid.with(2000, 1, 4, 500, allHours),
			catering.with(300, 1, 10, 0, meals),
			cleanup.with(1000, 1, 6, 0, closing),
		},
		setupPer: 200, setupMin: 2, setupMax: 20, setupHours: 4,
		teardownPer: 250, teardownMin: 2, teardownMax: 20, teardownHours: 3,
	},
}

func profileFor(eventType string) profile {
	if p, ok := profiles[strings.ToLower(strings.TrimSpace(eventType))]; ok {
		return p
	}
	return profiles["other"]
}

func headcount(per, lo, hi, attendees int) int {
	n := lo
	if per > 0 {
		n = (attendees + per - 1) / per
	}
	return max(lo, min(hi, n))
}

// dayBoundary is when one event day ends and the next begins: a talk at
// 01:00 belongs to the evening before (38C3 uses 06:00 too).
const dayBoundary = 6 * time.Hour

// dayKey names the local event day of an instant.
func dayKey(t time.Time, loc *time.Location) string {
	return t.In(loc).Add(-dayBoundary).Format("2006-01-02")
}

// maxOpening caps one day's opening hours: desks are not staffed around the
// clock even when a programme runs through the night.
const maxOpening = 18 * time.Hour

type dayWindow struct {
	key         string
	open, close time.Time
}

// openingDays gives each event day its opening hours. Days with sessions
// open an hour before the early sessions and close after the late ones
// (5th and 95th percentiles of programme sessions, so one 08:00 workshop or
// an all-night DJ set does not stretch every desk's hours); other days use
// the event's own start and end clocks.
func openingDays(ev Event, sessions []Session, prof profile, loc *time.Location) []dayWindow {
	byKey := map[string]dayWindow{}
	start, end := ev.StartsAt.In(loc), ev.EndsAt.In(loc)
	firstKey, lastKey := dayKey(start, loc), dayKey(end.Add(-time.Nanosecond), loc)
	openClock := clockOf(start)
	closeClock := clockOf(end)
	if firstKey != lastKey && closeClock <= openClock {
		closeClock += 24 * time.Hour
	}
	if firstKey != lastKey && closeClock-openClock < 2*time.Hour {
		openClock, closeClock = time.Duration(prof.openMin)*time.Minute, time.Duration(prof.closeMin)*time.Minute
	}
	for d := dateOf(firstKey, loc); ; d = d.AddDate(0, 0, 1) {
		key := d.Format("2006-01-02")
		if key > lastKey {
			break
		}
		w := dayWindow{key: key, open: at(d, openClock, loc), close: at(d, closeClock, loc)}
		if firstKey == lastKey {
			w.open, w.close = start, end
		}
		if w.open.Before(start) {
			w.open = start
		}
		if w.close.After(end) {
			w.close = end
		}
		if w.close.After(w.open) {
			byKey[key] = w
		}
	}
	groups := map[string][]Session{}
	for _, s := range sessions {
		k := dayKey(s.Start, loc)
		groups[k] = append(groups[k], s)
	}
	for k, ss := range groups {
		var starts, ends []time.Time
		for _, s := range ss {
			if s.End.Sub(s.Start) <= programmeMax {
				starts, ends = append(starts, s.Start), append(ends, s.End)
			}
		}
		if len(starts) == 0 {
			for _, s := range ss {
				starts, ends = append(starts, s.Start), append(ends, s.End)
			}
		}
		w := dayWindow{key: k, open: percentile(starts, 5).Add(-time.Hour), close: percentile(ends, 95)}
		byKey[k] = w
	}
	out := make([]dayWindow, 0, len(byKey))
	for _, w := range byKey {
		w.open = w.open.Truncate(15 * time.Minute)
		if c := w.close.Truncate(15 * time.Minute); !c.Equal(w.close) {
			w.close = c.Add(15 * time.Minute)
		}
		if w.close.Sub(w.open) > maxOpening {
			w.close = w.open.Add(maxOpening)
		}
		if w.close.Sub(w.open) < 30*time.Minute {
			w.close = w.open.Add(30 * time.Minute)
		}
		out = append(out, w)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

// percentile returns the p-th percentile (nearest rank) of ts.
func percentile(ts []time.Time, p int) time.Time {
	s := append([]time.Time(nil), ts...)
	sort.Slice(s, func(i, j int) bool { return s[i].Before(s[j]) })
	i := (p*len(s) + 99) / 100
	return s[max(0, min(len(s)-1, i-1))]
}

func clockOf(t time.Time) time.Duration {
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
}

func dateOf(key string, loc *time.Location) time.Time {
	d, _ := time.ParseInLocation("2006-01-02", key, loc)
	return d
}

// at is local midnight of d plus clock; adding wall-clock hours (not a
// duration) keeps 09:00 at 09:00 across a DST change.
func at(d time.Time, clock time.Duration, loc *time.Location) time.Time {
	mins := int(clock / time.Minute)
	return time.Date(d.Year(), d.Month(), d.Day()+mins/(24*60), (mins%(24*60))/60, mins%60, 0, 0, loc)
}

// shifts splits [open, close) into equal shifts of at most ShiftLength,
// with inner boundaries on quarter hours. Rounding can stretch a shift past
// ShiftLength when open or close is off the quarter hour; one more shift
// then fixes it.
func shifts(open, close time.Time) [][2]time.Time {
	total := close.Sub(open)
	// Terminates: once total/n is at most ShiftLength-15m every rounded
	// shift fits, long before shifts could shrink to zero.
	for n := max(1, int((total+ShiftLength-1)/ShiftLength)); ; n++ {
		out := make([][2]time.Time, 0, n)
		prev, fits := open, true
		for i := 1; i <= n; i++ {
			next := close
			if i < n {
				next = open.Add(total * time.Duration(i) / time.Duration(n)).Round(15 * time.Minute)
			}
			if next.Sub(prev) > ShiftLength || !next.After(prev) {
				fits = false
				break
			}
			out = append(out, [2]time.Time{prev, next})
			prev = next
		}
		if fits {
			return out
		}
	}
}

func span(a, b time.Time, loc *time.Location) string {
	a, b = a.In(loc), b.In(loc)
	if a.YearDay() == b.YearDay() {
		return fmt.Sprintf("%s %s–%s", a.Format("Mon 2 Jan"), a.Format("15:04"), b.Format("15:04"))
	}
	return fmt.Sprintf("%s %s – %s %s", a.Format("Mon 2 Jan"), a.Format("15:04"), b.Format("Mon 2 Jan"), b.Format("15:04"))
}

// eventDrafts plans the event-level work from the profile.
func eventDrafts(ev Event, prof profile, days []dayWindow, hasSessions bool, loc *time.Location) []TaskDraft {
	if len(days) == 0 {
		return nil
	}
	a := ev.ExpectedAttendees
	var out []TaskDraft
	add := func(r rule, n int, from, to time.Time, group string) {
		if n <= 0 || !to.After(from) {
			return
		}
		out = append(out, TaskDraft{
			Title:          fmt.Sprintf("%s (%s)", r.title, span(from, to, loc)),
			Description:    r.desc,
			Area:           r.area,
			RequiredSkills: append([]Skill(nil), r.skills...),
			Start:          from.UTC(),
			End:            to.UTC(),
			Priority:       r.priority,
			Headcount:      min(n, MaxHeadcount),
			SlotGroup:      group,
		})
	}
	for _, r := range prof.rules {
		if a < r.from {
			continue
		}
		n := headcount(r.per, r.min, r.max, a)
		for di, d := range days {
			switch r.when {
			case allHours, rush, arrival:
				for si, sh := range shifts(d.open, d.close) {
					k := n
					if r.when == rush && (di > 0 || si > 1) {
						k = max(1, (n+3)/4)
					}
					if r.when == arrival && (di > 0 || si > 0) {
						continue
					}
					add(r, k, sh[0], sh[1], group("event", r.area, d.key, sh[0], loc))
				}
			case meals:
				date := dateOf(d.key, loc)
				for _, m := range [][2]time.Duration{{11*time.Hour + 30*time.Minute, 14 * time.Hour}, {17*time.Hour + 30*time.Minute, 20 * time.Hour}} {
					from, to := at(date, m[0], loc), at(date, m[1], loc)
					if from.Before(d.open) {
						from = d.open
					}
					if to.After(d.close) {
						to = d.close
					}
					if to.Sub(from) >= time.Hour {
						add(r, n, from, to, group("event", r.area, d.key, from, loc))
					}
				}
			case closing:
				add(r, n, d.close, d.close.Add(90*time.Minute), group("event", r.area, d.key, d.close, loc))
			}
		}
	}
	first, last := days[0], days[len(days)-1]
	setup := rule{area: "setup", title: "Venue set-up", desc: "Build up the venue: furniture, signage, desks, barriers, power and network runs.", priority: 4}
	n := headcount(prof.setupPer, prof.setupMin, prof.setupMax, a)
	if a >= 2000 {
		// Large venues are built the day before, in two shifts (FOSDEM: 12:00-21:00).
		date := dateOf(first.key, loc).AddDate(0, 0, -1)
		for _, c := range [][2]time.Duration{{10 * time.Hour, 14 * time.Hour}, {14 * time.Hour, 18 * time.Hour}} {
			from := at(date, c[0], loc)
			add(setup, n, from, at(date, c[1], loc), group("event", "setup", date.Format("2006-01-02"), from, loc))
		}
	} else {
		from := first.open.Add(-time.Duration(prof.setupHours) * time.Hour)
		add(setup, n, from, first.open, group("event", "setup", first.key, from, loc))
	}
	teardown := rule{area: "teardown", title: "Venue teardown", desc: "Take down what was built, pack and load equipment, leave the venue as found.", priority: 3}
	n = headcount(prof.teardownPer, prof.teardownMin, prof.teardownMax, a)
	add(teardown, n, last.close, last.close.Add(time.Duration(prof.teardownHours)*time.Hour), group("event", "teardown", last.key, last.close, loc))

	if !hasSessions && prof.stagesPer > 0 {
		stages := min(prof.stagesMax, 1+a/prof.stagesPer)
		av := rule{area: "av", title: "Stage AV technician", desc: "Run sound, projection and lighting on the stage; test microphones before each slot.", skills: skill("av", 2), priority: 4}
		host := rule{area: "heralding", title: "Stage host", desc: "Introduce speakers or acts, keep time, run Q&A, announce changes.", skills: skill("heralding", 1), priority: 3}
		for st := 1; st <= stages; st++ {
			for _, d := range days {
				for _, sh := range shifts(d.open, d.close) {
					a := av
					a.title = fmt.Sprintf("%s, stage %d", av.title, st)
					add(a, 1, sh[0], sh[1], group(fmt.Sprintf("stage-%d", st), "av", d.key, sh[0], loc))
					if prof.host {
						h := host
						h.title = fmt.Sprintf("%s, stage %d", host.title, st)
						add(h, 1, sh[0], sh[1], group(fmt.Sprintf("stage-%d", st), "heralding", d.key, sh[0], loc))
					}
				}
			}
		}
	}
	return out
}

// group builds a slot group id from the plan's own coordinates (never from
// positions in a list), so that a re-plan of the same event reproduces it.
func group(scope, area, day string, start time.Time, loc *time.Location) string {
	return fmt.Sprintf("%s:%s:%s:%s", scope, area, day, start.In(loc).Format("1504"))
}
