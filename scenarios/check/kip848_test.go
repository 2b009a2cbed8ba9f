package check

import (
	"strings"
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/group"
	"github.com/kafkasim/kafkasim/internal/testhook"
	"github.com/kafkasim/kafkasim/scenarios"
)

// consumerProtocol is Config.Consumer for the consumer group protocol of
// KIP-848 (group.protocol=consumer).
func consumerProtocol() client.ConfigMap {
	return client.ConfigMap{"group.protocol": client.GroupProtocolConsumer}
}

// TestGuaranteeMatrixConsumerProtocol is the guarantee matrix with every
// consumer on the consumer group protocol (KIP-848): the same forbidden
// outcomes and the same faults, stalls included, and the invariants after
// every event judged by member epochs (kip848.go): commits fenced by the
// member's own epoch, a partition assigned only once its holder revoked
// it, the rebalance timeout counted from the revocation request, the
// broker's session. Half the classic matrix's cases per row: a row's
// cases take about as long, and together the two matrices stay within
// the suite's time (KAFKASIM_CHECKS).
func TestGuaranteeMatrixConsumerProtocol(t *testing.T) {
	for _, row := range matrix {
		t.Run(row.name, func(t *testing.T) {
			TestConsumer(t, Config{Guarantee: row.g, Handler: row.h, Consumer: consumerProtocol(),
				Dir: failuresDir(t), Cases: suiteCases(0.06)})
		})
	}
}

// TestSometimesConsumerProtocol proves the consumer-protocol matrix's
// checks are not vacuous: its cases do reach what they judge. The rarest
// (a member removed for its rebalance timeout: a stalled member asked to
// revoke whose own leave was lost to an outage) shows up in about one
// case in 400 with every fault, one in 150 with only those it needs.
func TestSometimesConsumerProtocol(t *testing.T) {
	n := 5 * max(suiteCases(0.1), 3000)
	event := func(match func(e *scenarios.Event) bool) func(*caseResult) bool {
		return func(r *caseResult) bool {
			for i := range r.events {
				if match(&r.events[i]) {
					return true
				}
			}
			return false
		}
	}
	at := func(s Strategy) Config {
		return Config{Handler: Handler{Strategy: s}, Consumer: consumerProtocol()}
	}
	cases := []struct {
		name string
		cfg  Config
		seen func(*caseResult) bool
	}{
		{"revocation-requested", at(CommitAfterEach), event(func(e *scenarios.Event) bool {
			return isReconcileStep(e) && strings.Contains(e.Detail, "must still revoke")
		})},
		{"revoke-commit-accepted", at(AutoCommit), event(func(e *scenarios.Event) bool {
			return e.Kind == scenarios.KindCommitOK && e.Commit == "revoke"
		})},
		{"crashed-member-session-expires", at(CommitAfterEach), event(func(e *scenarios.Event) bool {
			return e.Kind == scenarios.KindMemberExpired && e.Detail == "session-expired"
		})},
		// Only the faults it needs: found in a fifth of the cases.
		{"rebalance-timeout", Config{Handler: Handler{Strategy: CommitAfterEach}, Consumer: consumerProtocol(), Faults: Stall | BrokerOutage | Crash | Restart}, event(func(e *scenarios.Event) bool {
			return e.Kind == scenarios.KindMemberExpired && e.Detail == "rebalance-timeout"
		})},
		{"stale-member-epoch-refused", at(CommitAfterEach), event(func(e *scenarios.Event) bool {
			return e.Kind == scenarios.KindCommitFailed && (e.Error == "STALE_MEMBER_EPOCH" || e.Error == "UNKNOWN_MEMBER_ID")
		})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "rebalance-timeout" && testing.Short() {
				// CI's race run: under the race detector this search
				// took from 3 s to 80 s; the full run searches it.
				t.Skip("-short: the rarest search is left to the full run")
			}
			if !sometimes(t, c.cfg, n, c.seen) {
				t.Fatalf("no case out of %d showed it: the check would pass vacuously", n)
			}
		})
	}
}

// TestPlantedStaleMemberEpoch: the coordinator stores a consumer
// group's commit that carries another epoch than its member's, or comes
// from a member not in the group (instead of STALE_MEMBER_EPOCH or
// UNKNOWN_MEMBER_ID). The consumer-protocol matrix must see it.
func TestPlantedStaleMemberEpoch(t *testing.T) {
	cfg := Config{Guarantee: AtLeastOnce, Consumer: consumerProtocol(), group: group.Config{TestingAcceptStaleCommits: true}}
	planted(t, cfg, max(suiteCases(0.05), 1000), "invariant 4 (fenced commits): STALE-COMMIT-ACCEPTED")
}

// TestPlantedLateSessionConsumerProtocol: the coordinator ends a
// consumer group member's session 2 s late; a crashed member's shows it
// (the broker's group.consumer.session.timeout.ms).
func TestPlantedLateSessionConsumerProtocol(t *testing.T) {
	cfg := Config{Guarantee: AtLeastOnce, Consumer: consumerProtocol(), group: group.Config{Hooks: &testhook.Group{LateSession: 2 * time.Second}}}
	planted(t, cfg, max(suiteCases(0.05), 1000), "invariant 7 (timers on time)", "group.consumer.session.timeout.ms", "but it was due at")
}

// timeline48 builds a consumer group's timeline by hand: group g, topic
// t, one partition.
type timeline48 struct{ ev []scenarios.Event }

var t0 = scenarios.TP{Topic: "t", Partition: 0}

