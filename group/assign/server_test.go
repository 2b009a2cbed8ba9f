package assign

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kafkasim/kafkasim/broker"
	"pgregory.net/rapid"
)

// The cases of Kafka's group-coordinator tests for the server-side
// assignors (OptimizedUniformAssignmentBuilderTest,
// UniformHeterogeneousAssignmentBuilderTest, RangeAssignorTest), as
// tables. Assignments are written "topic:p,p topic:p"; members list
// "id topics... [instance]" style fields in Go.

// tpsOf parses "t1:0,1 t3:4" into sorted topic-partitions.
func tpsOf(s string) []broker.TopicPartition {
	var out []broker.TopicPartition
	for _, f := range strings.Fields(s) {
		topic, parts, _ := strings.Cut(f, ":")
		for _, p := range strings.Split(parts, ",") {
			n, err := strconv.Atoi(p)
			if err != nil {
				panic(err)
			}
			out = append(out, broker.TopicPartition{Topic: topic, Partition: int32(n)})
		}
	}
	broker.SortTopicPartitions(out)
	return out
}

// fmtTPs renders sorted topic-partitions as tpsOf reads them.
func fmtTPs(tps []broker.TopicPartition) string {
	var fields []string
	for i, tp := range tps {
		if i > 0 && tps[i-1].Topic == tp.Topic {
			fields[len(fields)-1] += "," + strconv.Itoa(int(tp.Partition))
			continue
		}
		fields = append(fields, tp.Topic+":"+strconv.Itoa(int(tp.Partition)))
	}
	return strings.Join(fields, " ")
}

func sm(id string, topics []string, target string) ServerMember {
	return ServerMember{ID: id, Topics: topics, Target: tpsOf(target)}
}

func ts(topics ...string) []string { return topics }

func checkTarget(t *testing.T, got map[string][]broker.TopicPartition, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("members: got %v, want %v", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
	}
	for _, id := range slices.Sorted(maps.Keys(want)) {
		if g, w := fmtTPs(got[id]), fmtTPs(tpsOf(want[id])); g != w {
			t.Errorf("%s: got %q, want %q", id, g, w)
		}
	}
}

