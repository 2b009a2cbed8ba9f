package check

import (
	"testing"

	"github.com/kafkasim/kafkasim/scenarios"
)

// ReplayEvents is Replay for the package's tests: the whole timeline of
// the run, whatever its verdict.
func ReplayEvents(t *testing.T, file string, cfg Config) []scenarios.Event {
	cfg = cfg.withDefaults()
	cfg.tt = t
	sc, err := scenarios.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Topic = sc.Topics[0].Name
	res := execute(sc, &cfg, cfg.App != nil)
	if res.err != nil {
		t.Fatal(res.err)
	}
	return res.events
}
