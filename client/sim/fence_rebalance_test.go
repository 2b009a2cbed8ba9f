package sim

import (
	"strings"
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/group"
	"github.com/kafkasim/kafkasim/internal/kerr"
	"github.com/kafkasim/kafkasim/internal/testhook"
)

// A cooperative-sticky member commits with its old generation while its
// JoinGroup is in flight (the coordinator answers JoinGroup after 200ms,
// the new generation has formed): ILLEGAL_GENERATION. librdkafka ignores
// that error while it rebalances (rd_kafka_cgrp_revoke_all_rejoin_maybe,
// rdkafka_cgrp.c; RD_KAFKA_CGRP_REBALANCING holds in WAIT_JOIN with a
// member id): the member keeps its partitions and only the moving ones
// are revoked, never as lost. The simulator used to lose the whole
// assignment and then apply the new generation's assignment after the
// lost revoke, so the member owned partitions its next JoinGroup did not
// claim.
func TestCommitIllegalGenerationWhileJoiningKeepsAssignment(t *testing.T) {
	cl := NewCluster(Config{Seed: 1, Group: group.Config{InitialRebalanceDelay: -1,
		Hooks: &testhook.Group{Latency: 200 * time.Millisecond}}})
	if err := cl.CreateTopic("t", 2); err != nil {
		t.Fatal(err)
	}
	produceN(t, cl, "t", 0, 0, 5)
	produceN(t, cl, "t", 1, 0, 5)
	var log []string
	conf := client.ConfigMap{"group.id": "g", "partition.assignment.strategy": "cooperative-sticky",
		"enable.auto.commit": false, "auto.offset.reset": "earliest"}
	a := mustConsumer(t, cl, conf.Clone())
	_ = a.Subscribe("t", cbLog("a", &log))
	drive(cl, 5*time.Second, a)
	if as, _ := a.Assignment(); len(as) != 2 {
		t.Fatalf("a owns %v, want both partitions", as)
	}
	b := mustConsumer(t, cl, conf.Clone())
	_ = b.Subscribe("t", cbLog("b", &log))
	// b's JoinGroup starts a rebalance; a hears of it on a heartbeat and
	// sends its JoinGroup, which completes the join at once (its answer
	// takes 200ms).
	deadline := cl.Now().Add(10 * time.Second)
	joining := func() bool {
		return a.state == stJoining && cl.coord.Generation("g") > a.generation
	}
	for !joining() && cl.Now().Before(deadline) {
		b.Poll(10)
		a.Poll(10)
	}
	if !joining() || a.memberID == "" {
		t.Fatalf("a is not joining a formed generation (state %d, generation %d, group's %d)", a.state, a.generation, cl.coord.Generation("g"))
	}
	_, err := a.CommitOffsets([]client.TopicPartition{{Topic: "t", Partition: 0, Offset: 1}})
	if kerr.CodeOf(err) != kerr.IllegalGeneration {
		t.Fatalf("commit while joining: %v, want ILLEGAL_GENERATION", err)
	}
	drive(cl, 20*time.Second, a, b)
	got := strings.Join(log, "\n")
	if strings.Contains(got, "lost=true") {
		t.Fatalf("a lost its assignment on a commit refused during the rebalance:\n%s", got)
	}
	want := `a assign [t[0] t[1]]
a revoke [t[0]] lost=false
a assign []
b assign []
a assign []
b assign [t[0]]`
	if got != want {
		t.Fatalf("callbacks:\n%s\nwant:\n%s", got, want)
	}
}
