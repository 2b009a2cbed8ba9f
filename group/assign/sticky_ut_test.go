package assign

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kafkasim/kafkasim/broker"
)

// The cases below are the unit tests of librdkafka's sticky assignor
// (the ut_* functions of src/rdkafka_sticky_assignor.c, v2.15.0), with
// their expected assignments, run against our port. Each case is a group
// of members and a list of assignor runs; as in librdkafka's tests, after
// every run each member that took part owns what it was assigned, in the
// generation it already had. The two rack-aware cases are not ported: the
// simulator has no racks.

// utMember is one member of a ported case: its subscription and what it
// owns before the first run.
type utMember struct {
	topics     []string
	owned      string // "topic:partition ..." as in the C test
	generation int32
}

// utRun is one assignor run of a ported case.
type utRun struct {
	members   []string            // who takes part, in JoinGroup order
	metadata  string              // "topic:partitions ...", in Metadata order
	subscribe map[string][]string // subscription changes before the run
	want      map[string]string   // expected assignments (verifyAssignment)
	full      bool                // isFullyBalanced
	// sticky: every member of the run gets exactly one partition, one it
	// owned before the run if it owned any (testMoveExistingAssignments).
	sticky bool
	// atMostOne: no member gets more than one partition.
	atMostOne bool
}

type utCase struct {
	name    string
	members map[string]utMember
	runs    []utRun
}

func TestStickyLibrdkafkaUnitCases(t *testing.T) {
	for _, tc := range librdkafkaCases() {
		t.Run(tc.name, func(t *testing.T) { runUTCase(t, tc) })
	}
}

