package group

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/internal/clock"
	"github.com/kafkasim/kafkasim/internal/kerr"
	"pgregory.net/rapid"
)

// TestCoordinatorStateMachine drives one group with random joins, leaves,
// crashes, restarts, stray heartbeats, commits (from live members and
// zombies) and time steps, and checks after every action the invariants
// of docs/guarantees.md that belong to the coordinator:
//   - no partition has two owners in one generation (members' view);
//   - in Stable every subscribed partition has exactly one owner in the
//     coordinator's assignment (eager protocols; cooperative ones withhold
//     partitions between their two rounds, so there: at most one);
//   - the generation rises by exactly one per completed rebalance;
//   - a rejected commit never changes stored offsets, and an accepted one
//     came from a member of the current generation (or generation −1 to
//     an Empty group).
//
// After the chaos phase everyone left alive heartbeats for 5 minutes; then
// the group must be Stable with every partition owned exactly once, the
// members' view matching the coordinator's.
// sometimesKinds must each happen in some case of TestCoordinatorStateMachine.
var sometimesKinds = []string{"session-expired", "rebalance-timeout", "leave", "static-rejoin", "commit-accepted", "commit-rejected", "healed-with-2+", "cooperative-withheld"}

func allSeen(seen map[string]int) bool {
	for _, k := range sometimesKinds {
		if seen[k] == 0 {
			return false
		}
	}
	return true
}

