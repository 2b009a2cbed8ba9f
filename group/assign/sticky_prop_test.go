package assign

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/kafkasim/kafkasim/broker"
	"pgregory.net/rapid"
)

// propertyChecks is how many random groups each rapid property of this
// package draws when neither -rapid.checks nor RAPID_CHECKS says otherwise
// (-short divides it by five). The package has four properties over
// random groups, so a plain `go test` draws 10,000 groups.
const propertyChecks = 2500

func TestMain(m *testing.M) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "rapid.checks" })
	if !given && os.Getenv("RAPID_CHECKS") == "" {
		if err := flag.Set("rapid.checks", strconv.Itoa(propertyChecks)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	os.Exit(m.Run())
}

// randomGroup draws topics and members in a random JoinGroup order, with
// random subscriptions (sometimes to a topic that does not exist) and
// random, possibly conflicting ownership claims in random generations.
func randomGroup(t *rapid.T) ([]Member, map[string]int32) {
	topics := map[string]int32{}
	names := []string{"t0", "t1", "t2", "t3"}[:rapid.IntRange(1, 4).Draw(t, "topics")]
	for _, n := range names {
		topics[n] = rapid.Int32Range(0, 9).Draw(t, "partitions")
	}
	all := allTopicPartitions(topics)
	ids := rapid.SliceOfNDistinct(rapid.StringMatching(`[a-f][0-9]?`), 1, 7, rapid.ID[string]).Draw(t, "ids")
	members := make([]Member, len(ids))
	for i, id := range ids {
		subs := rapid.SliceOfNDistinct(rapid.SampledFrom(append(names, "gone")), 1, 5, rapid.ID[string]).Draw(t, "subscription")
		members[i] = Member{ID: id, Topics: subs, Generation: rapid.SampledFrom([]int32{-1, 1, 2, 3}).Draw(t, "generation")}
		if len(all) > 0 {
			members[i].Owned = rapid.SliceOfDistinct(rapid.SampledFrom(all), rapid.ID[broker.TopicPartition]).Draw(t, "owned")
		}
	}
	return members, topics
}

func allTopicPartitions(topics map[string]int32) []broker.TopicPartition {
	var all []broker.TopicPartition
	for _, name := range sortedKeys(topics) {
		for q := range topics[name] {
			all = append(all, broker.TopicPartition{Topic: name, Partition: q})
		}
	}
	return all
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// assignable lists the partitions some member subscribes to.
func assignable(members []Member, topics map[string]int32) []broker.TopicPartition {
	var out []broker.TopicPartition
	for _, tp := range allTopicPartitions(topics) {
		if slices.ContainsFunc(members, func(m Member) bool { return slices.Contains(m.Topics, tp.Topic) }) {
			out = append(out, tp)
		}
	}
	return out
}

// checkValid fails unless every assignable partition goes to exactly one
// member subscribed to its topic, nothing else is handed out, and every
// member appears in the result.
func checkValid(t *rapid.T, members []Member, topics map[string]int32, got map[string][]broker.TopicPartition) {
	owner := map[broker.TopicPartition]string{}
	for _, m := range members {
		tps, ok := got[m.ID]
		if !ok {
			t.Fatalf("%s missing from the result", m.ID)
		}
		for _, tp := range tps {
			if !slices.Contains(m.Topics, tp.Topic) {
				t.Fatalf("%v given to %s, which does not subscribe to it", tp, m.ID)
			}
			if o, dup := owner[tp]; dup {
				t.Fatalf("%v given to %s and %s", tp, o, m.ID)
			}
			owner[tp] = m.ID
		}
	}
	if len(got) != len(members) {
		t.Fatalf("result has %d members, group %d", len(got), len(members))
	}
	for _, tp := range assignable(members, topics) {
		if _, ok := owner[tp]; !ok {
			t.Fatalf("%v is given to nobody", tp)
		}
	}
	if len(owner) != len(assignable(members, topics)) {
		t.Fatalf("%d partitions handed out, %d assignable", len(owner), len(assignable(members, topics)))
	}
}

// singleMoveGap returns a description of a partition that could move from
// its owner to another subscribed member holding at least two fewer, or ""
// when there is none: librdkafka's sticky algorithm moves one partition at
// a time and stops only when no such move is left.
func singleMoveGap(members []Member, got map[string][]broker.TopicPartition) string {
	for _, from := range members {
		for _, tp := range got[from.ID] {
			for _, to := range members {
				if slices.Contains(to.Topics, tp.Topic) && len(got[to.ID])+1 < len(got[from.ID]) {
					return fmt.Sprintf("%v could move from %s (%d) to %s (%d)", tp, from.ID, len(got[from.ID]), to.ID, len(got[to.ID]))
				}
			}
		}
	}
	return ""
}

// owning returns members owning got in one generation.
func owning(members []Member, got map[string][]broker.TopicPartition, generation int32) []Member {
	out := slices.Clone(members)
	for i := range out {
		out[i].Owned, out[i].Generation = got[out[i].ID], generation
	}
	return out
}

// TestStickyProperties: for any group, the target is valid, leaves no
// single move that narrows a gap of two or more, and is stable (owning it
// and rebalancing changes nothing and withholds nothing); the cooperative
// hand-out withholds exactly the target's partitions another member claims.
func TestStickyProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		members, topics := randomGroup(t)
		target := StickyTarget(members, topics)
		checkValid(t, members, topics, target)
		if gap := singleMoveGap(members, target); gap != "" {
			t.Fatalf("not balanced as librdkafka balances: %s\n%s", gap, fmtAssign(target))
		}
		checkWithheld(t, members, target, CooperativeSticky().Assign(members, topics))

		settled := owning(members, target, 4)
		if again := CooperativeSticky().Assign(settled, topics); fmtAssign(again) != fmtAssign(target) {
			t.Fatalf("not stable on its own result:\nfirst  %s\nsecond %s", fmtAssign(target), fmtAssign(again))
		}
	})
}