func librdkafkaCases() []utCase {
	sub := func(topics ...string) utMember { return utMember{topics: topics, generation: 1} }
	owns := func(gen int32, owned string, topics ...string) utMember {
		return utMember{topics: topics, owned: owned, generation: gen}
	}
	cases := []utCase{
		{
			name:    "testOneConsumerNoTopic",
			members: map[string]utMember{"consumer1": sub("topic1")},
			runs:    []utRun{{members: []string{"consumer1"}, metadata: "", want: map[string]string{"consumer1": ""}, full: true}},
		},
		{
			name:    "testOneConsumerNonexistentTopic",
			members: map[string]utMember{"consumer1": sub("topic1")},
			runs:    []utRun{{members: []string{"consumer1"}, metadata: "topic1:0", want: map[string]string{"consumer1": ""}, full: true}},
		},
		{
			name:    "testOneConsumerOneTopic",
			members: map[string]utMember{"consumer1": sub("topic1")},
			runs: []utRun{{members: []string{"consumer1"}, metadata: "topic1:3",
				want: map[string]string{"consumer1": "topic1:0 topic1:1 topic1:2"}, full: true}},
		},
		{
			name:    "testOnlyAssignsPartitionsFromSubscribedTopics",
			members: map[string]utMember{"consumer1": sub("topic1")},
			runs: []utRun{{members: []string{"consumer1"}, metadata: "topic1:3 topic2:3",
				want: map[string]string{"consumer1": "topic1:0 topic1:1 topic1:2"}, full: true}},
		},
		{
			name:    "testOneConsumerMultipleTopics",
			members: map[string]utMember{"consumer1": sub("topic1", "topic2")},
			runs: []utRun{{members: []string{"consumer1"}, metadata: "topic1:1 topic2:2",
				want: map[string]string{"consumer1": "topic1:0 topic2:0 topic2:1"}, full: true}},
		},
		{
			name:    "testTwoConsumersOneTopicOnePartition",
			members: map[string]utMember{"consumer1": sub("topic1"), "consumer2": sub("topic1")},
			runs: []utRun{{members: []string{"consumer1", "consumer2"}, metadata: "topic1:1",
				want: map[string]string{"consumer1": "topic1:0", "consumer2": ""}, full: true}},
		},
		{
			name:    "testTwoConsumersOneTopicTwoPartitions",
			members: map[string]utMember{"consumer1": sub("topic1"), "consumer2": sub("topic1")},
			runs: []utRun{{members: []string{"consumer1", "consumer2"}, metadata: "topic1:2",
				want: map[string]string{"consumer1": "topic1:0", "consumer2": "topic1:1"}, full: true}},
		},
		{
			name: "testMultipleConsumersMixedTopicSubscriptions",
			members: map[string]utMember{
				"consumer1": sub("topic1"), "consumer2": sub("topic1", "topic2"), "consumer3": sub("topic1"),
			},
			runs: []utRun{{members: []string{"consumer1", "consumer2", "consumer3"}, metadata: "topic1:3 topic2:2",
				want: map[string]string{
					"consumer1": "topic1:0 topic1:2", "consumer2": "topic2:0 topic2:1", "consumer3": "topic1:1",
				}, full: true}},
		},
		{
			name:    "testTwoConsumersTwoTopicsSixPartitions",
			members: map[string]utMember{"consumer1": sub("topic1", "topic2"), "consumer2": sub("topic1", "topic2")},
			runs: []utRun{{members: []string{"consumer1", "consumer2"}, metadata: "topic1:3 topic2:3",
				want: map[string]string{
					"consumer1": "topic1:0 topic1:2 topic2:1", "consumer2": "topic1:1 topic2:0 topic2:2",
				}, full: true}},
		},
		{
			name:    "testAddRemoveConsumerOneTopic",
			members: map[string]utMember{"consumer1": sub("topic1"), "consumer2": sub("topic1")},
			runs: []utRun{
				{members: []string{"consumer1"}, metadata: "topic1:3",
					want: map[string]string{"consumer1": "topic1:0 topic1:1 topic1:2"}, full: true},
				{members: []string{"consumer1", "consumer2"}, metadata: "topic1:3",
					want: map[string]string{"consumer1": "topic1:1 topic1:2", "consumer2": "topic1:0"}, full: true},
				{members: []string{"consumer2"}, metadata: "topic1:3",
					want: map[string]string{"consumer2": "topic1:0 topic1:1 topic1:2"}, full: true},
			},
		},
		{
			name: "testPoorRoundRobinAssignmentScenario",
			members: map[string]utMember{
				"consumer1": sub("topic1", "topic2", "topic3", "topic4", "topic5"),
				"consumer2": sub("topic1", "topic3", "topic5"),
				"consumer3": sub("topic1", "topic3", "topic5"),
				"consumer4": sub("topic1", "topic2", "topic3", "topic4", "topic5"),
			},
			runs: []utRun{{members: []string{"consumer1", "consumer2", "consumer3", "consumer4"},
				metadata: "topic1:2 topic2:1 topic3:2 topic4:1 topic5:2",
				want: map[string]string{
					"consumer1": "topic2:0 topic3:0", "consumer2": "topic1:0 topic3:1",
					"consumer3": "topic1:1 topic5:0", "consumer4": "topic4:0 topic5:1",
				}, full: true}},
		},
		{
			name:    "testAddRemoveTopicTwoConsumers",
			members: map[string]utMember{"consumer1": sub("topic1", "topic2"), "consumer2": sub("topic1", "topic2")},
			runs: []utRun{
				{members: []string{"consumer1", "consumer2"}, metadata: "topic1:3",
					want: map[string]string{"consumer1": "topic1:0 topic1:2", "consumer2": "topic1:1"}, full: true},
				{members: []string{"consumer1", "consumer2"}, metadata: "topic1:3 topic2:3",
					want: map[string]string{
						"consumer1": "topic1:0 topic1:2 topic2:1", "consumer2": "topic1:1 topic2:2 topic2:0",
					}, full: true},
				{members: []string{"consumer1", "consumer2"}, metadata: "topic2:3",
					want: map[string]string{"consumer1": "topic2:1", "consumer2": "topic2:0 topic2:2"}, full: true},
			},
		},
		reassignmentAfterOneConsumerLeaves(),
		reassignmentAfterOneConsumerAdded(),
		sameSubscriptions(),
		largeAssignmentWithMultipleConsumersLeaving(),
		newSubscription(),
		{
			name: "testMoveExistingAssignments",
			members: map[string]utMember{
				"consumer1": sub("topic1"), "consumer2": sub("topic1"), "consumer3": sub("topic1"), "consumer4": sub("topic1"),
			},
			runs: []utRun{
				{members: []string{"consumer1", "consumer2", "consumer3", "consumer4"}, metadata: "topic1:3", atMostOne: true},
				{members: []string{"consumer2", "consumer3", "consumer4"}, metadata: "topic1:3", sticky: true},
			},
		},
		{
			name: "testMoveExistingAssignments_j",
			members: map[string]utMember{
				"consumer1": owns(1, "topic1:0", "topic1", "topic2"),
				"consumer2": owns(1, "topic2:0 topic3:0", "topic1", "topic2", "topic3", "topic4"),
				"consumer3": owns(1, "topic4:0 topic5:0 topic6:0", "topic2", "topic3", "topic4", "topic5", "topic6"),
			},
			runs: []utRun{{members: []string{"consumer1", "consumer2", "consumer3"},
				metadata: "topic1:1 topic2:1 topic3:1 topic4:1 topic5:1 topic6:1"}},
		},
		{
			// The C test fills in the members' assignments, not what they
			// own, so the run starts from nothing owned.
			name: "testStickiness",
			members: map[string]utMember{
				"consumer1": sub("topic1", "topic2"),
				"consumer2": sub("topic1", "topic2", "topic3", "topic4"),
				"consumer3": sub("topic4", "topic5", "topic6"),
			},
			runs: []utRun{{members: []string{"consumer1", "consumer2", "consumer3"},
				metadata: "topic1:1 topic2:1 topic3:1 topic4:1 topic5:1 topic6:1"}},
		},
		{
			name: "testStickiness_j",
			members: map[string]utMember{
				"consumer1": sub("topic1"), "consumer2": sub("topic1"), "consumer3": sub("topic1"), "consumer4": sub("topic1"),
			},
			runs: []utRun{
				{members: []string{"consumer1", "consumer2", "consumer3", "consumer4"}, metadata: "topic1:3", atMostOne: true},
				{members: []string{"consumer2", "consumer3", "consumer4"}, metadata: "topic1:3", sticky: true},
			},
		},
		{
			name:    "testStickiness2",
			members: map[string]utMember{"consumer1": sub("topic1"), "consumer2": sub("topic1"), "consumer3": sub("topic1")},
			runs: []utRun{
				{members: []string{"consumer1"}, metadata: "topic1:6", full: true,
					want: map[string]string{"consumer1": "topic1:0 topic1:1 topic1:2 topic1:3 topic1:4 topic1:5"}},
				{members: []string{"consumer1", "consumer2"}, metadata: "topic1:6", full: true,
					want: map[string]string{"consumer1": "topic1:3 topic1:4 topic1:5", "consumer2": "topic1:0 topic1:1 topic1:2"}},
				// Run twice: the second run must change nothing.
				{members: []string{"consumer1", "consumer2", "consumer3"}, metadata: "topic1:6", full: true,
					want: map[string]string{"consumer1": "topic1:4 topic1:5", "consumer2": "topic1:1 topic1:2", "consumer3": "topic1:0 topic1:3"}},
				{members: []string{"consumer1", "consumer2", "consumer3"}, metadata: "topic1:6", full: true,
					want: map[string]string{"consumer1": "topic1:4 topic1:5", "consumer2": "topic1:1 topic1:2", "consumer3": "topic1:0 topic1:3"}},
				{members: []string{"consumer2", "consumer3"}, metadata: "topic1:6", full: true,
					want: map[string]string{"consumer2": "topic1:1 topic1:2 topic1:5", "consumer3": "topic1:0 topic1:3 topic1:4"}},
				{members: []string{"consumer3"}, metadata: "topic1:6", full: true,
					want: map[string]string{"consumer3": "topic1:0 topic1:1 topic1:2 topic1:3 topic1:4 topic1:5"}},
			},
		},
		{
			name:    "testAssignmentUpdatedForDeletedTopic",
			members: map[string]utMember{"consumer1": sub("topic1", "topic2", "topic3")},
			runs: []utRun{{members: []string{"consumer1"}, metadata: "topic1:1 topic3:100", full: true,
				want: map[string]string{"consumer1": "topic1:0 " + partitionRange("topic3", 100)}}},
		},
		{
			name:    "testNoExceptionThrownWhenOnlySubscribedTopicDeleted",
			members: map[string]utMember{"consumer1": sub("topic1")},
			runs: []utRun{
				{members: []string{"consumer1"}, metadata: "topic1:3", full: true},
				{members: []string{"consumer1"}, metadata: "", full: true, want: map[string]string{"consumer1": ""}},
			},
		},
		{
			// Disabled in librdkafka (it returns before running); ported
			// with the two conflicting lists as owned partitions in one
			// generation, which void each other.
			name: "testConflictingPreviousAssignments",
			members: map[string]utMember{
				"consumer1": owns(1, "topic1:0 topic1:1", "topic1"),
				"consumer2": owns(1, "topic1:0 topic1:1", "topic1"),
			},
			runs: []utRun{{members: []string{"consumer1", "consumer2"}, metadata: "topic1:2", full: true,
				want: map[string]string{"consumer1": "topic1:0", "consumer2": "topic1:1"}}},
		},
		{
			name: "testAllConsumersReachExpectedQuotaAndAreConsideredFilled",
			members: map[string]utMember{
				"consumer1": owns(1, "topic1:0 topic1:1", "topic1"),
				"consumer2": owns(1, "topic1:2", "topic1"),
				"consumer3": sub("topic1"),
			},
			runs: []utRun{{members: []string{"consumer1", "consumer2", "consumer3"}, metadata: "topic1:4",
				want: map[string]string{"consumer1": "topic1:0 topic1:1", "consumer2": "topic1:2", "consumer3": "topic1:3"}}},
		},
		{
			name: "testOwnedPartitionsAreInvalidatedForConsumerWithStaleGeneration",
			members: map[string]utMember{
				"consumer1": owns(10, "topic1:0 topic1:2 topic2:1", "topic1", "topic2"),
				"consumer2": owns(9, "topic1:0 topic1:2 topic2:1", "topic1", "topic2"),
			},
			runs: []utRun{{members: []string{"consumer1", "consumer2"}, metadata: "topic1:3 topic2:3",
				want: map[string]string{"consumer1": "topic1:0 topic1:2 topic2:1", "consumer2": "topic1:1 topic2:0 topic2:2"}}},
		},
		{
			name: "testOwnedPartitionsAreInvalidatedForConsumerWithNoGeneration",
			members: map[string]utMember{
				"consumer1": owns(10, "topic1:0 topic1:2 topic2:1", "topic1", "topic2"),
				"consumer2": owns(-1, "topic1:0 topic1:2 topic2:1", "topic1", "topic2"),
			},
			runs: []utRun{{members: []string{"consumer1", "consumer2"}, metadata: "topic1:3 topic2:3",
				want: map[string]string{"consumer1": "topic1:0 topic1:2 topic2:1", "consumer2": "topic1:1 topic2:0 topic2:2"}}},
		},
		{
			name: "testPartitionsTransferringOwnershipIncludeThePartitionClaimedByMultipleConsumersInSameGeneration",
			members: map[string]utMember{
				"consumer1": owns(1, "topic1:0 topic1:1", "topic1"),
				"consumer2": owns(1, "topic1:0 topic1:2", "topic1"),
				"consumer3": sub("topic1"),
			},
			runs: []utRun{{members: []string{"consumer1", "consumer2", "consumer3"}, metadata: "topic1:3",
				want: map[string]string{"consumer1": "topic1:1", "consumer2": "topic1:2", "consumer3": "topic1:0"}}},
		},
		{
			name: "testPartitionsTransferringOwnershipIncludeThePartitionClaimedByMultipleConsumersInSameGeneration2",
			members: map[string]utMember{
				"consumer1": owns(1, "topic1:0 topic1:1", "topic1"),
				"consumer2": owns(1, "topic1:1 topic1:2", "topic1"),
				"consumer3": sub("topic1"),
			},
			runs: []utRun{{members: []string{"consumer1", "consumer2", "consumer3"}, metadata: "topic1:3",
				want: map[string]string{"consumer1": "topic1:0", "consumer2": "topic1:2", "consumer3": "topic1:1"}}},
		},
		{
			name: "testEnsurePartitionsAssignedToHighestGeneration",
			members: map[string]utMember{
				"consumer1": owns(10, "topic1:0 topic2:0 topic3:0", "topic1", "topic2", "topic3"),
				"consumer2": owns(9, "topic1:1 topic2:1 topic3:1", "topic1", "topic2", "topic3"),
				"consumer3": owns(8, "topic2:1 topic3:0 topic3:2", "topic1", "topic2", "topic3"),
			},
			runs: []utRun{{members: []string{"consumer1", "consumer2", "consumer3"}, metadata: "topic1:3 topic2:3 topic3:3",
				want: map[string]string{
					"consumer1": "topic1:0 topic2:0 topic3:0", "consumer2": "topic1:1 topic2:1 topic3:1",
					"consumer3": "topic1:2 topic2:2 topic3:2",
				}}},
		},
		{
			name: "testNoReassignmentOnCurrentMembers",
			members: map[string]utMember{
				"consumer1": owns(-1, "", "topic0", "topic1", "topic2", "topic3"),
				"consumer2": owns(9, "topic0:0 topic2:0 topic1:0", "topic0", "topic1", "topic2", "topic3"),
				"consumer3": owns(8, "topic3:2 topic2:2 topic1:1", "topic0", "topic1", "topic2", "topic3"),
				"consumer4": owns(7, "topic3:1 topic0:1 topic0:2", "topic0", "topic1", "topic2", "topic3"),
			},
			runs: []utRun{{members: []string{"consumer1", "consumer2", "consumer3", "consumer4"},
				metadata: "topic0:3 topic1:3 topic2:3 topic3:3",
				want:     map[string]string{"consumer1": "topic1:2 topic2:1 topic3:0"}}},
		},
		{
			name: "testOwnedPartitionsAreInvalidatedForConsumerWithMultipleGeneration",
			members: map[string]utMember{
				"consumer1": owns(10, "topic1:0 topic2:1 topic1:1", "topic1", "topic2"),
				"consumer2": owns(8, "topic1:0 topic2:1 topic2:2", "topic1", "topic2"),
			},
			runs: []utRun{{members: []string{"consumer1", "consumer2"}, metadata: "topic1:3 topic2:3",
				want: map[string]string{"consumer1": "topic1:0 topic2:1 topic1:1", "consumer2": "topic1:2 topic2:2 topic2:0"}}},
		},
	}
	return cases
}

