package demo

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func berlin(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatalf("load Europe/Berlin: %v", err)
	}
	return loc
}

func congress(t testing.TB, seed uint64) Options {
	return Options{
		Size: 160, Seed: seed, Prefix: "demo-ab12", Domain: "example.org", Timezone: berlin(t),
		FirstDay: time.Date(2024, 12, 27, 0, 0, 0, 0, time.UTC), LastDay: time.Date(2024, 12, 30, 0, 0, 0, 0, time.UTC),
		BuildDays: 1,
	}
}

func mustRoster(t testing.TB, o Options) []Member {
	t.Helper()
	r, err := Roster(o)
	if err != nil {
		t.Fatalf("Roster: %v", err)
	}
	return r
}

func TestRosterDeterministicForSeed(t *testing.T) {
	a := mustRoster(t, congress(t, 7))
	b := mustRoster(t, congress(t, 7))
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same options gave different rosters")
	}
	c := mustRoster(t, congress(t, 8))
	if reflect.DeepEqual(a, c) {
		t.Fatal("seeds 7 and 8 gave the same roster")
	}
}

func TestRosterIdentities(t *testing.T) {
	r := mustRoster(t, congress(t, 1))
	if len(r) != 160 {
		t.Fatalf("%d members, want 160", len(r))
	}
	users, emails, names := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i, m := range r {
		if users[m.Username] || emails[m.Email] || names[m.FullName] {
			t.Errorf("member %d repeats a username, e-mail or name: %+v", i, m)
		}
		users[m.Username], emails[m.Email], names[m.FullName] = true, true, true
		if !strings.HasPrefix(m.Username, "demo-ab12-staff-") {
			t.Errorf("username %q lacks the prefix", m.Username)
		}
		if m.Email != m.Username+"@example.org" {
			t.Errorf("e-mail %q, want %s@example.org", m.Email, m.Username)
		}
		parts := strings.Fields(m.FullName)
		if len(parts) != 2 || strings.ContainsAny(m.FullName, "0123456789") {
			t.Errorf("full name %q is not two invented words", m.FullName)
		}
		if m.MaxHoursPerDay < 8 || m.MaxHoursPerDay > 10 {
			t.Errorf("%s: max_hours_per_day %d outside 8-10", m.Username, m.MaxHoursPerDay)
		}
	}
}

func TestRosterSkillsFollowTheMix(t *testing.T) {
	r := mustRoster(t, congress(t, 3))
	primaryLevel := map[string]int{} // people with the skill at 2 or more
	for _, m := range r {
		seen := map[string]bool{}
		for _, s := range m.Skills {
			if s.Level < 1 || s.Level > 5 {
				t.Errorf("%s: %s at level %d", m.Username, s.Name, s.Level)
			}
			if seen[s.Name] {
				t.Errorf("%s holds %s twice", m.Username, s.Name)
			}
			seen[s.Name] = true
			if s.Level >= 2 {
				primaryLevel[s.Name]++
			}
		}
		if len(m.Skills) > 3 {
			t.Errorf("%s has %d skills, want at most 3", m.Username, len(m.Skills))
		}
	}
	// Primaries alone give each skill round(weight% of 160) holders at level 2+:
	// security 24, av/heralding/video 19, infodesk 11, registration 10,
	// first-aid 9, catering 6 (see TestApportionIsExact); secondaries only add.
	want := map[string]int{"security": 24, "av": 19, "heralding": 19, "video": 19, "infodesk": 11, "registration": 10, "first-aid": 9, "catering": 6}
	for name, n := range want {
		if primaryLevel[name] < n {
			t.Errorf("%s: %d people at level 2+, want at least %d", name, primaryLevel[name], n)
		}
	}
	h := Holders(r)
	for name, n := range want {
		if h[name] < n {
			t.Errorf("Holders[%s] = %d, want at least %d", name, h[name], n)
		}
	}
	// Somebody reaches the top level, somebody holds a skill below what the planner needs.
	top, below := false, false
	for _, m := range r {
		for _, s := range m.Skills {
			top = top || s.Level == 5
			below = below || s.Level < RequiredLevel[s.Name]
		}
	}
	if !top || !below {
		t.Errorf("levels lack spread: some 5 = %v, some below the requirement = %v", top, below)
	}
}