// checkWithheld fails unless got is target without, for each member, the
// partitions some other member claims.
func checkWithheld(t *rapid.T, members []Member, target, got map[string][]broker.TopicPartition) {
	for _, m := range members {
		var want []broker.TopicPartition
		for _, tp := range target[m.ID] {
			claimedElsewhere := slices.ContainsFunc(members, func(o Member) bool {
				return o.ID != m.ID && slices.Contains(o.Owned, tp)
			})
			if !claimedElsewhere {
				want = append(want, tp)
			}
		}
		if !slices.Equal(got[m.ID], want) {
			t.Fatalf("%s is handed %v, want %v (target %v)", m.ID, got[m.ID], want, target[m.ID])
		}
	}
}

// balancedGroup draws a group in which every assignable partition is owned
// by exactly one subscribed member, all in one generation.
func balancedGroup(t *rapid.T, sameSubscriptions bool) ([]Member, map[string]int32) {
	members, topics := randomGroup(t)
	var shared []string
	if sameSubscriptions {
		shared = members[0].Topics
	}
	for i := range members {
		if sameSubscriptions {
			members[i].Topics = shared
		}
		members[i].Owned, members[i].Generation = nil, 5
	}
	for _, tp := range assignable(members, topics) {
		var can []int
		for i, m := range members {
			if slices.Contains(m.Topics, tp.Topic) {
				can = append(can, i)
			}
		}
		i := rapid.SampledFrom(can).Draw(t, "owner")
		members[i].Owned = append(members[i].Owned, tp)
	}
	return members, topics
}

// TestStickyKeepsBalancedOwnership: when every partition already has one
// valid owner and no single move would narrow a gap of two or more,
// nothing moves.
func TestStickyKeepsBalancedOwnership(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		members, topics := balancedGroup(t, false)
		owned := map[string][]broker.TopicPartition{}
		for _, m := range members {
			owned[m.ID] = m.Owned
		}
		closeGaps(members, owned)
		members = owning(members, owned, 5)
		if got := StickyTarget(members, topics); !sameAssignment(got, owned) {
			t.Fatalf("balanced ownership moved:\nowned %s\ngot   %s", fmtAssign(owned), fmtAssign(got))
		}
	})
}

// closeGaps moves single partitions from a member to a subscribed member
// holding at least two fewer until no such move is left (each move lowers
// the sum of squared counts, so it ends).
func closeGaps(members []Member, owned map[string][]broker.TopicPartition) {
	for moved := true; moved; {
		moved = false
		for _, from := range members {
			for _, tp := range owned[from.ID] {
				for _, to := range members {
					if slices.Contains(to.Topics, tp.Topic) && len(owned[to.ID])+1 < len(owned[from.ID]) {
						owned[from.ID] = slices.DeleteFunc(owned[from.ID], func(x broker.TopicPartition) bool { return x == tp })
						owned[to.ID] = append(owned[to.ID], tp)
						moved = true
						break
					}
				}
				if moved {
					break
				}
			}
		}
	}
}

func sameAssignment(a, b map[string][]broker.TopicPartition) bool {
	if len(a) != len(b) {
		return false
	}
	for id, tps := range a {
		if !sameTPs(tps, b[id]) {
			return false
		}
	}
	return true
}

