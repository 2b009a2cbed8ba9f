package sim

import (
	"errors"
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/client"
)

func TestSubscribePollCommit(t *testing.T) {
	cl := newTestCluster(t, "t", 1)
	produceN(t, cl, "t", 0, 0, 3)
	c := mustConsumer(t, cl, client.ConfigMap{"group.id": "g", "auto.offset.reset": "earliest", "enable.auto.commit": false})
	if err := c.Subscribe("t", nil); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		m := pollMsg(t, c, 10*time.Second)
		if m == nil || m.TopicPartition.Offset != client.Offset(i) || string(m.Value) != "m"+string(rune('0'+i)) {
			t.Fatalf("message %d = %v", i, m)
		}
		if _, err := c.CommitMessage(m); err != nil {
			t.Fatal(err)
		}
	}
	if got := committed(t, c, "t", 0); got != 3 {
		t.Fatalf("committed %v, want 3", got)
	}
	if _, err := c.Commit(); !errors.Is(err, client.ErrNoOffset) {
		t.Fatalf("Commit with nothing stored: %v, want _NO_OFFSET", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}
