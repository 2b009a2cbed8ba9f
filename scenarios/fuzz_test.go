package scenarios

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/goccy/go-yaml/parser"
)

// FuzzLoad checks that the loader never panics, that every rejection is
// a positioned LoadErrors, and that the input limits' scanner never counts
// less nesting than the parser then builds (so no deep file slips past
// it). The seed corpus is in testdata/fuzz/FuzzLoad plus the built-in
// library.
func FuzzLoad(f *testing.F) {
	for _, n := range Names() {
		data, err := libraryFS.ReadFile("library/" + n + ".yaml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err != nil {
			checkLoadErrors(t, err)
		} else if s == nil {
			t.Fatal("nil scenario without error")
		}
		clean, lerr := preflight("fuzz.yaml", data)
		if lerr != nil {
			return
		}
		if f, perr := parser.ParseBytes(clean, 0); perr == nil {
			sc := limitScanner{data: clean}
			_ = sc.scan()
			for _, d := range f.Docs {
				if got := astDepth(d); got > sc.deepest {
					t.Fatalf("the parser nests %d deep, the scanner counted %d", got, sc.deepest)
				}
			}
		}
	})
}

// checkLoadErrors fails t unless err is a non-empty, positioned
// LoadErrors, and not an internal error (a panic while parsing).
func checkLoadErrors(t *testing.T, err error) {
	t.Helper()
	if errors.Is(err, ErrInternal) {
		t.Fatalf("internal error: %v", err)
	}
	var le LoadErrors
	if !errors.As(err, &le) || len(le) == 0 || !errors.Is(err, ErrInvalid) {
		t.Fatalf("error is not a positioned LoadErrors: %T %v", err, err)
	}
	for _, e := range le {
		if e.Pos.Line < 1 || e.Pos.Col < 1 {
			t.Fatalf("error without a position: %v", e)
		}
	}
}

// fuzzBudget keeps each run of FuzzLoadAndRun to milliseconds.
var fuzzBudget = Budget{Messages: 2000, Bytes: 1 << 20, Partitions: 200, Events: 50_000, Steps: 300_000}

// fuzzWatchdog is how long one input may take, loading and running it
// twice, before the fuzzer is told it hangs. The budget keeps a run far
// below it; a run that does not end is a bug the budget missed.
const fuzzWatchdog = 20 * time.Second

// FuzzLoadAndRun loads each input and runs what loads, twice, on a small
// budget: no panic, no run that does not end (a watchdog panics after
// fuzzWatchdog, so a hang is a crash the fuzzer saves), no stack overflow,
// no error but a budget's, and the same bytes from both runs. A scenario
// over the budget is refused or stopped (a BudgetError), never left to
// run long. The seeds are the built-in library and a few scenarios that
// stalled, recursed or blew up before the limits.
//
//	go test -run '^$' -fuzz FuzzLoadAndRun -fuzztime 2m ./scenarios/
func FuzzLoadAndRun(f *testing.F) {
	for _, n := range Names() {
		data, err := libraryFS.ReadFile("library/" + n + ".yaml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	head := "duration: 20s\ntopics: [{name: t, partitions: 2}]\nproducers: [{topic: t, count: 5}]\n"
	for _, c := range []string{
		"consumers: [{id: c1, group: g, topics: [t], poll_idle: 0s}]",
		"consumers: [{id: c1, group: g, topics: [t], poll_idle: 1ms}]",
		"consumers: [{id: c1, group: g, topics: [t], config: {auto.offset.reset: earliest}, processing: {time: 0s, fail_probability: 1, on_failure: retry}}]",
		"consumers: [{id: c1, group: g, topics: [t], config: {auto.offset.reset: earliest}, processing: {time: 0s, fail_probability: 0.99, on_failure: retry, commit: before-process}}]",
		"consumers: [{id: c1, group: g, topics: [t], config: {auto.offset.reset: earliest, heartbeat.interval.ms: 1, session.timeout.ms: 1, max.poll.interval.ms: 1}}]",
		"cluster: {offsets_retention_check: 1ms, offsets_retention: 1ms}\nconsumers: [{id: c1, group: g, topics: [t]}]",
		"consumers: [{id: c1, group: g, topics: [t], config: {auto.offset.reset: earliest, auto.commit.interval.ms: 1}, processing: {time: 1ms..2ms, commit: every-2, async: true}}]\nscript: [{at: 1s, do: broker-down}, {at: 2s, do: restart, consumer: c1}, {at: 3s, do: broker-up}]",
		"consumers: [{id: c1, group: g, topics: [t]}]\nscript: [{at: 0s, do: produce, topic: t, count: 1000000, interval: 1ns}]",
	} {
		f.Add([]byte(head + c + "\n"))
	}
	f.Add([]byte("a: " + string(bytes.Repeat([]byte("["), 200)) + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-done:
			case <-time.After(fuzzWatchdog):
				panic(fmt.Sprintf("FuzzLoadAndRun: no answer after %v for input %q", fuzzWatchdog, data))
			}
		}()
		s, err := Parse("fuzz.yaml", data)
		if err != nil {
			checkLoadErrors(t, err)
			return
		}
		first, err := fuzzRun(s)
		if err != nil {
			if !errors.Is(err, ErrBudget) {
				t.Fatalf("run failed: %v", err)
			}
			return
		}
		again, err := fuzzRun(s)
		if err != nil {
			t.Fatalf("the second run failed: %v", err)
		}
		if !bytes.Equal(first, again) {
			t.Fatal("two runs of the same scenario and seed differ")
		}
	})
}

