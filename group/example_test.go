package group_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/group"
	"github.com/kafkasim/kafkasim/internal/clock"
	"github.com/kafkasim/kafkasim/internal/kerr"
)

// A consumer joins, is told to come back with a member id, becomes the
// leader after the initial rebalance delay, assigns with range, syncs, and
// then crashes: the coordinator notices at exactly last heartbeat + 45 s.
func ExampleCoordinator() {
	sim := clock.NewSim(1)
	b := broker.New(sim, broker.Config{})
	_ = b.CreateTopic("orders", 3, broker.TopicConfig{})
	c := group.NewCoordinator(sim, b, group.Config{}, rand.New(rand.NewPCG(1, 2)))
	c.OnTransition(func(t group.Transition) {
		switch t.Kind {
		case group.StateChanged:
			fmt.Printf("t=%v %s → %s (generation %d)\n", sim.Elapsed(), t.From, t.To, t.Generation)
		case group.SessionExpired:
			fmt.Printf("t=%v session expired\n", sim.Elapsed())
		}
	})

	var join func(id string)
	join = func(id string) {
		c.Join(group.JoinRequest{
			Group: "shop", MemberID: id, ClientID: "rdkafka", ClientHost: "/10.0.0.1",
			SessionTimeout: 45 * time.Second, RebalanceTimeout: 5 * time.Minute,
			Protocols: []group.Protocol{{Name: "range", Subscription: group.Subscription{Topics: []string{"orders"}}}},
		}, func(r group.JoinResponse) {
			if errors.Is(r.Err, kerr.MemberIDRequired) {
				join(r.MemberID) // KIP-394: join again with the id we were given
				return
			}
			// The leader runs the assignor; everyone syncs.
			as, _ := group.LeaderAssign(b, r.Protocol, r.Members)
			c.Sync(group.SyncRequest{Group: "shop", MemberID: r.MemberID, Generation: r.Generation, Protocol: r.Protocol, Assignments: as},
				func(s group.SyncResponse) {
					fmt.Printf("t=%v assigned %v\n", sim.Elapsed(), s.Assignment)
					err := c.CommitOffsets(group.CommitRequest{Group: "shop", MemberID: r.MemberID, Generation: r.Generation,
						Offsets: []group.OffsetCommit{{TopicPartition: broker.TopicPartition{Topic: "orders", Partition: 1}, Offset: 2}}})
					fmt.Println("commit:", err)
				})
		})
	}
	_, _ = b.Produce("orders", 1, []broker.Record{{Value: []byte("a")}, {Value: []byte("b")}, {Value: []byte("c")}})
	join("")
	sim.RunFor(10 * time.Second) // the member then crashes: no more heartbeats
	fmt.Print(c.Describe("shop").StateTable())
	sim.RunFor(time.Minute)
	fmt.Print(c.Describe("shop").Table())
	// Output:
	// t=0s Empty → PreparingRebalance (generation 0)
	// t=3s PreparingRebalance → CompletingRebalance (generation 1)
	// t=3s CompletingRebalance → Stable (generation 1)
	// t=3s assigned [orders[0] orders[1] orders[2]]
	// commit: <nil>
	//
	// GROUP                     COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE           #MEMBERS
	// shop                      kafkasim:9092  (0)        range                Stable          1
	// t=48s session expired
	// t=48s Stable → PreparingRebalance (generation 1)
	// t=48s PreparingRebalance → Empty (generation 2)
	//
	// Consumer group 'shop' has no active members.
	//
	// GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID
	// shop            orders          1          2               3               1               -               -               -
}
