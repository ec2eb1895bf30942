package schedule

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

type xmlConference struct {
	Title            string `xml:"title"`
	Acronym          string `xml:"acronym"`
	TimeZoneName     string `xml:"time_zone_name"`
	TimeslotDuration string `xml:"timeslot_duration"`
}

type xmlEvent struct {
	GUID     string   `xml:"guid,attr"`
	ID       string   `xml:"id,attr"`
	Date     string   `xml:"date"`
	Start    string   `xml:"start"`
	Duration string   `xml:"duration"`
	Room     string   `xml:"room"`
	Title    string   `xml:"title"`
	Subtitle string   `xml:"subtitle"`
	Track    string   `xml:"track"`
	Type     string   `xml:"type"`
	Language string   `xml:"language"`
	Persons  []string `xml:"persons>person"`
}

// xmlDay and xmlItem keep the document's structure until the conference
// element (which carries the timezone) has surely been read.
type xmlDay struct {
	index              int
	date, start, end   string
	path               string
	items              []xmlItem
	hasIndex, hasStart bool
}

type xmlItem struct {
	room string
	path string
	ev   xmlEvent
}

// parseXML walks the document's outer levels itself (schedule > day > room)
// with explicit depth and token limits, and unmarshals only the small
// conference and event elements. encoding/xml never resolves external
// entities and, with Entity unset, refuses undeclared ones, so no entity
// expansion can blow up; its Unmarshal also caps nesting at 10,000.
func (p *parser) parseXML(body []byte) (*Schedule, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	d.CharsetReader = charsetReader
	var (
		conf              xmlConference
		days              []*xmlDay
		cur               *xmlDay
		room              string
		roomPos, eventPos int
		depth, tokens     int
		sawRoot           bool
		stack             []string
	)
	syntax := func(err error) error {
		se := &SyntaxError{Format: FormatXML, Offset: d.InputOffset(), Msg: err.Error()}
		var xe *xml.SyntaxError
		if errors.As(err, &xe) {
			se.Line, se.Msg = xe.Line, xe.Msg
		}
		return se
	}
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, syntax(err)
		}
		tokens++
		if tokens > maxXMLTokens {
			return nil, &SyntaxError{Format: FormatXML, Offset: d.InputOffset(), Msg: "too many XML tokens"}
		}
		switch t := tok.(type) {
		case xml.Directive:
			if bytes.Contains(bytes.ToUpper(t), []byte("ENTITY")) {
				return nil, &SyntaxError{Format: FormatXML, Offset: d.InputOffset(), Msg: "entity declarations are not allowed"}
			}
		case xml.EndElement:
			depth--
			stack = stack[:depth]
			if depth == 1 {
				cur = nil
			}
		case xml.StartElement:
			depth++
			if depth > maxXMLDepth {
				return nil, &SyntaxError{Format: FormatXML, Offset: d.InputOffset(), Msg: "elements nested too deeply"}
			}
			name := t.Name.Local
			stack = append(stack, name)
			parent := ""
			if depth >= 2 {
				parent = stack[depth-2]
			}
			switch {
			case depth == 1:
				if name != "schedule" {
					return nil, &ValidationError{Problems: []Problem{{Path: name, Message: "root element must be <schedule>"}}}
				}
				sawRoot = true
			case depth == 2 && name == "conference":
				if err := d.DecodeElement(&conf, &t); err != nil {
					return nil, syntax(err)
				}
				depth--
				stack = stack[:depth]
			case depth == 2 && name == "day":
				cur = &xmlDay{path: fmt.Sprintf("day[%d]", len(days))}
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "index":
						n, err := strconv.Atoi(strings.TrimSpace(a.Value))
						if err != nil || n < 0 {
							p.addf(cur.path+".index", "invalid index %q", a.Value)
						}
						cur.index, cur.hasIndex = n, true
					case "date":
						cur.date = a.Value
					case "start":
						cur.start, cur.hasStart = a.Value, true
					case "end":
						cur.end = a.Value
					}
				}
				if !cur.hasIndex {
					cur.index = len(days) + 1
				}
				days = append(days, cur)
				roomPos = 0
			case depth == 3 && name == "room" && parent == "day":
				room = ""
				for _, a := range t.Attr {
					if a.Name.Local == "name" {
						room = strings.TrimSpace(a.Value)
					}
				}
				roomPos++
				eventPos = 0
			case depth == 4 && name == "event" && parent == "room" && cur != nil:
				var ev xmlEvent
				if err := d.DecodeElement(&ev, &t); err != nil {
					return nil, syntax(err)
				}
				depth--
				stack = stack[:depth]
				r := room
				if r == "" {
					r = strings.TrimSpace(ev.Room)
				}
				label := quote(r)
				if room == "" {
					label = strconv.Itoa(roomPos - 1)
				}
				cur.items = append(cur.items, xmlItem{room: r, ev: ev, path: fmt.Sprintf("%s.room[%s].event[%d]", cur.path, label, eventPos)})
				eventPos++
				p.count++
				if p.count > MaxSessions {
					return nil, tooMany()
				}
			}
		}
	}
	if !sawRoot {
		return nil, &SyntaxError{Format: FormatXML, Offset: 0, Msg: "no root element"}
	}
	p.count = 0
	s := &Schedule{Title: strings.TrimSpace(conf.Title)}
	if s.Title == "" {
		s.Title = strings.TrimSpace(conf.Acronym)
	}
	loc, tz := p.zone("conference.time_zone_name", conf.TimeZoneName)
	s.Timezone = tz
	slot := defaultSlot
	if ds, ok := parseDuration(conf.TimeslotDuration); ok && ds > 0 {
		slot = ds
	}
	for _, day := range days {
		dd := Day{Index: day.index, Date: strings.TrimSpace(day.date)}
		if dd.Date != "" {
			if _, err := time.Parse("2006-01-02", dd.Date); err != nil {
				p.addf(day.path+".date", "invalid date %q", day.date)
			}
		}
		var dayStart time.Time
		if day.hasStart {
			st, ok := parseDateTime(day.start, loc)
			if !ok {
				p.addf(day.path+".start", "invalid time %q", day.start)
			} else {
				dayStart, dd.Start = st, st.UTC()
			}
		}
		if strings.TrimSpace(day.end) != "" {
			if en, ok := parseDateTime(day.end, loc); ok {
				dd.End = en.UTC()
			} else {
				p.addf(day.path+".end", "invalid time %q", day.end)
			}
		}
		if dd.Date == "" && !dayStart.IsZero() {
			dd.Date = dayStart.In(loc).Format("2006-01-02")
		}
		s.Days = append(s.Days, dd)
		for _, it := range day.items {
			ev := it.ev
			start, end := p.window(it.path, timing{
				date: ev.Date, clock: ev.Start, duration: ev.Duration,
				dayDate: dd.Date, dayStart: dayStart, loc: loc, slot: slot,
			})
			id := strings.TrimSpace(ev.GUID)
			if id == "" {
				id = strings.TrimSpace(ev.ID)
			}
			err := p.add(s, it.path, Session{
				ExternalID: id,
				Room:       it.room,
				Track:      strings.TrimSpace(ev.Track),
				Title:      strings.TrimSpace(ev.Title),
				Subtitle:   strings.TrimSpace(ev.Subtitle),
				Type:       strings.TrimSpace(ev.Type),
				Language:   strings.TrimSpace(ev.Language),
				Speakers:   trimAll(ev.Persons),
				Start:      start,
				End:        end,
				Day:        dd.Index,
			})
			if err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// charsetReader accepts the single-byte encodings old pentabarf exports
// declare; everything else must be UTF-8.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "iso-8859-1", "latin1", "latin-1", "iso8859-1", "windows-1252", "cp1252":
		raw, err := io.ReadAll(input)
		if err != nil {
			return nil, err
		}
		buf := make([]byte, 0, len(raw)*2)
		for _, c := range raw {
			buf = utf8.AppendRune(buf, rune(c))
		}
		return bytes.NewReader(buf), nil
	case "us-ascii", "ascii":
		return input, nil
	}
	return nil, fmt.Errorf("unsupported encoding %q", label)
}