// Kafka's homogeneous test iterates topic ids in the order of Java's
// HashSet over its fixed ids T1-A4s3..., T2-B4s3..., T3-CU8f...: bucket 1
// (topic2), 9 (topic3), 10 (topic1). Ours visits topics by name. Cases
// whose outcome depends on that order name the topics so that name order
// is Kafka's order (a2 for topic2, b3 for topic3, c1 for topic1), which
// keeps Kafka's expected results unchanged; the others keep Kafka's
// names.
func TestUniformHomogeneousKafkaCases(t *testing.T) {
	tests := []struct {
		name    string
		topics  map[string]int32
		members []ServerMember
		want    map[string]string
	}{
		{
			name:    "testOneMemberNoTopicSubscription",
			topics:  map[string]int32{"topic1": 3},
			members: []ServerMember{sm("A", nil, "")},
			want:    map[string]string{"A": ""},
		},
		{
			// Kafka's assignor throws here; its coordinator never gets that
			// far, because subscriptions are resolved against the topics
			// that exist before the assignor runs. We ignore the topic.
			name:    "testOneMemberSubscribedToNonexistentTopic",
			topics:  map[string]int32{"topic1": 3},
			members: []ServerMember{sm("A", ts("topic2"), "")},
			want:    map[string]string{"A": ""},
		},
		{
			// A's quota is 3 (5 partitions, A first), B's 2; nothing is
			// held, so the free partitions go out in topic order: Kafka's
			// topic3 before topic1.
			name:   "testFirstAssignmentTwoMembersTwoTopicsNoMemberRacks (b3=topic3, c1=topic1)",
			topics: map[string]int32{"c1": 3, "b3": 2},
			members: []ServerMember{
				sm("A", ts("c1", "b3"), ""),
				sm("B", ts("c1", "b3"), ""),
			},
			want: map[string]string{"A": "c1:0 b3:0,1", "B": "c1:1,2"},
		},
		{
			name:   "the same with Kafka's names: topics in name order",
			topics: map[string]int32{"topic1": 3, "topic3": 2},
			members: []ServerMember{
				sm("A", ts("topic1", "topic3"), ""),
				sm("B", ts("topic1", "topic3"), ""),
			},
			want: map[string]string{"A": "topic1:0,1,2", "B": "topic3:0,1"},
		},
		{
			name:   "testFirstAssignmentNumMembersGreaterThanTotalNumPartitions",
			topics: map[string]int32{"topic3": 2},
			members: []ServerMember{
				sm("A", ts("topic3"), ""),
				sm("B", ts("topic3"), ""),
				sm("C", ts("topic3"), ""),
			},
			want: map[string]string{"A": "topic3:0", "B": "topic3:1", "C": ""},
		},
		{
			// A holds 4 and keeps its quota of 3, topic1 first (Kafka's
			// ordered map), giving up topic2's partition 1 to B.
			name:   "testReassignmentForTwoMembersTwoTopicsGivenUnbalancedPrevAssignment",
			topics: map[string]int32{"topic1": 3, "topic2": 3},
			members: []ServerMember{
				sm("A", ts("topic1", "topic2"), "topic1:0,1 topic2:0,1"),
				sm("B", ts("topic1", "topic2"), "topic1:2 topic2:2"),
			},
			want: map[string]string{"A": "topic1:0,1 topic2:0", "B": "topic1:2 topic2:1,2"},
		},
		{
			// The new partitions go out topic by topic in Kafka's order
			// (topic2 first): A, quota 6, takes a2:3,4 and c1:3.
			name:   "testReassignmentWhenPartitionsAreAddedForTwoMembersTwoTopics (a2=topic2, c1=topic1)",
			topics: map[string]int32{"c1": 6, "a2": 5},
			members: []ServerMember{
				sm("A", ts("c1", "a2"), "c1:0,2 a2:0"),
				sm("B", ts("c1", "a2"), "c1:1 a2:1,2"),
			},
			want: map[string]string{"A": "c1:0,2,3 a2:0,3,4", "B": "c1:1,4,5 a2:1,2"},
		},
		{
			name:   "testReassignmentWhenOneMemberAddedAfterInitialAssignmentWithTwoMembersTwoTopics",
			topics: map[string]int32{"topic1": 3, "topic2": 3},
			members: []ServerMember{
				sm("A", ts("topic1", "topic2"), "topic1:0,2 topic2:0"),
				sm("B", ts("topic1", "topic2"), "topic1:1 topic2:1,2"),
				sm("C", ts("topic1", "topic2"), ""),
			},
			want: map[string]string{"A": "topic1:0,2", "B": "topic1:1 topic2:1", "C": "topic2:0,2"},
		},
		{
			name:   "testReassignmentWhenOneMemberRemovedAfterInitialAssignmentWithThreeMembersTwoTopics (a2=topic2, c1=topic1)",
			topics: map[string]int32{"c1": 3, "a2": 3},
			members: []ServerMember{
				sm("A", ts("c1", "a2"), "c1:0 a2:0"),
				sm("B", ts("c1", "a2"), "c1:1 a2:1"),
			},
			want: map[string]string{"A": "c1:0 a2:0,2", "B": "c1:1,2 a2:1"},
		},
		{
			name:   "testReassignmentWhenOneSubscriptionRemovedAfterInitialAssignmentWithTwoMembersTwoTopics",
			topics: map[string]int32{"topic1": 2, "topic2": 2},
			members: []ServerMember{
				sm("A", ts("topic2"), "topic1:0 topic2:0"),
				sm("B", ts("topic2"), "topic1:1 topic2:1"),
			},
			want: map[string]string{"A": "topic2:0", "B": "topic2:1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !homogeneous(tt.members) {
				t.Fatal("not a homogeneous group")
			}
			checkTarget(t, ServerUniform().AssignTarget(tt.members, tt.topics), tt.want)
		})
	}
}

