package scenarios

import (
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/client"
)

// A consumer waiting without a timeout inside a simulated run waits until
// the end of the scenario, not beyond.
func TestSimRunHorizonIsTheScenarioEnd(t *testing.T) {
	s := &Scenario{Name: "h", Duration: 90 * time.Second, Topics: []Topic{{Name: "t", Partitions: 1}}}
	b, err := NewSimBackend(s, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	start := b.Loop().Now()
	if err := b.CreateTopic(s.Topics[0]); err != nil {
		t.Fatal(err)
	}
	c, err := b.NewConsumer(client.ConfigMap{"group.id": "g"})
	if err != nil {
		t.Fatal(err)
	}
	_ = c.Subscribe("t", nil)
	if _, err := c.ReadMessage(-1); client.ErrorFrom(err).Code() != client.ErrTimedOut {
		t.Fatalf("ReadMessage(-1) on an empty topic: %v", err)
	}
	if d := b.Loop().Now().Sub(start); d != s.Duration {
		t.Fatalf("the wait ended at %v, want the scenario's end (%v)", d, s.Duration)
	}
}