func TestCoordinatorStateMachine(t *testing.T) {
	// Sometimes-counters: the checks must not pass vacuously.
	seen := map[string]int{}
	defer func() {
		for _, k := range sometimesKinds {
			if seen[k] == 0 && !t.Failed() {
				t.Errorf("no case exercised %s: %v", k, seen)
			}
		}
	}()
	property := func(rt *rapid.T) {
		protocol := rapid.SampledFrom([]string{"range", "roundrobin", "cooperative-sticky"}).Draw(rt, "protocol")
		topics := map[string]int{"t": 5, "u": 3}
		e := newEnv(rt, topics, Config{})
		e.keepLog = os.Getenv("SMDEBUG") != ""
		var members []*tmember
		gen := int32(0)
		e.c.OnTransition(func(tr Transition) {
			seen[tr.Kind.String()]++
			for _, mv := range tr.Moved {
				if mv.To == "" && mv.From != "" && protocol == "cooperative-sticky" {
					seen["cooperative-withheld"]++
				}
			}
			if tr.Kind != StateChanged {
				return
			}
			switch {
			case tr.To == CompletingRebalance, tr.To == Empty && tr.From == PreparingRebalance:
				if tr.Generation != gen+1 {
					rt.Fatalf("rebalance completed with generation %d after %d: %+v", tr.Generation, gen, tr)
				}
				gen = tr.Generation
			}
		})
		subs := [][]string{{"t"}, {"t", "u"}}
		if protocol == "cooperative-sticky" {
			subs = [][]string{{"t", "u"}} // equal subscriptions: the balance guarantee holds
		}
		pick := func(rt *rapid.T, filter func(*tmember) bool, label string) *tmember {
			var c []*tmember
			for _, m := range members {
				if filter(m) {
					c = append(c, m)
				}
			}
			if len(c) == 0 {
				rt.Skip("no candidate")
			}
			return c[rapid.IntRange(0, len(c)-1).Draw(rt, label)]
		}
		alive := func(m *tmember) bool { return m.alive }
		actions := map[string]func(*rapid.T){
			"join": func(rt *rapid.T) {
				if len(members) >= 6 {
					rt.Skip("enough members")
				}
				m := e.member(fmt.Sprintf("c%d", len(members)), "g", rapid.SampledFrom(subs).Draw(rt, "topics"), protocol)
				m.rebalance = time.Minute
				if rapid.Bool().Draw(rt, "static") {
					// A fresh process may take over the instance id of a dead
					// one; two live processes with one instance id is a
					// misconfiguration (both own the partitions until the
					// old one is fenced), covered by the unit tests.
					m.instanceID = fmt.Sprintf("i%d", rapid.IntRange(0, 2).Draw(rt, "instance"))
					for _, o := range members {
						if o.alive && o.instanceID == m.instanceID {
							rt.Skip("instance id in use")
						}
					}
				}
				members = append(members, m)
				m.start()
			},
			"restart": func(rt *rapid.T) {
				m := pick(rt, func(m *tmember) bool { return !m.alive }, "restart")
				for _, o := range members {
					if o.alive && m.instanceID != "" && o.instanceID == m.instanceID {
						rt.Skip("instance id in use")
					}
				}
				m.start()
			},
			"leave": func(rt *rapid.T) {
				m := pick(rt, alive, "leaver")
				_ = m.close()
			},
			"stall": func(rt *rapid.T) {
				pick(rt, func(m *tmember) bool { return m.alive && !m.stalled }, "staller").stall()
			},
			"unstall": func(rt *rapid.T) {
				pick(rt, func(m *tmember) bool { return m.alive && m.stalled }, "unstaller").unstall()
			},
			"crash": func(rt *rapid.T) {
				m := pick(rt, alive, "crasher")
				m.crash()
			},
			"heartbeat": func(rt *rapid.T) {
				// A stray heartbeat, possibly from a zombie with a stale id.
				m := pick(rt, func(*tmember) bool { return true }, "heartbeater")
				err := e.c.Heartbeat("g", m.id, m.instanceID, m.gen)
				if err != nil && !slices.Contains([]kerr.Code{kerr.RebalanceInProgress, kerr.IllegalGeneration, kerr.UnknownMemberID, kerr.FencedInstanceID}, kerr.CodeOf(err)) {
					rt.Fatalf("heartbeat: unexpected %v", err)
				}
			},
			"commit": func(rt *rapid.T) {
				m := pick(rt, func(*tmember) bool { return true }, "committer")
				req := CommitRequest{Group: "g", MemberID: m.id, InstanceID: m.instanceID, Generation: m.gen,
					Offsets: []OffsetCommit{{TopicPartition: broker.TopicPartition{Topic: "t", Partition: rapid.Int32Range(0, 4).Draw(rt, "p")}, Offset: rapid.Int64Range(0, 100).Draw(rt, "offset")}}}
				if rapid.IntRange(0, 4).Draw(rt, "standalone") == 0 {
					req.MemberID, req.InstanceID, req.Generation = "", "", -1
				}
				d := e.c.Describe("g")
				valid := req.Generation < 0 && (d.State == Empty || d.State == Dead && len(e.c.Groups()) == 0)
				if !valid && d.State != CompletingRebalance && d.State != Dead && req.Generation == d.Generation {
					for _, dm := range d.Members {
						if dm.MemberID == req.MemberID && (req.InstanceID == "" || dm.InstanceID == req.InstanceID) {
							valid = true
						}
					}
				}
				before := e.c.FetchOffsets("g", nil)
				err := e.c.CommitOffsets(req)
				after := e.c.FetchOffsets("g", nil)
				if err != nil && !maps.Equal(before, after) {
					rt.Fatalf("rejected commit (%v) changed offsets %v → %v", err, before, after)
				}
				if err == nil {
					seen["commit-accepted"]++
				} else {
					seen["commit-rejected"]++
				}
				if (err == nil) != valid {
					rt.Fatalf("commit %+v in %s generation %d: err %v, expected valid=%v", req, d.State, d.Generation, err, valid)
				}
			},
			"advance": func(rt *rapid.T) {
				e.run(time.Duration(rapid.IntRange(0, 60_000).Draw(rt, "ms")) * time.Millisecond)
			},
			"": func(rt *rapid.T) {
				e.settle()
				checkOwners(rt, e, members, protocol != "cooperative-sticky")
				if g := e.c.Generation("g"); g != gen && e.c.State("g") != Dead {
					rt.Fatalf("coordinator at generation %d, transitions say %d", g, gen)
				}
			},
		}
		rt.Repeat(actions)

		// Heal: no more faults; the living poll again and keep heartbeating.
		for _, m := range members {
			if m.alive && m.stalled {
				m.unstall()
			}
		}
		e.run(5 * time.Minute)
		var live []*tmember
		for _, m := range members {
			if m.alive {
				live = append(live, m)
			}
		}
		if len(live) == 0 {
			return
		}
		if st := e.c.State("g"); st != Stable {
			rt.Fatalf("after heal: %s\n%s", st, e.describe("g"))
		}
		if os.Getenv("SMDEBUG") != "" {
			for _, tr := range e.log {
				rt.Logf("%v %s %s gen=%d %s %v", tr.Time.Sub(clock.Epoch), tr.Kind, tr.MemberID, tr.Generation, tr.Cause, tr.Moved)
			}
			for _, m := range members {
				rt.Logf("%s alive=%v stalled=%v busy=%v id=%s gen=%d owned=%v ownedGen=%d", m.name, m.alive, m.stalled, m.busy, m.id, m.gen, m.owned, m.ownedGen)
			}
		}
		checkOwners(rt, e, members, true)
		d := e.c.Describe("g")
		if len(d.Members) != len(live) {
			rt.Fatalf("after heal %d members in the group, %d alive\n%s", len(d.Members), len(live), e.describe("g"))
		}
		if len(live) >= 2 {
			seen["healed-with-2+"]++
		}
		for _, m := range live {
			if want := e.c.Assignment("g", m.id); !slices.Equal(m.owned, want) {
				rt.Fatalf("%s owns %v, coordinator says %v", m.name, m.owned, want)
			}
		}
	}
	// Rare paths (a rebalance timeout needs a member that stops answering
	// mid-rebalance) may need more than one batch of cases: run batches of
	// fresh random cases until every sometimes-counter has fired, up to a
	// bound, so the check neither passes vacuously nor flakes.
	for range 20 {
		rapid.Check(t, property)
		if t.Failed() || allSeen(seen) {
			break
		}
	}
}