// The heterogeneous cases compare topics by id, and Kafka's fixed ids sort
// as the names do, so every case keeps Kafka's names and results. Kafka's
// test fixes the member order to sorted ids, as we do.
func TestUniformHeterogeneousKafkaCases(t *testing.T) {
	tests := []struct {
		name    string
		topics  map[string]int32
		members []ServerMember
		want    map[string]string
	}{
		{
			name:    "testTwoMembersNoTopicSubscription",
			topics:  map[string]int32{"topic1": 3},
			members: []ServerMember{sm("A", nil, ""), sm("B", nil, "")},
			want:    map[string]string{"A": "", "B": ""},
		},
		{
			// Kafka throws (see the homogeneous case); we ignore them.
			name:    "testTwoMembersSubscribedToNonexistentTopics",
			topics:  map[string]int32{"topic1": 3},
			members: []ServerMember{sm("A", ts("topic3"), ""), sm("B", ts("topic2"), "")},
			want:    map[string]string{"A": "", "B": ""},
		},
		{
			name:    "testFirstAssignmentTwoMembersTwoTopics",
			topics:  map[string]int32{"topic1": 3, "topic3": 6},
			members: []ServerMember{sm("A", ts("topic1", "topic3"), ""), sm("B", ts("topic3"), "")},
			want:    map[string]string{"A": "topic1:0,1,2 topic3:4", "B": "topic3:0,1,2,3,5"},
		},
		{
			name:   "testFirstAssignmentNumMembersGreaterThanTotalNumPartitions",
			topics: map[string]int32{"topic1": 2, "topic3": 1},
			members: []ServerMember{
				sm("A", ts("topic3"), ""), sm("B", ts("topic3"), ""), sm("C", ts("topic1"), ""),
			},
			want: map[string]string{"A": "topic3:0", "B": "", "C": "topic1:0,1"},
		},
		{
			name:   "testReassignmentForTwoMembersThreeTopicsGivenUnbalancedPrevAssignment",
			topics: map[string]int32{"topic1": 6, "topic2": 4, "topic3": 4},
			members: []ServerMember{
				sm("A", ts("topic1"), "topic1:0,1,2"),
				sm("B", ts("topic1", "topic2"), "topic1:3 topic2:0"),
				sm("C", ts("topic1", "topic2", "topic3"), "topic1:4,5 topic2:1,2,3 topic3:0,1,2,3"),
			},
			want: map[string]string{
				"A": "topic1:0,1,2,5",
				"B": "topic1:3 topic2:0,1,2,3",
				"C": "topic1:4 topic3:0,1,2,3",
			},
		},
		{
			name:   "testReassignmentWhenPartitionsAreAddedForTwoMembers",
			topics: map[string]int32{"topic1": 6, "topic2": 5, "topic3": 3, "topic4": 3},
			members: []ServerMember{
				sm("A", ts("topic1", "topic3"), "topic1:0,1,2,3 topic3:0,1"),
				sm("B", ts("topic1", "topic2", "topic3", "topic4"), "topic2:0,1,2 topic4:0,1,2"),
			},
			want: map[string]string{
				"A": "topic1:0,1,2,3,4,5 topic3:0,1,2",
				"B": "topic2:0,1,2,3,4 topic4:0,1,2",
			},
		},
		{
			name:   "testReassignmentWhenOneMemberAddedAndPartitionsAddedTwoMembersTwoTopics",
			topics: map[string]int32{"topic1": 6, "topic2": 7},
			members: []ServerMember{
				sm("A", ts("topic1"), "topic1:0,2 topic2:0"),
				sm("B", ts("topic1", "topic2"), "topic1:1 topic2:1,2"),
				sm("C", ts("topic1", "topic2"), ""),
			},
			want: map[string]string{
				"A": "topic1:0,2,3,4,5",
				"B": "topic1:1 topic2:1,2,6",
				"C": "topic2:0,3,4,5",
			},
		},
		{
			name:   "testReassignmentWhenOneMemberRemovedAfterInitialAssignmentWithThreeMembersThreeTopics",
			topics: map[string]int32{"topic1": 3, "topic2": 8, "topic3": 3},
			members: []ServerMember{
				sm("A", ts("topic1", "topic3"), "topic1:0,1,2 topic3:0,1"),
				sm("B", ts("topic2"), "topic2:3,4,5,6"),
			},
			want: map[string]string{"A": "topic1:0,1,2 topic3:0,1,2", "B": "topic2:0,1,2,3,4,5,6,7"},
		},
		{
			name:   "testReassignmentWhenOneSubscriptionRemovedAfterInitialAssignmentWithTwoMembersTwoTopics",
			topics: map[string]int32{"topic1": 3, "topic2": 5},
			members: []ServerMember{
				sm("A", ts("topic1"), "topic1:0,2 topic2:1,3"),
				sm("B", ts("topic1", "topic2"), "topic1:1 topic2:0,2,4"),
			},
			want: map[string]string{"A": "topic1:0,1,2", "B": "topic2:0,1,2,3,4"},
		},
		{
			// Kafka's test forces the heterogeneous builder on equal
			// subscriptions; so does this one (uniform would pick the
			// homogeneous one).
			name:   "testReassignmentWhenTopicPartitionsRunOutAndMembersHaveNoPartitions",
			topics: map[string]int32{"topic1": 2, "topic2": 2, "topic3": 2},
			members: []ServerMember{
				sm("A", ts("topic1", "topic2", "topic3"), "topic1:0,1 topic2:0,1 topic3:0,1"),
				sm("B", ts("topic1", "topic2", "topic3"), ""),
			},
			want: map[string]string{"A": "topic2:0 topic3:0,1", "B": "topic1:0,1 topic2:1"},
		},
		{
			name:    "testFirstAssignmentWithTwoMembersIncludingOneWithoutSubscriptions",
			topics:  map[string]int32{"topic1": 3},
			members: []ServerMember{sm("A", ts("topic1"), ""), sm("B", nil, "")},
			want:    map[string]string{"A": "topic1:0,1,2", "B": ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkTarget(t, newHeteroBuilder(membersByID(tt.members), tt.topics).build(), tt.want)
		})
	}
}