func TestApportionIsExact(t *testing.T) {
	got := map[string]int{}
	for _, s := range apportion(ConferenceMix, 160) {
		got[s]++
	}
	// 160 × weight/101: 42.77, 23.76, 19.01 (x3), 11.09, 9.50, 9.50, 6.34 → floors 42+23+19*3+11+9+9+6 = 157,
	// the three largest remainders (0.77 none, 0.76 security, 0.505 registration before first-aid's equal one) get one more.
	want := map[string]int{"": 43, "security": 24, "av": 19, "heralding": 19, "video": 19, "infodesk": 11, "registration": 10, "first-aid": 9, "catering": 6}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("apportion = %v, want %v", got, want)
	}
}

func TestRosterAvailability(t *testing.T) {
	loc := berlin(t)
	o := congress(t, 5)
	r := mustRoster(t, o)
	build := time.Date(2024, 12, 26, 0, 0, 0, 0, loc)
	lastEnd := time.Date(2024, 12, 31, 7, 0, 0, 0, loc) // the night crew
	builders, gaps, allDays, dawn := 0, 0, 0, 0
	eventDays := map[string]int{}
	for _, m := range r {
		if len(m.Availability) == 0 {
			t.Fatalf("%s has no availability", m.Username)
		}
		days := map[string]bool{}
		for i, w := range m.Availability {
			if !w.EndsAt.After(w.StartsAt) {
				t.Errorf("%s window %d ends before it starts", m.Username, i)
			}
			if i > 0 && w.StartsAt.Before(m.Availability[i-1].EndsAt) {
				t.Errorf("%s windows %d and %d overlap or are out of order", m.Username, i-1, i)
			}
			if w.StartsAt.Before(build) || w.EndsAt.After(lastEnd) {
				t.Errorf("%s window %v-%v outside 26 Dec - 31 Dec 07:00", m.Username, w.StartsAt, w.EndsAt)
			}
			if w.StartsAt.Location() != time.UTC {
				t.Errorf("%s window not in UTC", m.Username)
			}
			days[w.StartsAt.In(loc).Format("2006-01-02")] = true
			if e := w.EndsAt.In(loc); e.Day() != w.StartsAt.In(loc).Day() && e.Hour() >= 6 {
				dawn++
			}
		}
		if days["2024-12-26"] {
			builders++
		}
		n := 0
		for _, d := range []string{"2024-12-27", "2024-12-28", "2024-12-29", "2024-12-30"} {
			if days[d] {
				n++
				eventDays[d]++
			}
		}
		if n == 4 {
			allDays++
		} else {
			gaps++
		}
	}
	// About 60% build, 20% skip a day, 10% leave early: wide bounds, but a
	// roster without builders or without gaps is wrong.
	if builders < 70 || builders > 125 {
		t.Errorf("%d of 160 on the build day, want about 96", builders)
	}
	if gaps < 20 || allDays < 90 {
		t.Errorf("%d with gaps, %d on every day; want some gaps and most on every day", gaps, allDays)
	}
	// 38C3 rooms are torn down at 06:00: somebody must still be there.
	if dawn == 0 {
		t.Error("nobody works until dawn")
	}
	for d, n := range eventDays {
		if n < 120 {
			t.Errorf("only %d people on %s", n, d)
		}
	}
}

func TestRosterWindowsKeepLocalClockAcrossDST(t *testing.T) {
	loc := berlin(t)
	o := congress(t, 9)
	// 2025-03-29..31 crosses the switch to summer time on the 30th.
	o.FirstDay, o.LastDay, o.BuildDays = time.Date(2025, 3, 29, 0, 0, 0, 0, time.UTC), time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC), 0
	for _, m := range mustRoster(t, o) {
		for _, w := range m.Availability {
			h := w.StartsAt.In(loc).Hour()
			if h != 7 && h != 9 && h != 12 && h != 18 {
				t.Fatalf("%s starts at %v local, want 07, 09, 12 or 18", m.Username, w.StartsAt.In(loc))
			}
		}
	}
}

