package group_test

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/group"
	"github.com/kafkasim/kafkasim/internal/clock"
)

// Two members of a consumer group (group.protocol=consumer) drive the
// coordinator with heartbeats alone. When b joins, a must first confirm
// that it revoked orders[1] before b is given it.
func ExampleCoordinator_ConsumerHeartbeat() {
	sim := clock.NewSim(1)
	br := broker.New(sim, broker.Config{})
	_ = br.CreateTopic("orders", 2, broker.TopicConfig{})
	c := group.NewCoordinator(sim, br, group.Config{}, rand.New(rand.NewPCG(1, 2)))
	show := func(who string, r group.ConsumerHeartbeatResponse) {
		fmt.Printf("%s: epoch %d", who, r.MemberEpoch)
		if r.HasAssignment {
			fmt.Printf(", assignment %v", r.Assignment)
		}
		fmt.Printf(" (group %s, next heartbeat in %v)\n", c.State("g"), r.HeartbeatInterval)
	}
	join := func(id string) group.ConsumerHeartbeatResponse {
		return c.ConsumerHeartbeat(group.ConsumerHeartbeatRequest{Group: "g", MemberID: id, MemberEpoch: group.JoinEpoch,
			RebalanceTimeout: 5 * time.Minute, SubscribedTopics: []string{"orders"}, Owned: []broker.TopicPartition{}})
	}
	a := join("a")
	show("a joins", a)
	bResp := join("b")
	show("b joins", bResp)
	// a heartbeats, still owning both partitions: it is asked to revoke.
	a = c.ConsumerHeartbeat(group.ConsumerHeartbeatRequest{Group: "g", MemberID: "a", MemberEpoch: a.MemberEpoch, Owned: []broker.TopicPartition{{Topic: "orders", Partition: 0}, {Topic: "orders", Partition: 1}}})
	show("a", a)
	bResp = c.ConsumerHeartbeat(group.ConsumerHeartbeatRequest{Group: "g", MemberID: "b", MemberEpoch: bResp.MemberEpoch})
	show("b", bResp)
	// a reports that it revoked orders[1]; then b gets it.
	a = c.ConsumerHeartbeat(group.ConsumerHeartbeatRequest{Group: "g", MemberID: "a", MemberEpoch: a.MemberEpoch, Owned: a.Assignment})
	show("a", a)
	bResp = c.ConsumerHeartbeat(group.ConsumerHeartbeatRequest{Group: "g", MemberID: "b", MemberEpoch: bResp.MemberEpoch})
	show("b", bResp)
	err := c.CommitOffsets(group.CommitRequest{Group: "g", MemberID: "a", Generation: 1,
		Offsets: []group.OffsetCommit{{TopicPartition: broker.TopicPartition{Topic: "orders"}, Offset: 10}}})
	fmt.Println("a commits with epoch 1:", err)
	// Output:
	// a joins: epoch 1, assignment [orders[0] orders[1]] (group Stable, next heartbeat in 5s)
	// b joins: epoch 2, assignment [] (group Reconciling, next heartbeat in 5s)
	// a: epoch 1, assignment [orders[0]] (group Reconciling, next heartbeat in 5s)
	// b: epoch 2 (group Reconciling, next heartbeat in 5s)
	// a: epoch 2 (group Reconciling, next heartbeat in 5s)
	// b: epoch 2, assignment [orders[1]] (group Stable, next heartbeat in 5s)
	// a commits with epoch 1: group "g": commit: member epoch 1, the member is at 2: STALE_MEMBER_EPOCH: Broker: The member epoch is stale
}
