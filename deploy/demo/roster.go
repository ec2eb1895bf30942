// Package demo holds the pure parts of `make demo` and the real-input system
// tests: a generated staff roster (invented names, reserved e-mail domain,
// skills in the proportions the planner asks for, availability with gaps)
// and the summary line the demo ends with. It does no I/O.
package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
)

// Skill is a person's skill with a level 1-5 (DESIGN.md user.skills).
type Skill struct {
	Name  string `json:"name"`
	Level int    `json:"level"`
}

// Window is a time range a person can work, [StartsAt, EndsAt).
type Window struct {
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
}

// Member is one generated staff member, ready for POST /admin/users/.
type Member struct {
	Username       string   `json:"username"`
	Email          string   `json:"email"`
	FullName       string   `json:"full_name"`
	Skills         []Skill  `json:"skills"`
	Availability   []Window `json:"availability"`
	MaxHoursPerDay int      `json:"max_hours_per_day"`
}

// Share is the part of the planned person-hours that needs one skill; an
// empty Skill is work anyone can do.
type Share struct {
	Skill  string
	Weight float64
}

// ConferenceMix is the planner's person-hour split for a large conference
// with an imported schedule (services/suggestion/internal/planner, 38C3 with
// a team of 160).
var ConferenceMix = []Share{
	{"", 27}, {"security", 15}, {"av", 12}, {"heralding", 12}, {"video", 12},
	{"infodesk", 7}, {"registration", 6}, {"first-aid", 6}, {"catering", 4},
}

// RequiredLevel is the minimum level the planner asks for each skill; a
// roster is only useful when enough people reach it.
var RequiredLevel = map[string]int{
	"registration": 1, "infodesk": 1, "catering": 1,
	"security": 2, "first-aid": 2, "av": 2, "heralding": 2, "video": 2,
}

// Options describe the roster to generate.
type Options struct {
	// Size is the number of staff (at most 9999).
	Size int
	// Seed makes the roster reproducible: the same options give the same roster.
	Seed uint64
	// Prefix starts every username (e.g. "demo-3f9a"); a unique one per run
	// lets the demo run twice against the same database.
	Prefix string
	// Domain is the e-mail domain; it must be reserved for examples or tests
	// (example.org, example.com, example.net, or a .test/.example name).
	Domain string
	// Timezone is the event's IANA zone: daily windows are local clock times.
	Timezone *time.Location
	// FirstDay and LastDay are the event's first and last local dates
	// (only the date part is used).
	FirstDay, LastDay time.Time
	// BuildDays is how many days before FirstDay the venue is built; the
	// planner builds large venues the day before.
	BuildDays int
	// BuildShare is the fraction of people who come for the build day(s);
	// zero means 0.6. Small teams need nearly everyone there, since the
	// planner sizes the build crew from the team.
	BuildShare float64
	// Mix is the person-hour split by skill; nil means ConferenceMix.
	Mix []Share
}

// Limits of a roster.
const (
	MaxSize        = 9999
	MinHoursPerDay = 8
	MaxHoursPerDay = 10
)

// Shift patterns of a working day, in local minutes after midnight (the end
// may pass midnight): early birds, the full day, late and night crews. A
// congress programme runs past midnight and some rooms are torn down at
// dawn, so some people must be there too.
var patterns = []struct {
	name       string
	from, to   int
	weight     float64
	buildFrom  int
	buildUntil int
}{
	{"early", 7 * 60, 21 * 60, 0.30, 8 * 60, 19 * 60},
	{"day", 9 * 60, 26 * 60, 0.40, 9 * 60, 19 * 60},
	{"late", 12 * 60, 28 * 60, 0.22, 10 * 60, 19 * 60},
	{"night", 18 * 60, 31 * 60, 0.08, 10 * 60, 19 * 60},
}