// numberedTopics is "topic1:1 topic2:2 ... topicN:N", in that order.
func numberedTopics(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "topic%d:%d ", i, i)
	}
	return strings.TrimSpace(b.String())
}

func topicNames(from, to int) []string {
	var ts []string
	for i := from; i <= to; i++ {
		ts = append(ts, "topic"+strconv.Itoa(i))
	}
	return ts
}

func consumerNames(from, to int) []string {
	var ns []string
	for i := from; i <= to; i++ {
		ns = append(ns, "consumer"+strconv.Itoa(i))
	}
	return ns
}

func partitionRange(topic string, n int) string {
	var ps []string
	for q := range n {
		ps = append(ps, fmt.Sprintf("%s:%d", topic, q))
	}
	return strings.Join(ps, " ")
}

func without(names []string, drop ...string) []string {
	return slices.DeleteFunc(slices.Clone(names), func(n string) bool { return slices.Contains(drop, n) })
}

func reassignmentAfterOneConsumerLeaves() utCase {
	members := map[string]utMember{}
	for i := 1; i <= 19; i++ {
		members["consumer"+strconv.Itoa(i)] = utMember{topics: topicNames(1, i), generation: 1}
	}
	all := consumerNames(1, 19)
	return utCase{name: "testReassignmentAfterOneConsumerLeaves", members: members, runs: []utRun{
		{members: all, metadata: numberedTopics(19)},
		{members: without(all, "consumer10"), metadata: numberedTopics(19)},
	}}
}