func (h *timeline48) add(actor string, k scenarios.Kind, member string, epoch int32, f func(*scenarios.Event)) *timeline48 {
	e := scenarios.Event{Seq: len(h.ev), Actor: actor, Kind: k, Group: "g", Member: member, Generation: epoch, Partition: -1, Offset: -1}
	if f != nil {
		f(&e)
	}
	h.ev = append(h.ev, e)
	return h
}

func (h *timeline48) join(c, member string, epoch int32) *timeline48 {
	return h.add(c, scenarios.KindJoin, member, epoch, func(e *scenarios.Event) { e.Detail = joinedDetail })
}

// step is the coordinator's reconciliation step for member: its epoch,
// and whether it now owns t[0] (or must still revoke it).
func (h *timeline48) step(member string, epoch int32, owns, revoking bool) *timeline48 {
	return h.add("group:g", scenarios.KindGroupEvent, member, epoch, func(e *scenarios.Event) {
		e.Detail = reconcilePrefix + member + " at member epoch"
		if owns {
			e.Partitions = []scenarios.TP{t0}
		}
		if revoking {
			e.Detail += ", which must still revoke t[0]"
		}
	})
}

func (h *timeline48) parts(c, member string, epoch int32, k scenarios.Kind) *timeline48 {
	return h.add(c, k, member, epoch, func(e *scenarios.Event) { e.Partitions = []scenarios.TP{t0} })
}

func (h *timeline48) commit(c, member string, epoch int32, off int64) *timeline48 {
	return h.add(c, scenarios.KindCommitOK, member, epoch, func(e *scenarios.Event) {
		e.Topic, e.Partition, e.Offset, e.Commit = "t", 0, off, "manual"
	})
}

func (h *timeline48) state(s string, groupEpoch int32) *timeline48 {
	return h.add("group:g", scenarios.KindGroupState, "", groupEpoch, func(e *scenarios.Event) { e.State = s })
}

// check feeds the timeline to a checker and returns the first problem.
func (h *timeline48) check() *problem {
	h.ev = append([]scenarios.Event{
		{Actor: "p", Kind: scenarios.KindProduce, Topic: "t", Offset: 0, Generation: -1},
		{Actor: "p", Kind: scenarios.KindProduce, Topic: "t", Offset: 1, Generation: -1},
	}, h.ev...)
	for i := range h.ev {
		h.ev[i].Seq = i
	}
	return newChecker(&Config{Guarantee: NoGuarantee}, nil).feed(h.ev)
}

// twoMembers is c2 joining c1's group: the group epoch goes to 2; c1,
// at epoch 1, still holds t[0], which the new target gives c2.
func twoMembers() *timeline48 {
	h := &timeline48{}
	h.step("m1", 1, true, false).join("c1", "m1", 1).parts("c1", "m1", 1, scenarios.KindAssign).state("Stable", 1)
	return h.state("Reconciling", 2).step("m2", 2, false, false).join("c2", "m2", 2)
}

// scaleOut goes on: c1 stays at epoch 1 revoking t[0] and commits it
// with that epoch.
func scaleOut() *timeline48 {
	return twoMembers().step("m1", 1, false, true).parts("c1", "m1", 1, scenarios.KindRevoke).commit("c1", "m1", 1, 1)
}

// TestCheckerMemberEpochs: in a consumer group the checker judges
// commits and owners by member epoch (invariants 3 and 4), where the
// classic rules would see commits from an old generation.
func TestCheckerMemberEpochs(t *testing.T) {
	// c1 confirms, moves to epoch 2, and c2 gets t[0].
	ok := scaleOut().step("m1", 2, false, false).step("m2", 2, true, false).parts("c2", "m2", 2, scenarios.KindAssign).commit("c2", "m2", 2, 2)
	// A holder removed from the group (its session expired) no longer
	// holds the partition back: it is a zombie.
	zombie := twoMembers().add("group:g", scenarios.KindMemberExpired, "m1", 2, nil).parts("c2", "m2", 2, scenarios.KindAssign)
	for name, h := range map[string]*timeline48{"scale-out": ok, "zombie": zombie} {
		if p := h.check(); p != nil {
			t.Errorf("%s: %s: %s", name, p.rule, p.text)
		}
	}
	for _, c := range []struct {
		name       string
		h          *timeline48
		rule, text string
	}{
		{"commit with the epoch before the member's", scaleOut().step("m1", 2, false, false).commit("c1", "m1", 1, 1),
			ruleFence + ": STALE-COMMIT-ACCEPTED", "the member is at epoch 2 (STALE_MEMBER_EPOCH expected)"},
		{"commit with an epoch the member has not reached", scaleOut().commit("c2", "m2", 3, 1),
			ruleFence + ": STALE-COMMIT-ACCEPTED", "the member is at epoch 2"},
		{"commit from a member never in the group", scaleOut().commit("c3", "m3", 2, 1),
			ruleFence + ": STALE-COMMIT-ACCEPTED", "never joined the group"},
		{"commit of the revoked partition after the member moved on", scaleOut().step("m1", 2, false, false).commit("c1", "m1", 2, 1),
			ruleFence + ": commit from a non-owner", "c1 revoked it in generation 1"},
		{"assigned before its holder revoked it", twoMembers().parts("c2", "m2", 2, scenarios.KindAssign),
			ruleOwner, "t[0] was assigned to c2 (member epoch 2) while c1 still owned it"},
	} {
		p := c.h.check()
		if p == nil || p.rule != c.rule || !strings.Contains(p.text, c.text) {
			t.Errorf("%s: got %+v, want %s: …%s…", c.name, p, c.rule, c.text)
		}
	}
}