func TestServerRangeKafkaCases(t *testing.T) {
	static := func(id, instance string, topics []string) ServerMember {
		return ServerMember{ID: id, InstanceID: instance, Topics: topics}
	}
	tests := []struct {
		name    string
		topics  map[string]int32
		members []ServerMember
		want    map[string]string
	}{
		{
			name:    "testOneMemberNoTopic",
			topics:  map[string]int32{"topic1": 3},
			members: []ServerMember{sm("A", nil, "")},
			want:    map[string]string{"A": ""},
		},
		{
			name:    "testOneMemberSubscribedToNonExistentTopic (Kafka throws; ignored here)",
			topics:  map[string]int32{"topic1": 3},
			members: []ServerMember{sm("A", ts("topic2"), "")},
			want:    map[string]string{"A": ""},
		},
		{
			name:    "testFirstAssignmentTwoMembersTwoTopicsSameSubscriptions",
			topics:  map[string]int32{"topic1": 3, "topic3": 2},
			members: []ServerMember{sm("A", ts("topic1", "topic3"), ""), sm("B", ts("topic1", "topic3"), "")},
			want:    map[string]string{"A": "topic1:0,1 topic3:0", "B": "topic1:2 topic3:1"},
		},
		{
			name:   "testFirstAssignmentThreeMembersThreeTopicsDifferentSubscriptions",
			topics: map[string]int32{"topic1": 3, "topic2": 3, "topic3": 2},
			members: []ServerMember{
				sm("A", ts("topic1", "topic2"), ""), sm("B", ts("topic3"), ""), sm("C", ts("topic2", "topic3"), ""),
			},
			want: map[string]string{"A": "topic1:0,1,2 topic2:0,1", "B": "topic3:0", "C": "topic2:2 topic3:1"},
		},
		{
			name:   "testFirstAssignmentNumMembersGreaterThanNumPartitions",
			topics: map[string]int32{"topic1": 3, "topic3": 2},
			members: []ServerMember{
				sm("A", ts("topic1", "topic3"), ""), sm("B", ts("topic1", "topic3"), ""), sm("C", ts("topic1", "topic3"), ""),
			},
			want: map[string]string{"A": "topic1:0 topic3:0", "B": "topic1:1 topic3:1", "C": "topic1:2"},
		},
		{
			// testStaticMembership, first half: the second half (a new
			// member id for instanceA) is TestServerRangeStaticMembers.
			name:    "testStaticMembership",
			topics:  map[string]int32{"topic1": 3},
			members: []ServerMember{static("A", "instanceA", ts("topic1")), static("B", "instanceB", ts("topic1"))},
			want:    map[string]string{"A": "topic1:0,1", "B": "topic1:2"},
		},
		{
			// Static members first by instance id, then dynamic ones.
			name:   "testMixedStaticMembership",
			topics: map[string]int32{"topic1": 5},
			members: []ServerMember{
				static("A", "instanceA", ts("topic1")), static("C", "instanceC", ts("topic1")), sm("B", ts("topic1"), ""),
			},
			want: map[string]string{"A": "topic1:0,1", "C": "topic1:2,3", "B": "topic1:4"},
		},
		{
			name:   "testReassignmentNumMembersGreaterThanNumPartitionsWhenOneMemberAdded",
			topics: map[string]int32{"topic1": 2, "topic2": 2},
			members: []ServerMember{
				sm("A", ts("topic1", "topic2"), "topic1:0 topic2:0"),
				sm("B", ts("topic1", "topic2"), "topic1:1 topic2:1"),
				sm("C", ts("topic1", "topic2"), ""),
			},
			want: map[string]string{"A": "topic1:0 topic2:0", "B": "topic1:1 topic2:1", "C": ""},
		},
		{
			name:   "testReassignmentWhenOnePartitionAddedForTwoMembersTwoTopics",
			topics: map[string]int32{"topic1": 4, "topic2": 4},
			members: []ServerMember{
				sm("A", ts("topic1", "topic2"), "topic1:0,1 topic2:0,1"),
				sm("B", ts("topic1", "topic2"), "topic1:2 topic2:2"),
			},
			want: map[string]string{"A": "topic1:0,1 topic2:0,1", "B": "topic1:2,3 topic2:2,3"},
		},
		{
			// Not sticky: A gives up partition 1 of both topics.
			name:   "testReassignmentWhenOneMemberAddedAfterInitialAssignmentWithTwoMembersTwoTopics",
			topics: map[string]int32{"topic1": 3, "topic2": 3},
			members: []ServerMember{
				sm("A", ts("topic1", "topic2"), "topic1:0,1 topic2:0,1"),
				sm("B", ts("topic1", "topic2"), "topic1:2 topic2:2"),
				sm("C", ts("topic1", "topic2"), ""),
			},
			want: map[string]string{"A": "topic1:0 topic2:0", "B": "topic1:1 topic2:1", "C": "topic1:2 topic2:2"},
		},
		{
			name:   "testReassignmentWhenOneMemberAddedAndOnePartitionAfterInitialAssignmentWithTwoMembersTwoTopics",
			topics: map[string]int32{"topic1": 4, "topic2": 3},
			members: []ServerMember{
				sm("A", ts("topic1", "topic2"), "topic1:0,1 topic2:0,1"),
				sm("B", ts("topic1", "topic2"), "topic1:2 topic2:2"),
				sm("C", ts("topic1"), ""),
			},
			want: map[string]string{"A": "topic1:0,1 topic2:0,1", "B": "topic1:2 topic2:2", "C": "topic1:3"},
		},
		{
			name:    "testReassignmentWhenOneMemberRemovedAfterInitialAssignmentWithTwoMembersTwoTopics",
			topics:  map[string]int32{"topic1": 3, "topic2": 3},
			members: []ServerMember{sm("B", ts("topic1", "topic2"), "topic1:2 topic2:2")},
			want:    map[string]string{"B": "topic1:0,1,2 topic2:0,1,2"},
		},
		{
			name:   "testReassignmentWhenMultipleSubscriptionsRemovedAfterInitialAssignmentWithThreeMembersTwoTopics",
			topics: map[string]int32{"topic1": 3, "topic2": 3, "topic3": 2},
			members: []ServerMember{
				sm("A", ts("topic1"), "topic1:0,1,2 topic2:0"),
				sm("B", ts("topic1", "topic2", "topic3"), "topic2:1"),
				sm("C", ts("topic2"), "topic2:2 topic3:0,1"),
			},
			want: map[string]string{"A": "topic1:0,1", "B": "topic1:2 topic2:0,1 topic3:0,1", "C": "topic2:2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkTarget(t, ServerRange().AssignTarget(tt.members, tt.topics), tt.want)
		})
	}
}