// Roster generates opts.Size staff members. Names are invented from
// syllables (no real personal data); usernames are Prefix-staff-NNN.
//
// Skills: each person gets a primary area drawn so that the holders of each
// skill follow the mix (largest remainders, so the counts are exact), at a
// level of 2-5; most also get one or two secondary skills at 1-4, which
// gives the optimiser room when the busy hours of two areas collide. Levels
// below the planner's minimum happen on secondary skills, as in real teams.
//
// Every skill of the mix ends with at least MinHolders qualified people.
//
// Availability: about 60% (BuildShare) arrive for the build day(s); most work every
// event day; about a fifth miss one day in the middle and a tenth leave
// before the last day. Daily hour limits are 8-10.
func Roster(opts Options) ([]Member, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	mix := opts.Mix
	if mix == nil {
		mix = ConferenceMix
	}
	rng := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))
	primaries := apportion(mix, opts.Size)
	rng.Shuffle(len(primaries), func(i, j int) { primaries[i], primaries[j] = primaries[j], primaries[i] })

	days := localDays(opts.FirstDay, opts.LastDay, opts.Timezone)
	build := opts.BuildShare
	if build == 0 {
		build = 0.6
	}
	names := map[string]bool{}
	out := make([]Member, 0, opts.Size)
	for i := 0; i < opts.Size; i++ {
		user := fmt.Sprintf("%s-staff-%04d", opts.Prefix, i+1)
		m := Member{
			Username:       user,
			Email:          user + "@" + opts.Domain,
			FullName:       uniqueName(rng, names),
			MaxHoursPerDay: MinHoursPerDay + rng.IntN(MaxHoursPerDay-MinHoursPerDay+1),
		}
		m.Skills = skillsFor(rng, primaries[i], mix)
		m.Availability = availability(rng, days, opts.BuildDays, build, opts.Timezone)
		out = append(out, m)
	}
	ensureHolders(rng, out, mix)
	return out, nil
}

// MinHolders is the fewest people who reach the required level of each skill
// in the mix (fewer when the roster is smaller): one holder cannot cover a
// day, and a small crew drawn by proportion alone may get just one.
const MinHolders = 3

// ensureHolders tops up skills with fewer than MinHolders qualified people by
// training people who hold fewer than three skills (at the required level,
// or raising a lower level to it), picked at random.
func ensureHolders(rng *rand.Rand, members []Member, mix []Share) {
	for _, sh := range mix {
		if sh.Skill == "" || sh.Weight <= 0 {
			continue
		}
		need := RequiredLevel[sh.Skill]
		if need == 0 {
			need = 1
		}
		want := min(MinHolders, len(members))
		have := 0
		var candidates []int
		for i, m := range members {
			lv := levelOf(m, sh.Skill)
			switch {
			case lv >= need:
				have++
			case lv > 0 || len(m.Skills) < 3:
				candidates = append(candidates, i)
			}
		}
		rng.Shuffle(len(candidates), func(a, b int) { candidates[a], candidates[b] = candidates[b], candidates[a] })
		for _, i := range candidates {
			if have >= want {
				break
			}
			setLevel(&members[i], sh.Skill, need)
			have++
		}
	}
}

func levelOf(m Member, skill string) int {
	for _, s := range m.Skills {
		if s.Name == skill {
			return s.Level
		}
	}
	return 0
}

func setLevel(m *Member, skill string, level int) {
	for i := range m.Skills {
		if m.Skills[i].Name == skill {
			m.Skills[i].Level = max(m.Skills[i].Level, level)
			return
		}
	}
	m.Skills = append(m.Skills, Skill{Name: skill, Level: level})
	sort.Slice(m.Skills, func(i, j int) bool { return m.Skills[i].Name < m.Skills[j].Name })
}