// checkOwners checks ownership: members' view (per generation) and, in
// Stable, the coordinator's assignment.
func checkOwners(rt *rapid.T, e *env, members []*tmember, exact bool) {
	type key struct {
		gen int32
		tp  broker.TopicPartition
	}
	seen := map[key]string{}
	for _, m := range members {
		if !m.alive {
			continue
		}
		for _, tp := range m.owned {
			k := key{m.ownedGen, tp}
			if o, dup := seen[k]; dup {
				rt.Fatalf("%v owned by %s and %s in generation %d", tp, o, m.name, m.ownedGen)
			}
			seen[k] = m.name
		}
	}
	d := e.c.Describe("g")
	if d.State != Stable {
		return
	}
	owner := map[broker.TopicPartition]string{}
	subscribed := map[broker.TopicPartition]bool{}
	for _, dm := range d.Members {
		for _, tp := range dm.Assignment {
			if o, dup := owner[tp]; dup {
				rt.Fatalf("Stable: %v assigned to %s and %s", tp, o, dm.MemberID)
			}
			owner[tp] = dm.MemberID
		}
	}
	for _, m := range members {
		if e.c.Assignment("g", m.id) == nil && !slices.ContainsFunc(d.Members, func(x MemberDescription) bool { return x.MemberID == m.id }) {
			continue
		}
		for _, topic := range m.topics {
			n, _ := e.b.Partitions(topic)
			for p := range n {
				subscribed[broker.TopicPartition{Topic: topic, Partition: p}] = true
			}
		}
	}
	if !exact {
		return
	}
	for tp := range subscribed {
		if _, ok := owner[tp]; !ok {
			rt.Fatalf("Stable generation %d: %v has no owner\n%s", d.Generation, tp, e.describe("g"))
		}
	}
}