func reassignmentAfterOneConsumerAdded() utCase {
	members := map[string]utMember{}
	for i := 1; i <= 9; i++ {
		members["consumer"+strconv.Itoa(i)] = utMember{topics: []string{"topic1"}, generation: 1}
	}
	return utCase{name: "testReassignmentAfterOneConsumerAdded", members: members, runs: []utRun{
		{members: consumerNames(1, 8), metadata: "topic1:20"},
		{members: consumerNames(1, 9), metadata: "topic1:20"},
	}}
}

func sameSubscriptions() utCase {
	members := map[string]utMember{}
	for i := 1; i <= 9; i++ {
		members["consumer"+strconv.Itoa(i)] = utMember{topics: topicNames(1, 15), generation: 1}
	}
	all := consumerNames(1, 9)
	return utCase{name: "testSameSubscriptions", members: members, runs: []utRun{
		{members: all, metadata: numberedTopics(15)},
		{members: without(all, "consumer6"), metadata: numberedTopics(15)},
	}}
}

func largeAssignmentWithMultipleConsumersLeaving() utCase {
	members := map[string]utMember{}
	all := consumerNames(1, 200)
	for i, name := range all {
		subCount := ((i + 1) * 17) % 40
		members[name] = utMember{topics: topicNames(1, subCount), generation: 1}
	}
	left := slices.Clone(all)
	for i := len(left) - 1; i >= 0; i -= 4 {
		left = slices.Delete(left, i, i+1)
	}
	return utCase{name: "testLargeAssignmentWithMultipleConsumersLeaving", members: members, runs: []utRun{
		{members: all, metadata: numberedTopics(40)},
		{members: left, metadata: numberedTopics(40)},
	}}
}

