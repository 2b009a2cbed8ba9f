package check

import (
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/scenarios"
)

// TestRegressCoopCommitIllegalGeneration replays a counterexample of
// invariant 3 the random search found (testdata/regress): a
// cooperative-sticky member's commit refused with ILLEGAL_GENERATION while
// its JoinGroup was in flight made it lose its assignment, and the
// assignment of the generation it was joining was applied after that
// lost revoke, so it owned partitions its next JoinGroup did not claim
// and the leader gave one of them to another member. librdkafka ignores
// ILLEGAL_GENERATION from a commit or heartbeat while it rebalances
// (rd_kafka_cgrp_revoke_all_rejoin_maybe) and discards a JoinGroup or
// SyncGroup answer it no longer waits for.
func TestRegressCoopCommitIllegalGeneration(t *testing.T) {
	const file = "testdata/regress/coop-commit-illegal-generation.yaml"
	cfg := Config{Guarantee: AtMostOnce, Handler: Handler{Strategy: CommitBeforeProcess}}
	events := replayPasses(t, file, cfg)
	// The run still reaches the fence this is about: a commit refused
	// with ILLEGAL_GENERATION while its member was joining. It loses
	// nothing: every lost assignment follows max.poll.interval.ms.
	refused := 0
	maxPoll := map[string]bool{}
	for _, e := range events {
		switch e.Kind {
		case scenarios.KindCommitFailed:
			if e.Error == "ILLEGAL_GENERATION" {
				refused++
			}
		case scenarios.KindMaxPoll:
			maxPoll[e.Actor] = true
		case scenarios.KindLost:
			if !maxPoll[e.Actor] {
				t.Errorf("T=%v %s lost %v with no max.poll.interval.ms expiry before it", e.At, e.Actor, e.Partitions)
			}
			maxPoll[e.Actor] = false
		}
	}
	if refused == 0 {
		t.Fatal("no commit was refused with ILLEGAL_GENERATION: the replay no longer tests the fence")
	}
}

// TestRegressCloseIgnoresJoinAnswer replays a counterexample of invariant
// 4 the random search found (testdata/regress): a member closing while its
// JoinGroup was in flight and the broker down took the JoinGroup answer
// while its close commit waited for the coordinator, and sent that commit
// with the new generation, in which it owned nothing; the coordinator
// accepted it. librdkafka ignores a JoinGroup answer once it is closing
// (RD_KAFKA_CGRP_F_TERMINATE in rd_kafka_cgrp_handle_JoinGroup): the
// commit carries the generation the member revoked in, and is refused.
func TestRegressCloseIgnoresJoinAnswer(t *testing.T) {
	const file = "testdata/regress/close-commit-join-answer.yaml"
	cfg := Config{Guarantee: AtLeastOnce, Handler: Handler{Strategy: StoreAfterProcess}}
	events := replayPasses(t, file, cfg)
	// c3's close commit is sent with generation 2 and refused.
	var closeCommit *scenarios.Event
	for i, e := range events {
		if e.Actor == "c3" && e.Commit == scenarios.CommitClose && (e.Kind == scenarios.KindCommitOK || e.Kind == scenarios.KindCommitFailed) {
			closeCommit = &events[i]
		}
	}
	if closeCommit == nil || closeCommit.Kind != scenarios.KindCommitFailed || closeCommit.Generation != 2 || closeCommit.Error != "ILLEGAL_GENERATION" {
		t.Fatalf("c3's close commit: %+v, want refused with ILLEGAL_GENERATION in generation 2", closeCommit)
	}
}

// TestRegressRejoinLosesAssignment replays a counterexample of invariant 4
// the random search found (testdata/regress): c1, removed from the group
// while it owned t[0], joined anew (UNKNOWN_MEMBER_ID, then
// MEMBER_ID_REQUIRED) still holding t[0], which c2 owned meanwhile, and
// committed it on close in a generation where c2 owned it. librdkafka's
// cooperative consumer loses its assignment on MEMBER_ID_REQUIRED before
// it rejoins (rd_kafka_cgrp_handle_JoinGroup).
func TestRegressRejoinLosesAssignment(t *testing.T) {
	const file = "testdata/regress/rejoin-member-id-required.yaml"
	cfg := Config{Guarantee: NoGuarantee, Handler: Handler{Strategy: AutoCommit}}
	events := replayPasses(t, file, cfg)
	// c1 learns it must join anew and loses t[0] before its JoinGroup
	// reaches the group as a new member.
	lost := false
	for _, e := range events {
		if e.Actor == "c1" && e.Kind == scenarios.KindLost && len(e.Partitions) == 1 && e.Partitions[0].Partition == 0 {
			lost = true
		}
		if e.Kind == scenarios.KindGroupState && e.State == "PreparingRebalance" && e.At > 30*time.Second {
			if !lost {
				t.Fatalf("T=%v c1 joins anew without having lost t[0]", e.At)
			}
			return
		}
	}
	t.Fatal("c1 never joined the group anew")
}

// replayPasses replays the counterexample in file under cfg, fails the
// test if it still breaks a rule, and returns the timeline of the same
// schedule run again (the check's own latency, no invariant stop) for
// the test's own assertions.
func replayPasses(t *testing.T, file string, cfg Config) []scenarios.Event {
	t.Helper()
	if f := Replay(t, file, cfg); f != nil {
		t.Fatalf("the counterexample still breaks a rule:\n%s", f.Error())
	}
	sc, err := scenarios.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	cfg = cfg.withDefaults()
	cfg.tt, cfg.Name = t, t.Name()
	_, latency := cutLatency(sc.Summary)
	res := execute(sc, &cfg, false, latency)
	if res.err != nil || len(res.problems) > 0 {
		t.Fatalf("run: %v %v", res.err, res.problems)
	}
	return res.events
}