// fuzzRun runs s on the fuzz budget and returns its JSON and text.
func fuzzRun(s *Scenario) ([]byte, error) {
	r, err := Run(s, Options{Budget: fuzzBudget})
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(r); err != nil {
		return nil, fmt.Errorf("json: %w", err)
	}
	if err := r.WriteText(&b); err != nil {
		return nil, fmt.Errorf("text: %w", err)
	}
	_ = s.Check(r)
	return b.Bytes(), nil
}

// FuzzRunKnobs runs one scenario shape with every timing and failure knob
// drawn from the fuzzer: poll_idle, processing time, failure chance and
// reaction, commit strategy and delay, producer count and interval,
// partitions, session, heartbeat, max.poll and auto-commit intervals,
// crash and broker-down times. Byte-level mutation of YAML (FuzzLoadAndRun)
// rarely gets past the parser; this target spends its time in runs, where
// stalls and runaway loops live. Each valid draw must load, end (the
// watchdog, the budget) and give the same bytes twice.
//
//	go test -run '^$' -fuzz FuzzRunKnobs -fuzztime 2m ./scenarios/
func FuzzRunKnobs(f *testing.F) {
	f.Add(uint16(100), uint16(0), uint8(0), uint8(0), uint8(0), uint16(0), uint16(20), uint16(0), uint8(1), uint16(45000), uint16(3000), uint32(300000), uint16(5000), uint16(6000), uint16(0), uint8(0))
	f.Add(uint16(1), uint16(0), uint8(250), uint8(1), uint8(1), uint16(1), uint16(500), uint16(1), uint8(3), uint16(1), uint16(1), uint32(1), uint16(1), uint16(1), uint16(2000), uint8(7))
	f.Fuzz(func(t *testing.T, pollIdle, procMs uint16, failP, onFail, commit uint8, commitDelay, count, intervalMs uint16,
		parts uint8, sessionMs, hbMs uint16, maxPollMs uint32, acMs, crashMs, downMs uint16, flags uint8) {
		onFailure := []string{FailSkip, FailRetry, FailCrash}[int(onFail)%3]
		strategy := []string{StrategyAuto, StrategyAfterEach, "every-3", StrategyBeforeProcess, StrategyStoreAfter, StrategyNone}[int(commit)%6]
		cfg := fmt.Sprintf("auto.offset.reset: earliest, session.timeout.ms: %d, heartbeat.interval.ms: %d, max.poll.interval.ms: %d, auto.commit.interval.ms: %d",
			max(int(sessionMs), 1), max(int(hbMs), 1), max(int(maxPollMs%3_600_000), int(sessionMs), 1), int(acMs))
		switch strategy {
		case StrategyNone, StrategyAfterEach, "every-3", StrategyBeforeProcess:
			cfg += ", enable.auto.commit: false"
		case StrategyStoreAfter:
			cfg += ", enable.auto.offset.store: false"
		}
		if flags&1 != 0 {
			cfg += ", partition.assignment.strategy: cooperative-sticky"
		}
		// The script's steps in time order, all before the end (30s).
		crash := int(crashMs) % 20000
		down := crash + int(downMs)%5000
		up := down + int(flags)*10
		src := fmt.Sprintf(`duration: 30s
topics: [{name: t, partitions: %d}]
producers: [{topic: t, count: %d, interval: %dms}]
consumers:
  - {id: c1, group: g, topics: [t], poll_idle: %dms, config: {%s}, processing: {time: %dms, fail_probability: %g, on_failure: %s, commit: %s, commit_delay: %dms, async: %t, idempotent: %t}}
  - {id: c2, group: g, topics: [t], poll_idle: %dms, config: {%s}, processing: {time: %dms, commit: %s}}
script:
  - {at: %dms, do: crash, consumer: c1}
  - {at: %dms, do: broker-down}
  - {at: %dms, do: broker-up}
  - {at: %dms, do: restart, consumer: c1}
`, max(int(parts)%8, 1), int(count)%3000, int(intervalMs)%200, pollIdle, cfg, int(procMs)%5000, float64(failP)/255, onFailure, strategy, int(commitDelay)%2000,
			flags&2 != 0, flags&4 != 0, pollIdle, cfg, int(procMs)%5000, strategy,
			crash, down, up, up+1000)
		s, err := Parse("knobs.yaml", []byte(src))
		if err != nil {
			checkLoadErrors(t, err)
			return // a knob out of range: refused, with a position
		}
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-done:
			case <-time.After(fuzzWatchdog):
				panic(fmt.Sprintf("FuzzRunKnobs: no answer after %v for\n%s", fuzzWatchdog, src))
			}
		}()
		first, err := fuzzRun(s)
		if err != nil {
			if !errors.Is(err, ErrBudget) {
				t.Fatalf("run failed: %v\n%s", err, src)
			}
			return
		}
		again, err := fuzzRun(s)
		if err != nil || !bytes.Equal(first, again) {
			t.Fatalf("a second run differs (%v)\n%s", err, src)
		}
	})
}