// TestServerRangeStaticMembers is the second half of Kafka's
// testStaticMembership and testMixedStaticMembership: a static member
// that comes back under a new member id gets the same range, and so does
// everyone else.
func TestServerRangeStaticMembers(t *testing.T) {
	topics := map[string]int32{"topic1": 5}
	before := []ServerMember{
		{ID: "A", InstanceID: "instanceA", Topics: ts("topic1")},
		{ID: "C", InstanceID: "instanceC", Topics: ts("topic1")},
		{ID: "B", Topics: ts("topic1")},
	}
	after := slices.Clone(before)
	after[0].ID = "memberA1"
	b, a := ServerRange().AssignTarget(before, topics), ServerRange().AssignTarget(after, topics)
	if !slices.Equal(b["A"], a["memberA1"]) || !slices.Equal(b["B"], a["B"]) || !slices.Equal(b["C"], a["C"]) {
		t.Fatalf("before %v, after %v", b, a)
	}
	// A dynamic member's range depends on its id: with "Z" instead of
	// "B" and no statics, the order changes and so do the ranges.
	dyn := []ServerMember{{ID: "B", Topics: ts("topic1")}, {ID: "Y", Topics: ts("topic1")}}
	d1 := ServerRange().AssignTarget(dyn, topics)
	dyn[0].ID = "Z"
	d2 := ServerRange().AssignTarget(dyn, topics)
	if slices.Equal(d1["B"], d2["Z"]) {
		t.Fatalf("a dynamic member renamed past another kept its range: %v %v", d1, d2)
	}
}

