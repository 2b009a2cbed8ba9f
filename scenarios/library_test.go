package scenarios_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kafkasim/kafkasim/scenarios"
)

// TestLibrary runs every built-in scenario and checks its expect block: the
// library is also a test suite.
func TestLibrary(t *testing.T) {
	names := scenarios.Names()
	if len(names) == 0 {
		t.Fatal("no built-in scenarios")
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			s, err := scenarios.Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			if s.Name != name {
				t.Errorf("file %s.yaml has name %q", name, s.Name)
			}
			if s.Summary == "" || s.Expect == nil {
				t.Errorf("a built-in needs a summary and an expect block")
			}
			narrated := false
			for _, a := range s.Script {
				narrated = narrated || a.Say != ""
			}
			if !narrated {
				t.Errorf("a built-in needs narration")
			}
			r, err := scenarios.Run(s, scenarios.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range s.Check(r) {
				t.Error(f)
			}
			if t.Failed() {
				var b strings.Builder
				_ = r.WriteText(&b)
				t.Log("\n" + b.String())
			}
		})
	}
}

// TestLibraryDeterministic runs every built-in twice with the same seed
// and compares the JSON byte for byte.
func TestLibraryDeterministic(t *testing.T) {
	for _, name := range scenarios.Names() {
		t.Run(name, func(t *testing.T) {
			s, err := scenarios.Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			var out [2][]byte
			for i := range out {
				r, err := scenarios.Run(s, scenarios.Options{Seed: 42, SeedSet: true})
				if err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				if err := json.NewEncoder(&buf).Encode(r); err != nil {
					t.Fatal(err)
				}
				out[i] = buf.Bytes()
			}
			if !bytes.Equal(out[0], out[1]) {
				t.Fatalf("two runs with seed 42 differ (%d vs %d bytes)", len(out[0]), len(out[1]))
			}
		})
	}
}

func TestAutoCommitLossNamesTheAutoCommit(t *testing.T) {
	r := run(t, "auto-commit-loss")
	found := false
	for _, m := range r.Outcome.Messages() {
		if m.Outcome == scenarios.Lost && strings.Contains(m.Cause, "auto-commit") {
			found = true
		}
	}
	if !found {
		t.Fatalf("no LOST message whose cause names the auto-commit: %+v", r.Outcome.Lost)
	}
}

func TestManualCommitDuplicatesWithoutLoss(t *testing.T) {
	r := run(t, "manual-commit-duplicates")
	if r.Outcome.Counts.Duplicated == 0 || r.Outcome.Counts.Lost != 0 {
		t.Fatalf("counts %+v, want some DUPLICATED and no LOST", r.Outcome.Counts)
	}
}

func run(t *testing.T, name string) *scenarios.Result {
	t.Helper()
	s, err := scenarios.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	return runScenario(t, s)
}

// runYAML parses a scenario file's text and runs it.
func runYAML(t *testing.T, file, text string) *scenarios.Result {
	t.Helper()
	s, err := scenarios.Parse(file, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return runScenario(t, s)
}

func runScenario(t *testing.T, s *scenarios.Scenario) *scenarios.Result {
	t.Helper()
	r, err := scenarios.Run(s, scenarios.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}
