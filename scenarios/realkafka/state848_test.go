package realkafka

import (
	"errors"
	"strings"
	"testing"

	"github.com/kafkasim/kafkasim/group"
	"github.com/kafkasim/kafkasim/scenarios"
)

// The states kafka-consumer-groups.sh prints, classic and KIP-848, map to
// the coordinator's; an unknown name is Dead.
func TestStateOf(t *testing.T) {
	for _, s := range []group.State{group.Empty, group.PreparingRebalance, group.CompletingRebalance, group.Stable, group.Dead, group.Assigning, group.Reconciling} {
		if got := stateOf(s.String()); got != s {
			t.Errorf("stateOf(%q) = %s", s.String(), got)
		}
	}
	if got := stateOf("Weird"); got != group.Dead {
		t.Errorf("stateOf(Weird) = %s", got)
	}
}

// The librdkafka backend runs the classic protocol only: a scenario with
// a group.protocol=consumer consumer cannot run on it, and says why; on
// franz-go it can.
func TestCheckConfigConsumerProtocol(t *testing.T) {
	s, err := scenarios.Parse("p.yaml", []byte(`name: p
duration: 10s
topics: [{name: t, partitions: 1}]
consumers:
  - {id: a, group: g, topics: [t], config: {group.protocol: consumer}}
`))
	if err != nil {
		t.Fatal(err)
	}
	err = CheckConfig(s, Config{Library: Librdkafka})
	if !errors.Is(err, ErrNotPossible) || !strings.Contains(err.Error(), "group.protocol=consumer") {
		t.Errorf("librdkafka: %v", err)
	}
	if err := CheckConfig(s, Config{Library: FranzGo}); err != nil {
		t.Errorf("franz-go: %v", err)
	}
}
