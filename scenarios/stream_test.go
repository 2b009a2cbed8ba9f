package scenarios

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// referenceJSON is the documented form as encoding/json writes it from the
// Result's fields (the timeline built as []Event): indented as `kafkasim
// run --format json` printed it before the output was streamed, or
// compact as json.Marshal writes it.
func referenceJSON(t *testing.T, r *Result, indent bool) []byte {
	t.Helper()
	v := resultJSON{r.SchemaVersion, r.Scenario, r.Seed, r.Backend, r.Duration, r.Events(), r.Outcome, r.Groups, r.Incomplete}
	if !indent {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// streamed is r as WriteJSON writes it (indent) or as writeJSON writes it
// compact.
func streamed(t *testing.T, r *Result, indent bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	if indent {
		if err := r.WriteJSON(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	j := newJSONWriter(&buf, false)
	r.writeJSON(j)
	if err := j.flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// firstDiff describes where two outputs part.
func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-80)
	return fmt.Sprintf("at byte %d of %d/%d:\n got …%s\nwant …%s", i, len(a), len(b), a[from:min(len(a), i+80)], b[from:min(len(b), i+80)])
}

// Every built-in, three seeds: the streamed JSON is byte for byte what
// encoding/json writes, indented and compact, whether or not the timeline
// was built as []Event before.
func TestWriteJSONMatchesEncodingJSON(t *testing.T) {
	for _, name := range Names() {
		s, err := Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, seed := range []uint64{1, 7, 42} {
			r, err := Run(s, Options{Seed: seed, SeedSet: true})
			if err != nil {
				t.Fatal(err)
			}
			got := streamed(t, r, true) // from the recording: nothing built yet
			if want := referenceJSON(t, r, true); !bytes.Equal(got, want) {
				t.Fatalf("%s seed %d, indented: %s", name, seed, firstDiff(got, want))
			}
			if got, want := streamed(t, r, false), referenceJSON(t, r, false); !bytes.Equal(got, want) {
				t.Fatalf("%s seed %d, compact: %s", name, seed, firstDiff(got, want))
			}
			if got2 := streamed(t, r, true); !bytes.Equal(got2, got) {
				t.Fatalf("%s seed %d: the timeline built as events writes differently: %s", name, seed, firstDiff(got2, got))
			}
		}
	}
}

// oddStrings are strings encoding/json escapes in every way it can.
var oddStrings = []string{
	"", "plain", `quote " and \ backslash`, "new\nline\ttab\rreturn", "bell\a nul\x00 esc\x1b \b \f",
	"<html> & </html>", "café → ünïcode — 日本", "line\u2028sep\u2029para", "bad \xff utf8 \xc3", "emoji 🎉",
	"\x7f del", strings.Repeat("x", 300),
}

// Hand-built results with every field set, empty and nil, and strings
// that need escaping.
func TestWriteJSONOddResults(t *testing.T) {
	var evs []Event
	for i, s := range oddStrings {
		evs = append(evs, Event{Seq: i, At: time.Duration(i) * time.Millisecond, Actor: s, Kind: Kind(s), Group: s, Member: s,
			Generation: int32(i - 1), Topic: s, Partition: int32(i - 1), Offset: int64(i - 1), Key: s, Topics: []string{s, "t"},
			Partitions: []TP{{s, 1}, {"t", 0}}, State: s, Commit: s, CommitID: uint64(i), Async: i%2 == 0, Error: s, Detail: s, Cause: s})
	}
	evs = append(evs, Event{Seq: len(evs), Topics: []string{}, Partitions: []TP{}}, Event{Seq: len(evs) + 1})
	full := &Result{SchemaVersion: 1, Scenario: "odd <&>", Seed: 1<<64 - 1, Backend: "sim", Duration: -5, Incomplete: "cut\n short",
		Outcome: Outcome{
			Lost:       []MessageRef{{"g", "t", 1, 2}},
			Duplicated: []MessageRef{},
			Counts:     Counts{1, 2, 3, 4, 5},
			Findings:   []Finding{{FlagCommitBeyondEnd, "g", "t", 0, 9, 3, "past the end"}},
		},
		Groups: []GroupResult{
			{Group: "g", State: "Stable", Generation: 3, Table: "\nGROUP  TOPIC\ng      t\n",
				Partitions: []PartitionResult{{"t", 0, -1, 10, -1, "", ""}, {"t", 1, 4, 10, 6, "c1", "c1-x"}}},
			{Group: "h", Partitions: []PartitionResult{}},
			{Group: "i"},
		}}
	full.SetEvents(evs)
	full.Outcome.SetMessages([]MessageOutcome{
		{Group: "g", Topic: "t", Partition: 0, Offset: 0, Key: "k\"", Deliveries: 2, Effects: 2, Outcome: Duplicated,
			Flags: []Flag{FlagSkip, FlagReordered}, CauseKind: CauseUnknown, Cause: "why <not>", DeliveredTo: []string{"c1", "c2"}},
		{Group: "g", Topic: "t", Partition: 1, Offset: 5, Outcome: OK, Flags: []Flag{}, DeliveredTo: []string{}},
	})
	empty := &Result{} // no timeline, nil lists: nulls
	noEvents := &Result{Groups: []GroupResult{}}
	noEvents.SetEvents(nil)
	for name, r := range map[string]*Result{"full": full, "empty": empty, "no events": noEvents} {
		for _, indent := range []bool{true, false} {
			if got, want := streamed(t, r, indent), referenceJSON(t, r, indent); !bytes.Equal(got, want) {
				t.Errorf("%s, indent %v: %s", name, indent, firstDiff(got, want))
			}
		}
	}
}

// A writer failing part way: the error comes back, and writing stops.
func TestWriteJSONReportsWriteErrors(t *testing.T) {
	// Big enough for several buffers of output in every format.
	s, err := Parse("big.yaml", []byte(`
name: big
duration: 10s
topics: [{name: t, partitions: 2}]
producers: [{topic: t, count: 2000, key: "k-{i}"}]
consumers: [{id: c1, group: g, topics: [t], config: {auto.offset.reset: earliest}}]
`))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Run(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for name, write := range map[string]func(*Result, *failAfter) error{
		"json":  func(r *Result, w *failAfter) error { return r.WriteJSON(w) },
		"jsonl": func(r *Result, w *failAfter) error { return r.WriteJSONL(w) },
		"text":  func(r *Result, w *failAfter) error { return r.WriteText(w) },
	} {
		w := &failAfter{n: 1}
		if err := write(r, w); err == nil || w.calls != 2 {
			t.Errorf("%s: error %v after %d writes, want the error at the second and no third", name, err, w.calls)
		}
	}
}

// failAfter accepts n writes and fails the rest.
type failAfter struct{ n, calls int }

func (w *failAfter) Write(b []byte) (int, error) {
	w.calls++
	if w.calls > w.n {
		return 0, fmt.Errorf("disk full")
	}
	return len(b), nil
}

// JSON Lines: a line per event, message, finding and group, each a
// compact object whose "type" comes first, and read back the result is
// the same (its JSON identical).
func TestJSONLRoundTrip(t *testing.T) {
	for _, name := range []string{"auto-commit-loss", "manual-commit-duplicates", "broker-outage", "offsets-expired"} {
		s, err := Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Run(s, Options{Seed: 7, SeedSet: true})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := r.WriteJSONL(&buf); err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		sc := bufio.NewScanner(bytes.NewReader(buf.Bytes()))
		sc.Buffer(nil, 1<<20)
		var evLines []Event
		for n := 0; sc.Scan(); n++ {
			line := sc.Bytes()
			var typ struct{ Type string }
			if err := json.Unmarshal(line, &typ); err != nil || !bytes.HasPrefix(line, []byte(`{"type":"`+typ.Type+`",`)) {
				t.Fatalf("%s line %d: %v: %s", name, n+1, err, line)
			}
			if n == 0 && typ.Type != JSONLRun {
				t.Fatalf("%s: first line %s", name, line)
			}
			if typ.Type == JSONLEvent {
				var e Event
				if err := json.Unmarshal(line, &e); err != nil {
					t.Fatal(err)
				}
				evLines = append(evLines, e)
			}
			counts[typ.Type]++
		}
		o := &r.Outcome
		want := map[string]int{JSONLRun: 1, JSONLEvent: len(r.Events()), JSONLMessage: len(o.Messages()), JSONLFinding: len(o.Findings), JSONLOutcome: 1, JSONLGroup: len(r.Groups)}
		for k, v := range want {
			if counts[k] != v {
				t.Errorf("%s: %d %q lines, want %d", name, counts[k], k, v)
			}
		}
		if len(counts) != len(want)-btoi(len(o.Findings) == 0) {
			t.Errorf("%s: line types %v", name, counts)
		}
		for i := range evLines {
			if evLines[i].Seq != i {
				t.Fatalf("%s: event line %d has seq %d", name, i, evLines[i].Seq)
			}
		}
		back, err := ReadJSONL(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := streamed(t, back, true), streamed(t, r, true); !bytes.Equal(got, want) {
			t.Errorf("%s: read back: %s", name, firstDiff(got, want))
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestReadJSONLErrors(t *testing.T) {
	for in, want := range map[string]string{
		"":                                "empty input",
		`{"type":"event","seq":0}` + "\n": `starts with a "run" line`,
		`{"type":"run"}` + "\n{\n":        "line 2",
		`{"type":"run"}` + "\n" + `{"type":"run"}`:                  `line 2: a second "run" line`,
		`{"type":"run"}` + "\n" + `{"type":"message","offset":"x"}`: "line 2",
		// The counts of the run line: checked, and no bigger a list made
		// than the lines hold.
		`{"type":"run","events":-1}`:                                         `line 1: "events": -1, "messages": 0: want how many`,
		`{"type":"run","messages":-5}`:                                       `line 1: "events": 0, "messages": -5`,
		`{"type":"run","events":100000000000000,"messages":100000000000000}`: "line 1 announces 100000000000000 events and 100000000000000 messages, the 1 lines hold 0 and 0",
		`{"type":"run","events":1}` + "\n" + `{"type":"outcome"}`:            "line 1 announces 1 events and 0 messages, the 2 lines hold 0 and 0",
		`{"type":"run"}`: `no "outcome" line after line 1`,
		`{"type":"run","groups":1}` + "\n" + `{"type":"outcome"}`: "line 1 announces 1 groups, the 2 lines hold 0",
		`{"type":"run","groups":-1}`:                              `line 1: "groups": -1: want how many`,
		"\n" + `{"type":"outcome"}`:                               "line 1: unexpected end of JSON input",
	} {
		_, err := ReadJSONL(strings.NewReader(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", in, err, want)
		}
	}
	// Unknown line types are skipped; a stream from before the run line
	// counted groups is read without the check.
	r, err := ReadJSONL(strings.NewReader(`{"type":"run","scenario":"x","events":1}` + "\n" + `{"type":"later","a":1}` + "\n" + `{"type":"event","seq":0,"kind":"start"}` + "\n" + `{"type":"outcome","counts":{"ok":1}}` + "\n" + `{"type":"group","group":"g"}` + "\n"))
	if err != nil || r.Scenario != "x" || len(r.Events()) != 1 || r.Events()[0].Kind != KindStart || r.Outcome.Counts.OK != 1 || len(r.Groups) != 1 {
		t.Fatalf("%v %+v", err, r)
	}
}

// TestReadJSONLCutShort: a run's JSON Lines cut after any of its lines
// but the last is refused with ErrJSONLCut (cut inside a line, with the
// line's error), never read as a smaller result.
func TestReadJSONLCutShort(t *testing.T) {
	r := builtinRun(t, "manual-commit-duplicates")
	var buf bytes.Buffer
	if err := r.WriteJSONL(&buf); err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) < 10 {
		t.Fatalf("%d lines", len(lines))
	}
	for n := 1; n < len(lines); n++ {
		in := strings.Join(lines[:n], "")
		if _, err := ReadJSONL(strings.NewReader(in)); !errors.Is(err, ErrJSONLCut) {
			t.Fatalf("the first %d of %d lines: %v, want ErrJSONLCut", n, len(lines), err)
		}
		cut := in + lines[n][:len(lines[n])/2]
		if _, err := ReadJSONL(strings.NewReader(cut)); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("line %d: ", n+1)) {
			t.Fatalf("cut inside line %d: %v, want an error naming it", n+1, err)
		}
	}
	if _, err := ReadJSONL(strings.NewReader(buf.String())); err != nil {
		t.Fatal(err)
	}
}

// referenceText is WriteText as it was before the output was streamed:
// the timeline built as []Event, each line by fmt and string
// concatenation.
func referenceText(r *Result) string {
	var bw strings.Builder
	fmt.Fprintf(&bw, "scenario %s (seed %d, %s)\n\n", r.Scenario, r.Seed, r.Backend)
	if r.Incomplete != "" {
		fmt.Fprintf(&bw, "INCOMPLETE: %s\n\n", r.Incomplete)
	}
	evs := r.Events()
	for i := range evs {
		e := &evs[i]
		switch e.Kind {
		case KindNarration:
			fmt.Fprintf(&bw, "T=%s  » %s\n", FormatDuration(e.At), e.Detail)
		case KindPause:
			fmt.Fprintf(&bw, "T=%s  ‖ pause: %s\n", FormatDuration(e.At), e.Detail)
		default:
			fmt.Fprintln(&bw, referenceEventString(e))
		}
	}
	o := &r.Outcome
	if r.Incomplete != "" {
		fmt.Fprintf(&bw, "\nINCOMPLETE: %s\n", r.Incomplete)
	}
	fmt.Fprintf(&bw, "\noutcome: %d OK, %d REDELIVERED, %d DUPLICATED, %d LOST, %d PENDING\n",
		o.Counts.OK, o.Counts.Redelivered, o.Counts.Duplicated, o.Counts.Lost, o.Counts.Pending)
	for _, m := range o.Messages() {
		if m.Outcome != Lost && m.Outcome != Duplicated && len(m.Flags) == 0 {
			continue
		}
		fmt.Fprintf(&bw, "  %-10s %s %s[%d]@%d deliveries=%d effects=%d", m.Outcome, m.Group, m.Topic, m.Partition, m.Offset, m.Deliveries, m.Effects)
		for _, f := range m.Flags {
			fmt.Fprintf(&bw, " %s", f)
		}
		fmt.Fprintln(&bw)
		if m.Cause != "" {
			fmt.Fprintf(&bw, "             cause (%s): %s\n", m.CauseKind, m.Cause)
		}
	}
	for _, f := range o.Findings {
		fmt.Fprintf(&bw, "  %s %s %s[%d]: %s\n", f.Flag, f.Group, f.Topic, f.Partition, f.Detail)
	}
	for _, g := range r.Groups {
		fmt.Fprintf(&bw, "\n%s", g.Table)
	}
	return bw.String()
}

// referenceEventString is Event.String as it was.
func referenceEventString(e *Event) string {
	s := "T=" + FormatDuration(e.At) + " " + e.Actor + " " + string(e.Kind)
	if e.Topic != "" {
		s += " " + e.TP().String()
		if e.Offset >= 0 {
			s += fmt.Sprintf("@%d", e.Offset)
		}
	} else if e.Offset >= 0 {
		s += fmt.Sprintf(" @%d", e.Offset)
	}
	if len(e.Partitions) > 0 {
		s += " ["
		for i, tp := range e.Partitions {
			if i > 0 {
				s += " "
			}
			s += tp.String()
		}
		s += "]"
	}
	if e.State != "" {
		s += " " + e.State
	}
	if e.Generation >= 0 && (e.Kind == KindJoin || e.Kind == KindGroupState) {
		s += fmt.Sprintf(" gen=%d", e.Generation)
	}
	if e.Commit != "" {
		mode := ""
		if e.Async {
			mode = " async"
		}
		s += " (" + e.Commit + mode + ")"
	}
	if e.Error != "" {
		s += " " + e.Error
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Cause != "" {
		s += " — " + e.Cause
	}
	return s
}

// The streamed text is what the text format printed before, for every
// built-in (three seeds) and for odd hand-built events.
func TestWriteTextMatchesReference(t *testing.T) {
	check := func(name string, r *Result) {
		t.Helper()
		var buf bytes.Buffer
		if err := r.WriteText(&buf); err != nil {
			t.Fatal(err)
		}
		if got, want := buf.Bytes(), []byte(referenceText(r)); !bytes.Equal(got, want) {
			t.Fatalf("%s: %s", name, firstDiff(got, want))
		}
	}
	for _, name := range Names() {
		s, err := Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, seed := range []uint64{1, 7, 42} {
			r, err := Run(s, Options{Seed: seed, SeedSet: true})
			if err != nil {
				t.Fatal(err)
			}
			check(fmt.Sprintf("%s seed %d", name, seed), r)
		}
	}
	var evs []Event
	for i, s := range oddStrings {
		for _, k := range []Kind{KindJoin, KindGroupState, KindNarration, KindPause, KindCommit} {
			evs = append(evs, Event{Seq: len(evs), At: time.Duration(i) * time.Second / 3, Actor: s, Kind: k, Topic: s, Partition: int32(i),
				Offset: int64(i - 2), Generation: int32(i - 3), Partitions: []TP{{s, 1}, {"t", 2}}[:i%3], State: s, Commit: s,
				Async: i%2 == 0, Error: s, Detail: s, Cause: s})
			evs = append(evs, Event{Seq: len(evs), At: time.Duration(i) * time.Second / 3, Kind: k, Offset: int64(i - 2), Generation: -1})
		}
	}
	r := &Result{Scenario: "odd", Incomplete: "interrupted", Outcome: Outcome{
		Findings: []Finding{{Flag: FlagCommitRegression, Detail: "d"}}},
		Groups: []GroupResult{{Table: "\ntable\n"}}}
	r.Outcome.SetMessages([]MessageOutcome{{Group: "g", Topic: "t", Outcome: Lost, Cause: "c"}, {Outcome: OK, Flags: []Flag{FlagSkip}}, {Outcome: OK}})
	r.SetEvents(evs)
	check("odd", r)
	for i := range evs {
		if got, want := evs[i].String(), referenceEventString(&evs[i]); got != want {
			t.Fatalf("event %d: String %q, want %q", i, got, want)
		}
	}
}

// OnlyNotable keeps the messages the text names and nothing else: the
// text is the same, and so are the counts, lists and findings.
func TestOnlyNotableKeepsWhatTheTextPrints(t *testing.T) {
	for _, name := range Names() {
		s, err := Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, seed := range []uint64{1, 7} {
			full, err := Run(s, Options{Seed: seed, SeedSet: true})
			if err != nil {
				t.Fatal(err)
			}
			some, err := Run(s, Options{Seed: seed, SeedSet: true, OnlyNotable: true})
			if err != nil {
				t.Fatal(err)
			}
			var want []MessageOutcome
			for _, m := range full.Outcome.Messages() {
				if m.Outcome == Lost || m.Outcome == Duplicated || len(m.Flags) > 0 {
					want = append(want, m)
				}
			}
			f, o := full.Outcome, some.Outcome
			if !reflect.DeepEqual(o.Messages(), want) && !(len(want) == 0 && len(o.Messages()) == 0) {
				t.Fatalf("%s seed %d: %d messages kept, want the %d notable of %d", name, seed, len(o.Messages()), len(want), len(f.Messages()))
			}
			if o.Counts != f.Counts || !reflect.DeepEqual(o.Lost, f.Lost) || !reflect.DeepEqual(o.Duplicated, f.Duplicated) || !reflect.DeepEqual(o.Findings, f.Findings) {
				t.Fatalf("%s seed %d: counts, lists or findings differ", name, seed)
			}
			var a, b bytes.Buffer
			if err := full.WriteText(&a); err != nil {
				t.Fatal(err)
			}
			if err := some.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Fatalf("%s seed %d: text %s", name, seed, firstDiff(b.Bytes(), a.Bytes()))
			}
		}
	}
}