func newSubscription() utCase {
	names := consumerNames(0, 2)
	members := map[string]utMember{}
	for i, name := range names {
		var topics []string
		for j := 5 - (1 + i); j >= 0; j-- {
			topics = append(topics, "topic"+strconv.Itoa(j+1))
		}
		members[name] = utMember{topics: topics, generation: 1}
	}
	meta := "topic1:1 topic2:2 topic3:3 topic4:4 topic5:5"
	return utCase{name: "testNewSubscription", members: members, runs: []utRun{
		{members: names, metadata: meta, full: true},
		// The C test appends topic1 to consumer0's subscription, which
		// already lists it.
		{members: names, metadata: meta, full: true,
			subscribe: map[string][]string{"consumer0": append(slices.Clone(members["consumer0"].topics), "topic1")}},
	}}
}

// runUTCase runs every run of tc, checking after each what librdkafka's
// test checks, then making each member that took part own its assignment.
func runUTCase(t *testing.T, tc utCase) {
	t.Helper()
	group := map[string]*Member{}
	for name, um := range tc.members {
		group[name] = &Member{ID: name, InstanceID: name, Topics: um.topics, Owned: parseTPs(t, um.owned), Generation: um.generation}
	}
	for i, run := range tc.runs {
		for name, topics := range run.subscribe {
			group[name].Topics = topics
		}
		members := make([]Member, len(run.members))
		for j, name := range run.members {
			members[j] = *group[name]
		}
		got := stickyAssign(members, parseMetadata(t, run.metadata), stickyOptions{})
		where := fmt.Sprintf("run %d: %s", i+1, fmtAssign(got))
		verifyValidityAndBalance(t, where, members, got)
		if run.full {
			checkFullyBalanced(t, where, got)
		}
		for name, want := range run.want {
			if !sameTPs(got[name], parseTPs(t, want)) {
				t.Errorf("%s\n%s: want %s", where, name, want)
			}
		}
		checkStickiness(t, where, run, members, got)
		for _, name := range run.members {
			group[name].Owned = got[name]
		}
	}
}

