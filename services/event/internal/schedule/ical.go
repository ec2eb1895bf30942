package schedule

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// icalProp is one content line: NAME;PARAM=VALUE:value.
type icalProp struct {
	name   string
	params map[string]string
	value  string
	line   int
}

// parseICal reads VEVENTs (UID, DTSTART, DTEND or DURATION, SUMMARY,
// LOCATION, CATEGORIES) from an RFC 5545 calendar. TZID parameters must name
// IANA zones; VTIMEZONE definitions are not interpreted, and recurring
// events (RRULE) import their first occurrence only: conference calendars
// list each session once.
func (p *parser) parseICal(body []byte) (*Schedule, error) {
	props, err := unfoldICal(body)
	if err != nil {
		return nil, err
	}
	s := &Schedule{}
	calTZ := ""
	var (
		inEvent, inCal bool
		cur            []icalProp
		events         [][]icalProp
		depth          int
	)
	for _, pr := range props {
		switch pr.name {
		case "BEGIN":
			depth++
			if depth > 8 {
				return nil, &SyntaxError{Format: FormatICal, Line: pr.line, Msg: "components nested too deeply"}
			}
			switch strings.ToUpper(pr.value) {
			case "VCALENDAR":
				inCal = true
			case "VEVENT":
				inEvent, cur = true, nil
			}
		case "END":
			depth--
			if depth < 0 {
				return nil, &SyntaxError{Format: FormatICal, Line: pr.line, Msg: "END without BEGIN"}
			}
			if strings.EqualFold(pr.value, "VEVENT") && inEvent {
				inEvent = false
				events = append(events, cur)
				if len(events) > MaxSessions {
					return nil, tooMany()
				}
			}
		default:
			if inEvent {
				cur = append(cur, pr)
				continue
			}
			if depth == 1 {
				switch pr.name {
				case "X-WR-CALNAME":
					s.Title = icalText(pr.value)
				case "X-WR-TIMEZONE":
					calTZ = pr.value
				}
			}
		}
	}
	if !inCal || depth != 0 {
		return nil, &SyntaxError{Format: FormatICal, Line: 0, Offset: -1, Msg: "missing or unterminated VCALENDAR"}
	}
	loc, tz := p.zone("VCALENDAR.X-WR-TIMEZONE", calTZ)
	s.Timezone = tz
	for i, ev := range events {
		path := fmt.Sprintf("VEVENT[%d]", i)
		var ses Session
		var dtstart, dtend, duration *icalProp
		for j := range ev {
			pr := &ev[j]
			switch pr.name {
			case "UID":
				ses.ExternalID = strings.TrimSpace(pr.value)
			case "SUMMARY":
				ses.Title = strings.TrimSpace(icalText(pr.value))
			case "LOCATION":
				ses.Room = strings.TrimSpace(icalText(pr.value))
			case "CATEGORIES":
				ses.Track = strings.TrimSpace(strings.SplitN(icalText(pr.value), ",", 2)[0])
			case "DTSTART":
				dtstart = pr
			case "DTEND":
				dtend = pr
			case "DURATION":
				duration = pr
			}
		}
		if ses.Room == "" {
			// Calendars without locations still import; the room is then unknown.
			ses.Room = "unassigned"
		}
		if dtstart == nil {
			p.addf(path+".DTSTART", "required")
		} else if st, ok := p.icalTime(path+".DTSTART", dtstart, loc); ok {
			ses.Start = st
			switch {
			case dtend != nil:
				if en, ok := p.icalTime(path+".DTEND", dtend, loc); ok {
					ses.End = en
				}
			case duration != nil:
				d, ok := parseISODuration(duration.value)
				if !ok {
					p.addf(path+".DURATION", "invalid duration %q", duration.value)
				} else {
					ses.End = st.Add(d)
				}
			case dtstart.params["VALUE"] == "DATE":
				ses.End = st.AddDate(0, 0, 1)
			default:
				p.addf(path+".DTEND", "required (or DURATION)")
			}
			if !ses.End.IsZero() && !ses.End.After(ses.Start) {
				p.addf(path+".DTEND", "must be after DTSTART")
				ses.End = time.Time{}
			} else if ses.End.Sub(ses.Start) > maxSessionLength {
				p.addf(path+".DTEND", "longer than %d days", int(maxSessionLength.Hours()/24))
				ses.End = time.Time{}
			}
		}
		ses.Start, ses.End = ses.Start.UTC(), ses.End.UTC()
		if err := p.add(s, path, ses); err != nil {
			return nil, err
		}
	}
	assignDays(s, loc)
	return s, nil
}