// sometimesConsumer must each happen in some case of
// TestConsumerGroupStateMachine, so that its checks do not pass vacuously.
var sometimesConsumer = []string{"session-expired", "rebalance-timeout", "leave", "static-leave", "static-rejoin", "revoking", "unreleased",
	"assigning", "fenced-epoch", "unreleased-instance", "commit-accepted", "commit-stale", "poll-timeout-leave", "resubscribe", "healed-with-2+"}

// TestConsumerGroupStateMachine drives one consumer group (KIP-848) with
// random joins (dynamic and static), closes, crashes, restarts, stalled
// applications, subscription changes, broker outages, stray heartbeats
// (lost responses, zombies, wrong epochs), commits and time steps, and
// checks after every action and every virtual second:
//   - a partition has at most one owner at any time, counting partitions
//     pending revocation as still owned, in the coordinator's view; among
//     live clients; and no live client consumes a partition the
//     coordinator does not count as its member's (a zombie aside: a
//     member the coordinator removed, which has not heard of it yet);
//   - a member's session ends exactly group.consumer.session.timeout.ms
//     after its last accepted heartbeat or the broker's return; its
//     rebalance timeout exactly its max.poll.interval.ms after the last
//     reconciliation step that left it partitions to revoke, or after the
//     broker's return, and only then;
//   - the group epoch never goes back and rises by one at a time; the
//     target assignment epoch never passes it, and no member's epoch
//     passes the target assignment epoch;
//   - a commit is accepted exactly when it carries the member's current
//     epoch (or epoch -1 to a group without members), and a rejected one
//     changes nothing.
//
// Then everyone left alive polls again for three minutes: the group must be
// Stable at its target assignment, every member at the group epoch owning
// exactly its target, every subscribed partition owned once.
func TestConsumerGroupStateMachine(t *testing.T) {
	seen := map[string]int{}
	defer func() {
		for _, k := range sometimesConsumer {
			if seen[k] == 0 && !t.Failed() {
				t.Errorf("no case exercised %s: %v", k, seen)
			}
		}
	}()
	property := func(rt *rapid.T) {
		assignor := rapid.SampledFrom([]string{"", "uniform", "range"}).Draw(rt, "assignor")
		e := newEnv(rt, map[string]int{"t": 5, "u": 3}, Config{})
		e.keepLog = os.Getenv("SMDEBUG") != ""
		var clients []*cclient
		lastEpoch := int32(0)
		// The timers: every accepted heartbeat restarts a member's session,
		// every reconciliation step that leaves it partitions to revoke its
		// rebalance timeout, and the broker's return both.
		session := DefaultConfig().ConsumerSessionTimeout
		lastHeartbeat := map[string]time.Time{}
		type revoking struct {
			at      time.Time
			timeout time.Duration
			// away: a static member that left with epoch -2 while it
			// was revoking keeps that state; only the broker's return
			// restarts its timer (Kafka's onLoaded), at was its leave.
			away bool
		}
		revokeFrom := map[string]revoking{}
		var upAt time.Time
		e.heartbeatOK = func(id string) { lastHeartbeat[id] = e.sim.Now() }
		e.c.OnTransition(func(tr Transition) {
			seen[tr.Kind.String()]++
			switch tr.Kind {
			case SessionExpired:
				if due := later(lastHeartbeat[tr.MemberID], upAt).Add(session); !tr.Time.Equal(due) {
					rt.Fatalf("%s's session expired at %v, due at %v (last heartbeat %v, broker back %v)", tr.MemberID,
						tr.Time.Sub(clock.Epoch), due.Sub(clock.Epoch), lastHeartbeat[tr.MemberID].Sub(clock.Epoch), upAt.Sub(clock.Epoch))
				}
				delete(revokeFrom, tr.MemberID)
			case RebalanceTimedOut:
				r, ok := revokeFrom[tr.MemberID]
				if due := later(r.at, upAt).Add(r.timeout); !ok || !tr.Time.Equal(due) || (r.away && !upAt.After(r.at)) {
					rt.Fatalf("%s removed for its rebalance timeout at %v: revoking %v since %v (broker back %v), due at %v", tr.MemberID,
						tr.Time.Sub(clock.Epoch), ok, r.at.Sub(clock.Epoch), upAt.Sub(clock.Epoch), due.Sub(clock.Epoch))
				}
				delete(revokeFrom, tr.MemberID)
			case StaticLeft:
				if r, ok := revokeFrom[tr.MemberID]; ok {
					revokeFrom[tr.MemberID] = revoking{at: tr.Time, timeout: r.timeout, away: true}
					seen["static-leave-revoking"]++
				}
			case MemberLeft, MemberFenced:
				delete(revokeFrom, tr.MemberID)
			case EpochBumped:
				if tr.Generation != lastEpoch+1 {
					rt.Fatalf("group epoch %d after %d: %+v", tr.Generation, lastEpoch, tr)
				}
				lastEpoch = tr.Generation
			case StateChanged:
				if tr.To == Assigning {
					seen["assigning"]++
				}
				if tr.To == Dead {
					lastEpoch = 0 // a new group of that id starts again
				}
			case MemberReconciled:
				delete(revokeFrom, tr.MemberID)
				if len(tr.Revoking) > 0 {
					seen["revoking"]++
					info, _ := e.c.ConsumerGroup(tr.Group)
					m, _ := info.member(tr.MemberID)
					revokeFrom[tr.MemberID] = revoking{at: tr.Time, timeout: m.RebalanceTimeout}
				}
			}
		})
		subs := [][]string{{"t"}, {"t", "u"}, {"u"}}
		pick := func(rt *rapid.T, filter func(*cclient) bool, label string) *cclient {
			var cs []*cclient
			for _, c := range clients {
				if filter(c) {
					cs = append(cs, c)
				}
			}
			if len(cs) == 0 {
				rt.Skip("no candidate")
			}
			return cs[rapid.IntRange(0, len(cs)-1).Draw(rt, label)]
		}
		alive := func(c *cclient) bool { return c.alive }
		instanceInUse := func(c *cclient) bool {
			for _, o := range clients {
				if o != c && o.alive && c.instanceID != "" && o.instanceID == c.instanceID {
					return true
				}
			}
			return false
		}
		dump := func(rt *rapid.T) {
			if !e.keepLog {
				return
			}
			for _, tr := range e.log {
				rt.Logf("%v %s %s epoch=%d member-epoch=%d %s", tr.Time.Sub(clock.Epoch), tr.Kind, tr.MemberID, tr.Generation, tr.MemberEpoch, tr.Cause)
			}
			for _, c := range clients {
				rt.Logf("%s alive=%v stalled=%v left=%v id=%s epoch=%d owned=%v lastErr=%v", c.name, c.alive, c.stalled, c.left, c.id, c.epoch, c.owned, c.lastErr)
			}
		}
		defer func() {
			if rt.Failed() {
				dump(rt)
			}
		}()
		check := func(rt *rapid.T) {
			checkSingleOwner(rt, e, "g", clients)
			info, ok := e.c.ConsumerGroup("g")
			if !ok {
				return
			}
			if info.GroupEpoch < lastEpoch || info.AssignmentEpoch > info.GroupEpoch {
				rt.Fatalf("epochs: group %d (last seen %d), assignment %d", info.GroupEpoch, lastEpoch, info.AssignmentEpoch)
			}
			held := map[string][]broker.TopicPartition{}
			for _, m := range info.Members {
				if m.MemberEpoch > info.AssignmentEpoch {
					rt.Fatalf("%s at epoch %d past the target's %d", m.MemberID, m.MemberEpoch, info.AssignmentEpoch)
				}
				if m.State == "UNRELEASED_PARTITIONS" {
					seen["unreleased"]++
				}
				held[m.MemberID] = append(slices.Clone(m.Assigned), m.PendingRevocation...)
			}
			for _, c := range clients {
				if !c.alive || zombie(info, c) {
					continue
				}
				for _, tp := range c.owned {
					if !slices.Contains(held[c.id], tp) {
						rt.Fatalf("%s consumes %v, which the coordinator does not count as %s's: %+v", c.name, tp, c.id, info)
					}
				}
			}
		}
		actions := map[string]func(*rapid.T){
			"join": func(rt *rapid.T) {
				if len(clients) >= 6 {
					rt.Skip("enough clients")
				}
				c := e.client(fmt.Sprintf("c%d", len(clients)), "g", rapid.SampledFrom(subs).Draw(rt, "topics")...)
				c.assignor = assignor
				c.maxPoll = time.Duration(rapid.SampledFrom([]int{20, 60}).Draw(rt, "maxpoll")) * time.Second
				if rapid.Bool().Draw(rt, "static") {
					c.instanceID = fmt.Sprintf("i%d", rapid.IntRange(0, 2).Draw(rt, "instance"))
					if instanceInUse(c) {
						rt.Skip("instance id in use")
					}
				}
				clients = append(clients, c)
				c.start()
			},
			"restart": func(rt *rapid.T) {
				c := pick(rt, func(c *cclient) bool { return !c.alive && c.fatal == nil }, "restart")
				if instanceInUse(c) {
					rt.Skip("instance id in use")
				}
				c.start()
			},
			"close": func(rt *rapid.T) {
				pick(rt, alive, "closer").close()
			},
			"crash": func(rt *rapid.T) { pick(rt, alive, "crasher").crash() },
			"resubscribe": func(rt *rapid.T) {
				// The next heartbeat is a full request with the new topics.
				c := pick(rt, alive, "resubscriber")
				c.topics = rapid.SampledFrom(subs).Draw(rt, "new topics")
				c.resend = true
				seen["resubscribe"]++
			},
			"broker down": func(rt *rapid.T) {
				e.b.SetAvailable(false)
				for range rapid.IntRange(1, 60).Draw(rt, "down seconds") {
					e.run(time.Second)
					check(rt)
				}
				e.b.SetAvailable(true)
				upAt = e.sim.Now()
			},
			"stall": func(rt *rapid.T) {
				pick(rt, func(c *cclient) bool { return c.alive && !c.stalled }, "staller").stall()
			},
			"unstall": func(rt *rapid.T) {
				c := pick(rt, func(c *cclient) bool { return c.alive && c.stalled }, "unstaller")
				if c.left {
					seen["poll-timeout-leave"]++
				}
				c.unstall()
			},
			"stray heartbeat": func(rt *rapid.T) {
				// A heartbeat whose response is lost (the client sends a
				// full request next), or a zombie's, sometimes with a
				// wrong epoch.
				c := pick(rt, func(c *cclient) bool { return c.id != "" }, "heartbeater")
				epoch := c.epoch + rapid.SampledFrom([]int32{0, 0, -1, 1}).Draw(rt, "skew")
				if epoch <= 0 {
					rt.Skip("not a heartbeat")
				}
				err := e.c.ConsumerHeartbeat(ConsumerHeartbeatRequest{Group: "g", MemberID: c.id, MemberEpoch: epoch, InstanceID: c.instanceID}).Err
				if err == nil {
					e.heartbeatOK(c.id)
				}
				c.resend = true
				switch kerr.CodeOf(err) {
				case kerr.NoError, kerr.UnknownMemberID, kerr.FencedInstanceID, kerr.GroupIDNotFound:
				case kerr.FencedMemberEpoch:
					seen["fenced-epoch"]++
				default:
					rt.Fatalf("stray heartbeat: unexpected %v", err)
				}
			},
			"commit": func(rt *rapid.T) {
				c := pick(rt, func(*cclient) bool { return true }, "committer")
				req := CommitRequest{Group: "g", MemberID: c.id, InstanceID: c.instanceID, Generation: c.epoch,
					Offsets: []OffsetCommit{{TopicPartition: broker.TopicPartition{Topic: "t", Partition: rapid.Int32Range(0, 4).Draw(rt, "p")}, Offset: rapid.Int64Range(0, 100).Draw(rt, "offset")}}}
				if rapid.IntRange(0, 5).Draw(rt, "admin") == 0 {
					req.MemberID, req.InstanceID, req.Generation = "", "", -1
				}
				info, isConsumer := e.c.ConsumerGroup("g")
				var valid bool
				switch {
				case !isConsumer:
					valid = req.Generation < 0 // a standalone commit to no group
				case req.Generation < 0:
					valid = len(info.Members) == 0
				default:
					m, ok := info.member(req.MemberID)
					valid = ok && m.MemberEpoch == req.Generation
				}
				before := e.c.FetchOffsets("g", nil)
				err := e.c.CommitOffsets(req)
				if err != nil && !maps.Equal(before, e.c.FetchOffsets("g", nil)) {
					rt.Fatalf("rejected commit (%v) changed offsets", err)
				}
				if (err == nil) != valid {
					rt.Fatalf("commit %+v: err %v, expected valid=%v; group %+v", req, err, valid, info)
				}
				switch {
				case err == nil:
					seen["commit-accepted"]++
				case errors.Is(err, kerr.StaleMemberEpoch):
					seen["commit-stale"]++
				}
			},
			"advance": func(rt *rapid.T) {
				for range rapid.IntRange(1, 30).Draw(rt, "seconds") {
					e.run(time.Second)
					check(rt)
				}
			},
			"": check,
		}
		rt.Repeat(actions)

		// Heal: no more faults; the living poll again.
		for _, c := range clients {
			if c.alive && c.stalled {
				c.unstall()
			}
		}
		for range 180 {
			e.run(time.Second)
			check(rt)
		}
		for _, c := range clients {
			if errors.Is(c.lastErr, kerr.UnreleasedInstanceID) {
				seen["unreleased-instance"]++
			}
		}
		var live []*cclient
		for _, c := range clients {
			if c.alive {
				live = append(live, c)
			}
		}
		info, ok := e.c.ConsumerGroup("g")
		if len(live) == 0 {
			if ok && len(info.Members) > 0 {
				rt.Fatalf("nobody alive, yet %+v", info)
			}
			return
		}
		if !ok || info.State != Stable || info.AssignmentEpoch != info.GroupEpoch || len(info.Members) != len(live) {
			rt.Fatalf("after heal: %+v (%d alive)", info, len(live))
		}
		subscribed := map[broker.TopicPartition]bool{}
		owner := map[broker.TopicPartition]string{}
		for _, c := range live {
			m, ok := info.member(c.id)
			if !ok || m.MemberEpoch != info.GroupEpoch || m.State != "STABLE" || len(m.PendingRevocation) > 0 ||
				!slices.Equal(m.Assigned, m.Target) || !slices.Equal(c.owned, m.Assigned) {
				rt.Fatalf("after heal, %s (%s epoch %d) owns %v: %+v", c.name, c.id, c.epoch, c.owned, m)
			}
			for _, tp := range c.owned {
				owner[tp] = c.name
			}
			for _, topic := range c.topics {
				n, _ := e.b.Partitions(topic)
				for p := range n {
					subscribed[broker.TopicPartition{Topic: topic, Partition: p}] = true
				}
			}
		}
		for tp := range subscribed {
			if _, ok := owner[tp]; !ok {
				rt.Fatalf("after heal %v has no owner: %+v", tp, info)
			}
		}
		if len(live) >= 2 {
			seen["healed-with-2+"]++
		}
	}
	for range 20 {
		rapid.Check(t, property)
		if t.Failed() || allSeenOf(seen, sometimesConsumer) {
			break
		}
	}
}

// later is the later of a and b.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func allSeenOf(seen map[string]int, kinds []string) bool {
	for _, k := range kinds {
		if seen[k] == 0 {
			return false
		}
	}
	return true
}