func TestServerByName(t *testing.T) {
	for _, name := range ServerAssignorNames() {
		a, err := ServerByName(name)
		if err != nil || a.Name() != name {
			t.Fatalf("%s: %v %v", name, a, err)
		}
	}
	if _, err := ServerByName("cooperative-sticky"); err == nil {
		t.Fatal("a client-side assignor name was accepted as a server assignor")
	}
	if DefaultServerAssignor != ServerAssignorNames()[0] {
		t.Fatal("the default is not the first of group.consumer.assignors")
	}
}

// randomServerGroup draws members with subscriptions (sometimes to a topic
// that does not exist), equal or not, and a previous target that is
// valid: each partition held at most once, by a member.
func randomServerGroup(t *rapid.T) ([]ServerMember, map[string]int32) {
	names := []string{"t0", "t1", "t2"}[:rapid.IntRange(1, 3).Draw(t, "topics")]
	topics := map[string]int32{}
	for _, n := range names {
		topics[n] = rapid.Int32Range(0, 8).Draw(t, "partitions")
	}
	ids := rapid.SliceOfNDistinct(rapid.StringMatching(`[a-f][0-9]?`), 1, 6, rapid.ID[string]).Draw(t, "ids")
	same := rapid.Bool().Draw(t, "homogeneous")
	var shared []string
	members := make([]ServerMember, len(ids))
	for i, id := range ids {
		subs := rapid.SliceOfNDistinct(rapid.SampledFrom(append(slices.Clone(names), "gone")), 0, 4, rapid.ID[string]).Draw(t, "subscription")
		if same {
			if i == 0 {
				shared = subs
			}
			subs = shared
		}
		members[i] = ServerMember{ID: id, Topics: subs}
		if rapid.Bool().Draw(t, "static") {
			members[i].InstanceID = "i-" + id
		}
	}
	for _, tp := range allTopicPartitions(topics) {
		if k := rapid.IntRange(-1, len(members)-1).Draw(t, "holder"); k >= 0 {
			members[k].Target = append(members[k].Target, tp)
		}
	}
	return members, topics
}