func (p *parser) icalTime(path string, pr *icalProp, loc *time.Location) (time.Time, bool) {
	v := strings.TrimSpace(pr.value)
	if tzid := pr.params["TZID"]; tzid != "" {
		l, err := time.LoadLocation(strings.Trim(tzid, `"`))
		if err != nil {
			p.addf(path, "unknown TZID %q (want an IANA zone)", tzid)
			return time.Time{}, false
		}
		loc = l
	}
	layouts := []string{"20060102T150405Z", "20060102T150405", "20060102"}
	for _, l := range layouts {
		if t, err := time.ParseInLocation(l, v, loc); err == nil {
			if strings.HasSuffix(v, "Z") {
				t, _ = time.Parse(l, v)
			}
			return t, true
		}
	}
	p.addf(path, "invalid time %q", pr.value)
	return time.Time{}, false
}

// unfoldICal joins folded lines (a line starting with space or tab continues
// the previous one) and splits each into name, parameters and value.
func unfoldICal(body []byte) ([]icalProp, error) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	raw := strings.Split(strings.ReplaceAll(string(body), "\r\n", "\n"), "\n")
	var out []icalProp
	for i, l := range raw {
		if l == "" {
			continue
		}
		if l[0] == ' ' || l[0] == '\t' {
			if len(out) == 0 {
				return nil, &SyntaxError{Format: FormatICal, Line: i + 1, Msg: "continuation line without a property"}
			}
			out[len(out)-1].value += l[1:]
			continue
		}
		colon := indexUnquoted(l, ':')
		if colon <= 0 {
			return nil, &SyntaxError{Format: FormatICal, Line: i + 1, Msg: "content line without a colon"}
		}
		head := l[:colon]
		parts := strings.Split(head, ";")
		pr := icalProp{name: strings.ToUpper(strings.TrimSpace(parts[0])), value: l[colon+1:], line: i + 1, params: map[string]string{}}
		for _, param := range parts[1:] {
			k, v, ok := strings.Cut(param, "=")
			if !ok {
				return nil, &SyntaxError{Format: FormatICal, Line: i + 1, Msg: "parameter without a value"}
			}
			pr.params[strings.ToUpper(k)] = strings.Trim(v, `"`)
		}
		out = append(out, pr)
	}
	return out, nil
}

// indexUnquoted finds c outside double quotes (parameter values may quote colons).
func indexUnquoted(s string, c byte) int {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"':
			quoted = !quoted
		case s[i] == c && !quoted:
			return i
		}
	}
	return -1
}

func icalText(v string) string {
	r := strings.NewReplacer(`\n`, "\n", `\N`, "\n", `\,`, ",", `\;`, ";", `\\`, `\`)
	return r.Replace(v)
}

// parseISODuration reads RFC 5545 durations such as PT45M, PT1H30M, P1D, P1W.
func parseISODuration(v string) (time.Duration, bool) {
	v = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), "+"))
	if !strings.HasPrefix(v, "P") || len(v) < 3 {
		return 0, false
	}
	var d time.Duration
	inTime := false
	num := 0
	digits := false
	for _, c := range v[1:] {
		switch {
		case c == 'T':
			inTime = true
		case c >= '0' && c <= '9':
			num = num*10 + int(c-'0')
			digits = true
			if num > 1_000_000 {
				return 0, false
			}
		default:
			if !digits {
				return 0, false
			}
			switch {
			case c == 'W' && !inTime:
				d += time.Duration(num) * 7 * 24 * time.Hour
			case c == 'D' && !inTime:
				d += time.Duration(num) * 24 * time.Hour
			case c == 'H' && inTime:
				d += time.Duration(num) * time.Hour
			case c == 'M' && inTime:
				d += time.Duration(num) * time.Minute
			case c == 'S' && inTime:
				d += time.Duration(num) * time.Second
			default:
				return 0, false
			}
			num, digits = 0, false
		}
	}
	if digits {
		return 0, false
	}
	return d, true
}