func (o Options) check() error {
	var errs []string
	if o.Size < 1 || o.Size > MaxSize {
		errs = append(errs, fmt.Sprintf("size %d is not 1-%d", o.Size, MaxSize))
	}
	if strings.TrimSpace(o.Prefix) == "" {
		errs = append(errs, "prefix is empty")
	}
	if !ReservedDomain(o.Domain) {
		errs = append(errs, fmt.Sprintf("domain %q is not reserved for examples (example.org, .test, ...)", o.Domain))
	}
	if o.Timezone == nil {
		errs = append(errs, "timezone is nil")
	}
	if o.FirstDay.IsZero() || o.LastDay.IsZero() || dateOnly(o.LastDay).Before(dateOnly(o.FirstDay)) {
		errs = append(errs, "first and last day are required, last not before first")
	} else if dateOnly(o.LastDay).Sub(dateOnly(o.FirstDay)) > 62*24*time.Hour {
		errs = append(errs, "events longer than 62 days are not rostered")
	}
	if o.BuildShare < 0 || o.BuildShare > 1 || math.IsNaN(o.BuildShare) {
		errs = append(errs, "build share must be 0-1")
	}
	if o.BuildDays < 0 || o.BuildDays > 7 {
		errs = append(errs, "build days must be 0-7")
	}
	total := 0.0
	for _, s := range o.Mix {
		if s.Weight < 0 || math.IsNaN(s.Weight) || math.IsInf(s.Weight, 0) {
			errs = append(errs, fmt.Sprintf("mix weight of %q is not a finite non-negative number", s.Skill))
		}
		total += s.Weight
	}
	if o.Mix != nil && !(total > 0) {
		errs = append(errs, "mix has no positive weight")
	}
	if len(errs) > 0 {
		return fmt.Errorf("roster options: %s", strings.Join(errs, "; "))
	}
	return nil
}

// ReservedDomain reports whether d is reserved for documentation or tests
// (RFC 2606 / RFC 6761), so generated addresses can never reach a person.
func ReservedDomain(d string) bool {
	d = strings.ToLower(strings.TrimSpace(d))
	if d == "" || strings.ContainsAny(d, "@ /") {
		return false
	}
	for _, r := range []string{"example.org", "example.com", "example.net"} {
		if d == r || strings.HasSuffix(d, "."+r) {
			return true
		}
	}
	return strings.HasSuffix(d, ".test") || strings.HasSuffix(d, ".example") || d == "test" || d == "example"
}

// apportion gives each share a whole number of the n people, proportional
// to its weight (largest remainder; ties by position), as a flat list.
func apportion(mix []Share, n int) []string {
	total := 0.0
	for _, s := range mix {
		total += s.Weight
	}
	counts := make([]int, len(mix))
	type rem struct {
		i int
		r float64
	}
	rems := make([]rem, len(mix))
	given := 0
	for i, s := range mix {
		exact := s.Weight / total * float64(n)
		counts[i] = int(exact)
		given += counts[i]
		rems[i] = rem{i, exact - float64(counts[i])}
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r })
	for k := 0; given < n; k++ {
		counts[rems[k%len(rems)].i]++
		given++
	}
	out := make([]string, 0, n)
	for i, s := range mix {
		for range counts[i] {
			out = append(out, s.Skill)
		}
	}
	return out
}