func parseMetadata(t *testing.T, s string) []stickyTopic {
	t.Helper()
	var topics []stickyTopic
	for _, f := range strings.Fields(s) {
		name, n, ok := strings.Cut(f, ":")
		count, err := strconv.Atoi(n)
		if !ok || err != nil {
			t.Fatalf("bad metadata %q", f)
		}
		topics = append(topics, stickyTopic{name: name, partitions: int32(count)})
	}
	return topics
}

func parseTPs(t *testing.T, s string) []broker.TopicPartition {
	t.Helper()
	var tps []broker.TopicPartition
	for _, f := range strings.Fields(s) {
		topic, n, ok := strings.Cut(f, ":")
		q, err := strconv.Atoi(n)
		if !ok || err != nil {
			t.Fatalf("bad partition %q", f)
		}
		tps = append(tps, broker.TopicPartition{Topic: topic, Partition: int32(q)})
	}
	return tps
}

func sameTPs(a, b []broker.TopicPartition) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	broker.SortTopicPartitions(a)
	broker.SortTopicPartitions(b)
	return slices.Equal(a, b)
}

// verifyValidityAndBalance is librdkafka's check of the same name: every
// partition goes to a member subscribed to its topic and to one member
// only, and of two members whose counts differ by more than one, the first
// (in run order) holds no partition of a topic the second also holds.
func verifyValidityAndBalance(t *testing.T, where string, members []Member, got map[string][]broker.TopicPartition) {
	t.Helper()
	for i, m := range members {
		mine := got[m.ID]
		for _, tp := range mine {
			if !slices.Contains(m.Topics, tp.Topic) {
				t.Errorf("%s\n%v assigned to %s, which does not subscribe to it", where, tp, m.ID)
			}
		}
		for _, o := range members[i+1:] {
			theirs := got[o.ID]
			balanced := abs(len(mine)-len(theirs)) <= 1
			for _, tp := range mine {
				if slices.Contains(theirs, tp) {
					t.Errorf("%s\n%v assigned to both %s and %s", where, tp, m.ID, o.ID)
				}
				if !balanced && slices.ContainsFunc(theirs, func(x broker.TopicPartition) bool { return x.Topic == tp.Topic }) {
					t.Errorf("%s\n%s partitions could move from %s (%d) to %s (%d)", where, tp.Topic, m.ID, len(mine), o.ID, len(theirs))
				}
			}
		}
	}
}

func checkFullyBalanced(t *testing.T, where string, got map[string][]broker.TopicPartition) {
	t.Helper()
	lo, hi := -1, -1
	for _, tps := range got {
		if lo < 0 || len(tps) < lo {
			lo = len(tps)
		}
		hi = max(hi, len(tps))
	}
	if hi-lo > 1 {
		t.Errorf("%s\nnot fully balanced: %d..%d", where, lo, hi)
	}
}

func checkStickiness(t *testing.T, where string, run utRun, members []Member, got map[string][]broker.TopicPartition) {
	t.Helper()
	for _, m := range members {
		n := len(got[m.ID])
		switch {
		case run.atMostOne && n > 1:
			t.Errorf("%s\n%s got %d partitions, want at most 1", where, m.ID, n)
		case run.sticky && n != 1:
			t.Errorf("%s\n%s got %d partitions, want 1", where, m.ID, n)
		case run.sticky && len(m.Owned) > 0 && !slices.Contains(m.Owned, got[m.ID][0]):
			t.Errorf("%s\n%s got %v, not one it owned (%v)", where, m.ID, got[m.ID][0], m.Owned)
		}
	}
}