// checkServerValid fails unless out assigns every partition of every subscribed,
// existing topic exactly once, to a member subscribed to it, and lists
// every member.
func checkServerValid(t *rapid.T, members []ServerMember, topics map[string]int32, out map[string][]broker.TopicPartition) {
	owner := map[broker.TopicPartition]string{}
	for _, m := range members {
		got, ok := out[m.ID]
		if !ok {
			t.Fatalf("member %s missing from %v", m.ID, out)
		}
		for _, tp := range got {
			if !slices.Contains(m.Topics, tp.Topic) || tp.Partition >= topics[tp.Topic] {
				t.Fatalf("%s got %v outside its subscription %v", m.ID, tp, m.Topics)
			}
			if o, dup := owner[tp]; dup {
				t.Fatalf("%v given to %s and %s", tp, o, m.ID)
			}
			owner[tp] = m.ID
		}
	}
	for _, m := range members {
		for _, tn := range m.Topics {
			for p := range topics[tn] {
				if _, ok := owner[broker.TopicPartition{Topic: tn, Partition: p}]; !ok {
					t.Fatalf("%s-%d subscribed by %s but not assigned: %v", tn, p, m.ID, out)
				}
			}
		}
	}
}

// TestServerAssignorProperties: both assignors always give a valid
// target whatever the order of members; uniform with equal subscriptions
// is balanced (counts within one) and reproduces its own result; range
// spreads every topic within one partition between its subscribers.
func TestServerAssignorProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		members, topics := randomServerGroup(t)
		shuffled := slices.Clone(members)
		slices.Reverse(shuffled)
		for _, a := range []ServerAssignor{ServerUniform(), ServerRange()} {
			out := a.AssignTarget(members, topics)
			checkServerValid(t, members, topics, out)
			if again := a.AssignTarget(shuffled, topics); !maps.EqualFunc(out, again, slices.Equal) {
				t.Fatalf("%s depends on member order: %v vs %v", a.Name(), out, again)
			}
		}
		out := ServerUniform().AssignTarget(members, topics)
		if homogeneous(members) {
			lo, hi := 1<<30, -1
			for _, tps := range out {
				lo, hi = min(lo, len(tps)), max(hi, len(tps))
			}
			if hi-lo > 1 {
				t.Fatalf("unbalanced: %v", out)
			}
			next := slices.Clone(members)
			for i := range next {
				next[i].Target = out[next[i].ID]
			}
			if again := ServerUniform().AssignTarget(next, topics); !maps.EqualFunc(out, again, slices.Equal) {
				t.Fatalf("uniform moved partitions of its own balanced result:\n%v\n%v", out, again)
			}
		}
		rng := ServerRange().AssignTarget(members, topics)
		for tn := range topics {
			lo, hi := 1<<30, -1
			for _, m := range members {
				if !slices.Contains(m.Topics, tn) {
					continue
				}
				n := 0
				for _, tp := range rng[m.ID] {
					if tp.Topic == tn {
						n++
					}
				}
				lo, hi = min(lo, n), max(hi, n)
			}
			if hi-lo > 1 {
				t.Fatalf("range spread of %s: %d..%d in %v", tn, lo, hi, rng)
			}
		}
	})
}