// skillsFor draws a person's skills around a primary area ("" = generalist).
func skillsFor(rng *rand.Rand, primary string, mix []Share) []Skill {
	levels := map[string]int{}
	if primary != "" {
		// Levels 2-5, most people in the middle.
		levels[primary] = pick(rng, []int{2, 3, 4, 5}, []float64{0.30, 0.35, 0.25, 0.10})
	}
	extra := pick(rng, []int{0, 1, 2}, []float64{0.25, 0.50, 0.25})
	if primary == "" {
		// Generalists mostly hold a desk skill or two.
		extra = pick(rng, []int{0, 1, 2}, []float64{0.15, 0.55, 0.30})
	}
	var names []string
	var weights []float64
	for _, s := range mix {
		if s.Skill != "" && s.Weight > 0 {
			names, weights = append(names, s.Skill), append(weights, s.Weight)
		}
	}
	for tries := 0; extra > 0 && tries < 20 && len(names) > 0; tries++ {
		name := pick(rng, names, weights)
		if _, ok := levels[name]; ok {
			continue
		}
		levels[name] = pick(rng, []int{1, 2, 3, 4}, []float64{0.25, 0.40, 0.25, 0.10})
		extra--
	}
	out := make([]Skill, 0, len(levels))
	for n, l := range levels {
		out = append(out, Skill{Name: n, Level: l})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// availability gives one window per working day: the build day(s) in the
// daytime for those who come early, then each event day in the person's
// shift pattern, with the gaps of real volunteers.
func availability(rng *rand.Rand, days []time.Time, buildDays int, buildShare float64, loc *time.Location) []Window {
	weights := make([]float64, len(patterns))
	for i, p := range patterns {
		weights[i] = p.weight
	}
	idx := make([]int, len(patterns))
	for i := range idx {
		idx[i] = i
	}
	p := patterns[pick(rng, idx, weights)]
	var out []Window
	if buildDays > 0 && rng.Float64() < buildShare {
		for b := buildDays; b >= 1; b-- {
			d := days[0].AddDate(0, 0, -b)
			out = append(out, Window{clock(d, p.buildFrom, loc), clock(d, p.buildUntil, loc)})
		}
	}
	skip := -1
	if len(days) >= 3 && rng.Float64() < 0.20 {
		skip = 1 + rng.IntN(len(days)-2) // a day in the middle
	}
	last := len(days) - 1
	if len(days) >= 2 && rng.Float64() < 0.10 {
		last-- // leaves before the last day
	}
	for i := 0; i <= last; i++ {
		if i == skip {
			continue
		}
		out = append(out, Window{clock(days[i], p.from, loc), clock(days[i], p.to, loc)})
	}
	if len(out) == 0 {
		out = append(out, Window{clock(days[0], p.from, loc), clock(days[0], p.to, loc)})
	}
	return out
}

// clock is local midnight of d plus mins (wall clock, so 09:00 stays 09:00
// across a DST change), in UTC.
func clock(d time.Time, mins int, loc *time.Location) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, mins, 0, 0, loc).UTC()
}

func dateOnly(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// localDays lists the dates first..last as local midnights.
func localDays(first, last time.Time, loc *time.Location) []time.Time {
	var out []time.Time
	for d := dateOnly(first); !d.After(dateOnly(last)); d = d.AddDate(0, 0, 1) {
		out = append(out, time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc))
	}
	return out
}

func pick[T any](rng *rand.Rand, items []T, weights []float64) T {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := rng.Float64() * total
	for i, w := range weights {
		if x < w {
			return items[i]
		}
		x -= w
	}
	return items[len(items)-1]
}

// Invented syllables: the names they make are pronounceable but nobody's.
var (
	onsets = []string{"b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr", "kl", "tr", "sh", "th"}
	nuclei = []string{"a", "e", "i", "o", "u", "ai", "ei", "ou"}
	codas  = []string{"", "", "", "n", "r", "l", "s", "k", "m", "x"}
)

func word(rng *rand.Rand, syllables int) string {
	var b strings.Builder
	for range syllables {
		b.WriteString(onsets[rng.IntN(len(onsets))])
		b.WriteString(nuclei[rng.IntN(len(nuclei))])
		b.WriteString(codas[rng.IntN(len(codas))])
	}
	w := b.String()
	return strings.ToUpper(w[:1]) + w[1:]
}

// uniqueName invents "Given Family" and retries on a clash, so that every
// name in one roster is distinct.
func uniqueName(rng *rand.Rand, seen map[string]bool) string {
	for {
		n := word(rng, 2) + " " + word(rng, 2+rng.IntN(2))
		if !seen[n] {
			seen[n] = true
			return n
		}
	}
}

// Holders counts, per skill, the people who reach the level the planner
// requires (RequiredLevel; 1 for skills it does not know).
func Holders(members []Member) map[string]int {
	out := map[string]int{}
	for _, m := range members {
		for _, s := range m.Skills {
			need := RequiredLevel[s.Name]
			if need == 0 {
				need = 1
			}
			if s.Level >= need {
				out[s.Name]++
			}
		}
	}
	return out
}

// MixOf builds a mix from skill → weight ("" is work without a skill), in
// name order so that the same map always gives the same roster.
func MixOf(weights map[string]float64) []Share {
	out := make([]Share, 0, len(weights))
	for s, w := range weights {
		out = append(out, Share{Skill: s, Weight: w})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Skill < out[j].Skill })
	return out
}