func TestRosterRefusesBadOptions(t *testing.T) {
	for name, mut := range map[string]func(*Options){
		"zero size":      func(o *Options) { o.Size = 0 },
		"huge size":      func(o *Options) { o.Size = MaxSize + 1 },
		"real domain":    func(o *Options) { o.Domain = "gmail.com" },
		"lookalike":      func(o *Options) { o.Domain = "notexample.org" },
		"no prefix":      func(o *Options) { o.Prefix = " " },
		"no timezone":    func(o *Options) { o.Timezone = nil },
		"reversed days":  func(o *Options) { o.FirstDay, o.LastDay = o.LastDay, o.FirstDay },
		"negative build": func(o *Options) { o.BuildDays = -1 },
		"empty mix":      func(o *Options) { o.Mix = []Share{{"av", 0}} },
		"negative mix":   func(o *Options) { o.Mix = []Share{{"av", -1}, {"", 3}} },
	} {
		o := congress(t, 1)
		mut(&o)
		if _, err := Roster(o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestReservedDomain(t *testing.T) {
	for d, want := range map[string]bool{
		"example.org": true, "staff.example.com": true, "example.net": true, "eventai.test": true, "demo.example": true,
		"gmail.com": false, "myexample.org": false, "example.org.evil.com": false, "": false, "a@example.org": false,
	} {
		if got := ReservedDomain(d); got != want {
			t.Errorf("ReservedDomain(%q) = %v, want %v", d, got, want)
		}
	}
}

func TestCustomMixOnlyUsesItsSkills(t *testing.T) {
	o := congress(t, 2)
	o.Size = 30
	o.Mix = []Share{{"", 1}, {"security", 1}}
	for _, m := range mustRoster(t, o) {
		for _, s := range m.Skills {
			if s.Name != "security" {
				t.Fatalf("%s holds %s, not in the mix", m.Username, s.Name)
			}
		}
	}
}

func TestBuildShare(t *testing.T) {
	loc := berlin(t)
	count := func(share float64) int {
		o := congress(t, 4)
		o.BuildShare = share
		n := 0
		for _, m := range mustRoster(t, o) {
			if m.Availability[0].StartsAt.In(loc).Day() == 26 {
				n++
			}
		}
		return n
	}
	if n := count(1); n != 160 {
		t.Errorf("BuildShare 1: %d of 160 build, want all", n)
	}
	if n := count(0.9); n < 130 {
		t.Errorf("BuildShare 0.9: %d of 160 build, want about 144", n)
	}
	o := congress(t, 4)
	o.BuildShare = 1.5
	if _, err := Roster(o); err == nil {
		t.Error("BuildShare 1.5 accepted")
	}
}

func TestMixOfIsOrdered(t *testing.T) {
	got := MixOf(map[string]float64{"video": 1, "": 2, "av": 3})
	want := []Share{{"", 2}, {"av", 3}, {"video", 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("MixOf = %v, want %v", got, want)
	}
}

func TestSmallRostersGetMinHolders(t *testing.T) {
	o := congress(t, 1)
	o.Size = 12
	for seed := uint64(1); seed <= 20; seed++ {
		o.Seed = seed
		r := mustRoster(t, o)
		h := Holders(r)
		for _, sh := range ConferenceMix {
			if sh.Skill != "" && h[sh.Skill] < MinHolders {
				t.Errorf("seed %d: %d qualified %s holders, want at least %d", seed, h[sh.Skill], sh.Skill, MinHolders)
			}
		}
		for _, m := range r {
			if len(m.Skills) > 3 {
				t.Errorf("seed %d: %s holds %d skills", seed, m.Username, len(m.Skills))
			}
		}
	}
}
