package check

import (
	"flag"
	"testing"
)

// TestSeededSearchRunsOneRound: with -rapid.seed every rapid.Check of a
// search would draw the same cases, so a seeded search runs one round
// (rapidChecks cases) instead of repeating it up to Config.Cases; without
// a seed it runs them all.
func TestSeededSearchRunsOneRound(t *testing.T) {
	f := flag.Lookup("rapid.seed")
	if f == nil {
		t.Fatal("rapid registers no -rapid.seed flag")
	}
	was := f.Value.String()
	t.Cleanup(func() { _ = f.Value.Set(was) })
	per := rapidChecks()
	run := func(seed string) int {
		if err := f.Value.Set(seed); err != nil {
			t.Fatal(err)
		}
		cfg := Config{Guarantee: AtLeastOnce, Handler: Handler{Strategy: CommitAfterEach}, Cases: 3 * per, Dir: t.TempDir(), Name: t.Name()}.withDefaults()
		cfg.stats = &searchStats{}
		if fail := search(&cfg, nil); fail != nil {
			t.Fatalf("a correct handler failed:\n%s", fail)
		}
		return cfg.stats.cases
	}
	if got := run("7"); got != per {
		t.Fatalf("a seeded search ran %d cases, want one round of %d", got, per)
	}
	if got := run("0"); got != 3*per {
		t.Fatalf("an unseeded search ran %d cases, want %d", got, 3*per)
	}
}