// FuzzReadJSONL checks that ReadJSONL never panics nor makes room for
// more than its input holds, and that what it accepts it writes back as
// JSON Lines that read back to the same (a result read from a stream is
// a result like any other). Seeds: a built-in run's stream and short
// hand-written ones.
func FuzzReadJSONL(f *testing.F) {
	r := builtinRun(f, "manual-commit-duplicates")
	var buf bytes.Buffer
	if err := r.WriteJSONL(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"type":"run","events":1,"messages":0,"groups":0}` + "\n" + `{"type":"event","seq":0,"kind":"start"}` + "\n" + `{"type":"outcome","counts":{}}` + "\n"))
	f.Add([]byte(`{"type":"run","events":99999999999}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ReadJSONL(bytes.NewReader(data))
		if err != nil {
			return
		}
		var once, twice bytes.Buffer
		if err := got.WriteJSONL(&once); err != nil {
			t.Fatal(err)
		}
		back, err := ReadJSONL(bytes.NewReader(once.Bytes()))
		if err != nil {
			t.Fatalf("reading back what it wrote: %v\n%s", err, once.Bytes())
		}
		if err := back.WriteJSONL(&twice); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(once.Bytes(), twice.Bytes()) {
			t.Fatalf("written, read and written again differs:\n%s\n%s", once.Bytes(), twice.Bytes())
		}
	})
}
