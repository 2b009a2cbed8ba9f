package check_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/scenarios/check"
)

// lastKeyDedupe is an idempotent Handler with a planted bug: its store
// remembers only the last key it applied, so a repeat of any other
// message has its effect again.
func lastKeyDedupe() check.Config {
	var mu sync.Mutex
	last := ""
	return check.Config{
		Guarantee: check.EffectivelyOnce,
		Handler: check.Handler{Strategy: check.CommitAfterEach, Process: func(_ context.Context, m *client.Message) error {
			mu.Lock()
			defer mu.Unlock()
			if k := string(m.Key); k != last {
				last = k
				return nil
			}
			return check.ErrSkipped
		}},
		Setup: func() { mu.Lock(); last = ""; mu.Unlock() },
	}
}

// TestPlantedDedupeCaught: the check finds the planted dedupe bug with its
// default number of cases (asked for explicitly: -short divides the
// default).
func TestPlantedDedupeCaught(t *testing.T) {
	cfg := lastKeyDedupe()
	cfg.Dir = t.TempDir()
	cfg.Cases = check.DefaultCases
	f := check.Search(t, cfg)
	if f == nil {
		t.Fatal("the planted dedupe bug (only the last key remembered) was not found")
	}
	if !strings.Contains(f.Problems[0], "DUPLICATED") {
		t.Fatalf("found something else first:\n%s", f)
	}
}

// TestDedupeDetectionRate measures how often a search with the default
// number of cases finds the planted dedupe bug: KAFKASIM_MEASURE=20 runs
// 20 searches (docs/testing.md has the result). KAFKASIM_CHECKS sets the
// cases of each.
func TestDedupeDetectionRate(t *testing.T) {
	runs, _ := strconv.Atoi(os.Getenv("KAFKASIM_MEASURE"))
	if runs <= 0 {
		t.Skip("a measurement: set KAFKASIM_MEASURE to the number of searches")
	}
	found := 0
	for range runs {
		cfg := lastKeyDedupe()
		cfg.Dir = t.TempDir()
		if f := check.Search(t, cfg); f != nil && strings.Contains(f.Problems[0], "DUPLICATED") {
			found++
		}
	}
	t.Logf("the planted dedupe bug was found in %d of %d searches", found, runs)
}
