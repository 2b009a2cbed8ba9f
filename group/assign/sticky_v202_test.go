package assign

import "testing"

// TestStickyScan202 shows what librdkafka v2.0.2's balance check changes.
// Its scan jumps past members, so it can call an assignment balanced while
// a partition could still move to a member with two fewer: with a on t1,
// b on t0 and d on both, v2.0.2 stops at 5/3/3 where the fixed check goes
// on to 4/3/4. For the second group its scan comes back to a member it
// already checked, where librdkafka v2.0.2 loops forever (fixed in
// v2.6.1); the port stops the scan there and gives a valid assignment.
// The first group's v2.0.2 result is what the real librdkafka 2.0.2 gave
// (fidelity check sticky-balance-check, members c1, c2, c3 for a, b, d).
func TestStickyScan202(t *testing.T) {
	tests := []struct {
		name       string
		members    []Member
		topics     []stickyTopic
		fixed, old string
		endless    bool
	}{
		{
			name:    "skipped member",
			members: []Member{mem("a", "t1"), mem("b", "t0"), mem("d", "t1", "t0")},
			topics:  []stickyTopic{{name: "t0", partitions: 4}, {name: "t1", partitions: 7}},
			fixed:   "a: t1p1 t1p2 t1p4 t1p6; b: t0p0 t0p1 t0p2; d: t0p3 t1p0 t1p3 t1p5",
			old:     "a: t1p0 t1p1 t1p2 t1p4 t1p6; b: t0p0 t0p1 t0p2; d: t0p3 t1p3 t1p5",
		},
		{
			name: "endless scan in v2.0.2",
			members: []Member{
				mem("e", "t1", "t0"), mem("d", "t0", "t2"), mem("a3", "t0"), mem("a1", "t2", "t3"), mem("c", "t2"),
			},
			topics:  []stickyTopic{{name: "t0", partitions: 1}, {name: "t1", partitions: 1}, {name: "t2", partitions: 2}, {name: "t3", partitions: 3}},
			fixed:   "a1: t3p0 t3p1 t3p2; a3: t0p0; c: t2p0; d: t2p1; e: t1p0",
			old:     "a1: t3p0 t3p1 t3p2; a3: t0p0; c: t2p0; d: t2p1; e: t1p0",
			endless: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := fmtAssign(stickyAssign(tc.members, tc.topics, stickyOptions{})); got != tc.fixed {
				t.Errorf("fixed scan:\n got %s\nwant %s", got, tc.fixed)
			}
			endless := false
			got := fmtAssign(stickyAssign(tc.members, tc.topics, stickyOptions{skipScan202: true, endlessScan: &endless}))
			if got != tc.old {
				t.Errorf("v2.0.2 scan:\n got %s\nwant %s", got, tc.old)
			}
			if endless != tc.endless {
				t.Errorf("v2.0.2 scan came back to a checked member: %v, want %v", endless, tc.endless)
			}
		})
	}
}
