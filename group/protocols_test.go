package group

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// naiveProtoCount counts the members of g supporting each protocol name
// the way supportsProtocols used to check it, member by member.
func naiveProtoCount(g *group) map[string]int {
	n := map[string]int{}
	for _, m := range g.members {
		var seen []string
		for _, p := range m.protocols {
			if !slices.Contains(seen, p.Name) {
				seen = append(seen, p.Name)
				n[p.Name]++
			}
		}
	}
	return n
}

// TestProtocolCountsFollowMembership drives members that join with
// different protocol lists, crash (and expire, or miss a rebalance),
// close, restart as static members (the new member replaces the old) and
// rejoin with another list, and checks after every step that the group's
// counts, which a join reads instead of a pass over every member, are
// those of its members: the members supporting each protocol, and the
// members whose JoinGroup is parked. So a join is refused exactly when no
// protocol of the joiner is supported by every member, and a rebalance
// completes exactly when every member has rejoined.
func TestProtocolCountsFollowMembership(t *testing.T) {
	names := []string{"range", "roundrobin", "cooperative-sticky"}
	rapid.Check(t, func(rt *rapid.T) {
		e := newEnv(rt, map[string]int{"t": 4}, Config{})
		var ms []*tmember
		for i := range rapid.IntRange(2, 5).Draw(rt, "members") {
			ps := rapid.SliceOfNDistinct(rapid.SampledFrom(names), 1, 3, func(s string) string { return s }).Draw(rt, "protocols")
			m := e.member(string(rune('a'+i)), "g", []string{"t"}, ps...)
			m.session = 6 * time.Second
			if rapid.Bool().Draw(rt, "static") {
				m.instanceID = "i-" + m.name
			}
			ms = append(ms, m)
		}
		check := func(step string) {
			g := e.c.groups["g"]
			if g == nil {
				return
			}
			want := naiveProtoCount(g)
			if len(want) != len(g.protoCount) {
				rt.Fatalf("%s: counts %v, members support %v", step, g.protoCount, want)
			}
			for k, v := range want {
				if g.protoCount[k] != v {
					rt.Fatalf("%s: counts %v, members support %v", step, g.protoCount, want)
				}
			}
			awaiting := 0
			for _, m := range g.members {
				if m.joinReply != nil {
					awaiting++
				}
			}
			if g.awaiting != awaiting {
				rt.Fatalf("%s: %d members counted as awaiting a join response, %d are", step, g.awaiting, awaiting)
			}
			if want := len(g.pending) == 0 && awaiting == len(g.members); g.allJoined() != want {
				rt.Fatalf("%s: allJoined %v with %d of %d members awaiting, %d pending", step, !want, awaiting, len(g.members), len(g.pending))
			}
			for _, p := range names {
				ps := []Protocol{{Name: p}}
				naive := len(g.members) == 0 || want[p] == len(g.members)
				if got := g.supportsProtocols(ps); got != naive {
					rt.Fatalf("%s: supportsProtocols(%s) = %v with members supporting %v of %d", step, p, got, want, len(g.members))
				}
			}
		}
		for i := range rapid.IntRange(1, 25).Draw(rt, "steps") {
			m := ms[rapid.IntRange(0, len(ms)-1).Draw(rt, "member")]
			action := rapid.SampledFrom([]string{"start", "crash", "close", "resubscribe"}).Draw(rt, "action")
			switch action {
			case "start":
				if !m.alive {
					m.start()
				}
			case "crash":
				m.crash()
			case "close":
				if m.alive {
					_ = m.close()
				}
			case "resubscribe":
				m.protocols = rapid.SliceOfNDistinct(rapid.SampledFrom(names), 1, 3, func(s string) string { return s }).Draw(rt, "protocols")
				if m.alive && !m.busy {
					m.join()
				}
			}
			if rapid.IntRange(0, 9).Draw(rt, "long") == 0 {
				// Past the rebalance timeout (300s): members that did
				// not rejoin are removed.
				e.run(6 * time.Minute)
			}
			e.run(time.Duration(rapid.IntRange(0, 10_000).Draw(rt, "ms")) * time.Millisecond)
			check(fmt.Sprintf("step %d: %s %s", i, action, m.name))
		}
	})
}