// TestStickyEqualSubscriptionsMoveTheMinimum: with equal subscriptions and
// valid ownership in one generation, counts end within one of each other,
// no member both gives up and receives partitions, and no more partitions
// change owner than the fewest any balanced assignment needs (the extra
// partition of an uneven split goes to the members owning the most).
func TestStickyEqualSubscriptionsMoveTheMinimum(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		members, topics := balancedGroup(t, true)
		// Drop some ownership: partitions of members that left, or never owned.
		for i := range members {
			members[i].Owned = slices.DeleteFunc(members[i].Owned, func(broker.TopicPartition) bool {
				return rapid.Bool().Draw(t, "unowned")
			})
		}
		got := StickyTarget(members, topics)
		if gap := singleMoveGap(members, got); gap != "" {
			t.Fatalf("%s", gap)
		}
		moved, fewest := 0, minimalMoves(members, len(assignable(members, topics)))
		for _, m := range members {
			lost, gained := len(Revoked(m.Owned, got[m.ID])), len(Added(m.Owned, got[m.ID]))
			if lost > 0 && gained > 0 {
				t.Fatalf("%s gives up %d and receives %d: %s", m.ID, lost, gained, fmtAssign(got))
			}
			moved += lost
		}
		if moved != fewest {
			t.Fatalf("moved %d partitions, the fewest possible is %d: %s", moved, fewest, fmtAssign(got))
		}
	})
}

// minimalMoves is the fewest owned partitions that must change owner to
// balance total partitions over members that all could own any of them.
func minimalMoves(members []Member, total int) int {
	counts := make([]int, len(members))
	for i, m := range members {
		counts[i] = len(m.Owned)
	}
	slices.Sort(counts)
	slices.Reverse(counts)
	quota, extra := total/len(members), total%len(members)
	moves := 0
	for i, c := range counts {
		q := quota
		if i < extra {
			q++
		}
		moves += max(0, c-q)
	}
	return moves
}

// TestCooperativeStickyRounds runs random membership and subscription
// changes through the two-phase cooperative protocol and checks every
// round that no partition has two owners and that a partition revoked is
// not handed to a new owner in the same round; and once the group
// settles (a round revokes nothing), that every partition is owned and
// no single move would narrow a gap of two or more. It records how many
// rounds a change needs: librdkafka's hand-out needs at most three.
func TestCooperativeStickyRounds(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		members, topics := randomGroup(t)
		for i := range members {
			members[i].Owned, members[i].Generation = nil, -1
		}
		gen := int32(0)
		next := 0
		for range rapid.IntRange(1, 6).Draw(t, "changes") {
			members = changeMembership(t, members, topics, &next)
			if len(members) == 0 {
				continue
			}
			for round := 1; ; round++ {
				if round > 3 {
					t.Fatalf("not settled after 3 rounds: %s", fmtAssign(ownedBy(members)))
				}
				gen++
				got := CooperativeSticky().Assign(members, topics)
				if !handOut(t, members, got, gen) {
					break
				}
			}
			settled := ownedBy(members)
			checkValid(t, members, topics, settled)
			if gap := singleMoveGap(members, settled); gap != "" {
				t.Fatalf("settled unbalanced: %s", gap)
			}
		}
	})
}

// changeMembership lets a member join, leave or change its subscription
// (revoking, as librdkafka does before it rejoins, what it no longer
// subscribes to).
func changeMembership(t *rapid.T, members []Member, topics map[string]int32, next *int) []Member {
	names := append(sortedKeys(topics), "gone")
	subscription := func() []string {
		return rapid.SliceOfNDistinct(rapid.SampledFrom(names), 1, len(names), rapid.ID[string]).Draw(t, "subscription")
	}
	switch kind := rapid.IntRange(0, 2).Draw(t, "change"); {
	case kind == 0 || len(members) == 0:
		*next++
		return append(members, Member{ID: fmt.Sprintf("new%d", *next), Topics: subscription(), Generation: -1})
	case kind == 1:
		i := rapid.IntRange(0, len(members)-1).Draw(t, "leaver")
		return slices.Delete(members, i, i+1)
	default:
		i := rapid.IntRange(0, len(members)-1).Draw(t, "resubscriber")
		members[i].Topics = subscription()
		members[i].Owned = slices.DeleteFunc(members[i].Owned, func(x broker.TopicPartition) bool {
			return !slices.Contains(members[i].Topics, x.Topic)
		})
		return members
	}
}

// handOut applies one round's assignment: each member revokes owned −
// assigned and owns the rest plus what it gained, in generation gen. It
// fails on a partition given to a new owner while another member still
// owns it, and reports whether anything was revoked.
func handOut(t *rapid.T, members []Member, got map[string][]broker.TopicPartition, gen int32) bool {
	owners := map[broker.TopicPartition]string{}
	revoked := false
	for i := range members {
		m := &members[i]
		revoked = revoked || len(Revoked(m.Owned, got[m.ID])) > 0
		m.Owned, m.Generation = got[m.ID], gen
		for _, tp := range m.Owned {
			if o, dup := owners[tp]; dup {
				t.Fatalf("%v owned by %s and %s", tp, o, m.ID)
			}
			owners[tp] = m.ID
		}
	}
	return revoked
}

func ownedBy(members []Member) map[string][]broker.TopicPartition {
	out := map[string][]broker.TopicPartition{}
	for _, m := range members {
		out[m.ID] = m.Owned
	}
	return out
}
