package check

// The generation fence (docs/guarantees.md, invariant 4) is reached when
// a commit arrives from a member of the group that carries a generation
// the group has left (ILLEGAL_GENERATION), or the new one before the
// leader's assignment is in (REBALANCE_IN_PROGRESS); with the consumer
// protocol, a member epoch the group has left (STALE_MEMBER_EPOCH).
//
// librdkafka's eager members (range, roundrobin) never get there: they
// give up their partitions through poll before they rejoin, and commit
// nothing until the new assignment is in. Cooperative-sticky members keep
// consuming, and committing, while the group rebalances; but the
// in-memory coordinator answers a JoinGroup or SyncGroup at the instant
// it can, so a commit falls between the group's move to a new generation
// and the member hearing of it only by chance. The package's own suite
// (Config.fence) therefore draws, per case, the group's assignor, a
// network delay for JoinGroup and SyncGroup (internal/testhook) and, for a
// cooperative group, a stream of messages through the chaos phase and the
// heal phase's rebalances; a search counts the cases that reach the fence
// (searchStats), so that the fence is not tested vacuously.

import (
	"fmt"
	"strings"
	"time"

	"pgregory.net/rapid"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/group"
	"github.com/kafkasim/kafkasim/internal/testhook"
	"github.com/kafkasim/kafkasim/scenarios"
)

// A fence case's stream: a second producer (streamID) sending a message
// every interval from 0s until early in the heal phase (stopStream), so
// that the consumers are busy, and commit, whenever a rebalance comes.
// Each list of choices starts with the simplest, which shrinking goes to.
var (
	streamIntervals = []time.Duration{0, 100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond} // 0: no stream
	latencies       = []time.Duration{50 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond, time.Second}
)

const (
	streamID = "s"
	// streamCap is what a stream may send: more than a chaos phase
	// lasts at its fastest.
	streamCap = 10_000
	// streamTail is how long a stream runs on into the heal phase.
	streamTail = 10 * time.Second
)

// drawFence draws a fence case's assignor (eager range or
// cooperative-sticky, for the whole group: classic groups only, unless
// Config.Consumer names one), for a cooperative group its stream of
// messages (eager members commit nothing while they rebalance: a stream
// would cost them time and reach nothing), and its JoinGroup/SyncGroup
// latency; a case of any other Config draws nothing and has none.
func drawFence(t *rapid.T, cfg *Config, sc *scenarios.Scenario) time.Duration {
	if !cfg.fence {
		return 0
	}
	coop := false
	if s, set := cfg.Consumer["partition.assignment.strategy"]; set {
		coop = strings.Contains(fmt.Sprint(s), "cooperative")
	} else if rapid.Bool().Draw(t, "cooperative") {
		for i := range sc.Consumers {
			c := &sc.Consumers[i]
			if fmt.Sprint(c.Config["group.protocol"]) != client.GroupProtocolConsumer {
				c.Config["partition.assignment.strategy"] = "cooperative-sticky"
				coop = true
			}
		}
	}
	if iv := rapid.SampledFrom(streamIntervals).Draw(t, "stream_interval"); coop && iv > 0 {
		sc.Producers = append(sc.Producers, scenarios.Producer{ID: streamID, Topic: cfg.topic(), Count: streamCap, Key: streamID + "-{i}",
			Partition: client.PartitionAny, Interval: iv})
	}
	return rapid.SampledFrom(latencies).Draw(t, "join_sync_latency")
}

// streaming reports whether a fence case's stream is still sending.
func (w *world) streaming() bool {
	for _, p := range w.sc.Producers {
		if p.ID == streamID && !w.stopped[p.ID] {
			return true
		}
	}
	return false
}

// stopStream ends a fence case's stream, streamTail into its heal phase
// (after the rebalances that bring back the consumers the chaos crashed
// or closed: more commits across rebalances): the scenario's stream
// producer then has sent what it sent, and says so, so that the case's
// scenario file sends as many.
func (w *world) stopStream() {
	w.do(func() {
		kept := w.sc.Producers[:0]
		for _, p := range w.sc.Producers {
			if p.ID == streamID && !w.stopped[p.ID] {
				w.stopped[p.ID] = true
				w.asked -= p.Count - w.sent[p.ID]
				p.Count = w.sent[p.ID]
			}
			if p.Count > 0 {
				kept = append(kept, p)
			}
		}
		w.sc.Producers = kept
	})
}

// withLatency is the coordinator's configuration with a JoinGroup/SyncGroup
// latency (none: unchanged).
func withLatency(g group.Config, lat time.Duration) group.Config {
	if lat <= 0 {
		return g
	}
	h := testhook.Group{}
	if g.Hooks != nil {
		h = *g.Hooks
	}
	h.Latency = lat
	g.Hooks = &h
	return g
}

// latencyNote is how a scenario file's summary records a case's latency,
// which the scenario format cannot carry: replayFile reads it back.
const latencyNote = " (JoinGroup/SyncGroup latency "

// cutLatency splits a latency note off a summary.
func cutLatency(summary string) (string, time.Duration) {
	i := strings.LastIndex(summary, latencyNote)
	if i < 0 || !strings.HasSuffix(summary, ")") {
		return summary, 0
	}
	d, err := time.ParseDuration(strings.TrimSuffix(summary[i+len(latencyNote):], ")"))
	if err != nil {
		return summary, 0
	}
	return summary[:i], d
}

// Fence errors: what a commit that reaches the generation fence gets, and
// what a removed member's (a zombie's) gets.
var (
	generationFence = []string{"ILLEGAL_GENERATION", "REBALANCE_IN_PROGRESS", "STALE_MEMBER_EPOCH"}
	memberFence     = []string{"UNKNOWN_MEMBER_ID", "FENCED_INSTANCE_ID"}
)

// fenceHits reports whether a case's timeline has a commit refused by
// the generation fence, and one refused by the member fence.
func fenceHits(events []scenarios.Event) (generation, member bool) {
	for i := range events {
		e := &events[i]
		if e.Kind != scenarios.KindCommitFailed || e.Group == "" {
			continue
		}
		for _, c := range generationFence {
			generation = generation || e.Error == c
		}
		for _, c := range memberFence {
			member = member || e.Error == c
		}
	}
	return generation, member
}

// searchStats counts what the cases of a search reached.
type searchStats struct {
	cases int
	// generation: cases with a commit refused by the generation fence;
	// member: by the member fence (a removed member's commit).
	generation, member int
}

func (s *searchStats) add(res *caseResult) {
	s.cases++
	g, m := fenceHits(res.events)
	if g {
		s.generation++
	}
	if m {
		s.member++
	}
}

// share is the part of the cases that reached the generation fence.
func (s *searchStats) share() float64 {
	if s.cases == 0 {
		return 0
	}
	return float64(s.generation) / float64(s.cases)
}

// String is the line a passing search logs.
func (s *searchStats) String() string {
	return fmt.Sprintf("kafkasim/check: %d cases passed; %d (%.1f%%) reached the generation fence (a commit refused with %s), %d had a removed member's commit refused (%s)",
		s.cases, s.generation, 100*s.share(), strings.Join(generationFence, ", "), s.member, strings.Join(memberFence, ", "))
}
