package group

// OffsetCommit (API key 8) and OffsetFetch (API key 9), as Kafka's
// ClassicGroup.validateOffsetCommit and the offset manager.
//
// Modelled: validation in the order of docs/kafka-semantics.md §4,
// generation −1 commits to an Empty or unknown group (manual assign, admin),
// all-or-nothing storage, a member's accepted commit also restarting its
// session (as the classic coordinator's
// completeAndScheduleNextHeartbeatExpiration). Not modelled: transactional
// commits, offset metadata size limits.

import (
	"slices"
	"time"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/internal/kerr"
)

// CommitOffsets handles an OffsetCommit request and answers at once. A
// commit to a consumer group (KIP-848) is checked by member epoch instead:
// Generation is then the member epoch, and the errors are
// UNKNOWN_MEMBER_ID and STALE_MEMBER_EPOCH (consumer_commit.go). For a
// classic group it validates in the order of docs/kafka-semantics.md §4 —
// a Dead group gets COORDINATOR_NOT_AVAILABLE from its former members; a
// generation < 0 commit to an Empty, unknown or Dead group is accepted (a
// Dead group starts afresh, as Kafka has removed it); then
// UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID, ILLEGAL_GENERATION, and
// REBALANCE_IN_PROGRESS in CompletingRebalance. A
// rejected commit stores nothing. While the broker is down the error wraps
// kerr.CoordinatorNotAvailable and broker.ErrUnavailable. The offsets are
// not checked against the log (Kafka does not either).
func (c *Coordinator) CommitOffsets(req CommitRequest) error {
	if !c.b.Available() {
		return unavailable("commit", req.Group)
	}
	if cg := c.consumer[req.Group]; cg != nil {
		return c.commitConsumer(cg, req)
	}
	g := c.commitGroup(req.Group)
	if g != nil && g.state == Dead && req.Generation >= 0 {
		return errf(kerr.CoordinatorNotAvailable, "commit", req.Group, "group is Dead")
	}
	if req.Generation < 0 && (g == nil || g.state == Empty || g.state == Dead) {
		// Kafka removes a Dead group from its cache, so a standalone commit
		// after every offset expired starts a new Empty group.
		if g == nil || g.state == Dead {
			g = c.getOrCreate(req.Group)
		}
		c.store(g, req)
		return nil
	}
	if g == nil {
		return errf(kerr.UnknownMemberID, "commit", req.Group, "no such group")
	}
	m, code := g.validateMember(req.MemberID, req.InstanceID)
	if c.cfg.TestingAcceptStaleCommits && (code != kerr.NoError || req.Generation != g.generation) {
		c.store(g, req) // planted bug: a fenced commit takes effect
		return nil
	}
	if code != kerr.NoError {
		return errf(code, "commit", req.Group, "member %s (instance %q) is not in the group", req.MemberID, req.InstanceID)
	}
	if h := c.cfg.Hooks; h != nil && h.AcceptPreviousGeneration && req.Generation == g.generation-1 {
		c.touch(m)
		c.store(g, req) // planted bug: a commit of the previous generation takes effect
		return nil
	}
	if req.Generation != g.generation {
		return errf(kerr.IllegalGeneration, "commit", req.Group, "generation %d, group is at %d", req.Generation, g.generation)
	}
	if g.state == CompletingRebalance {
		return errf(kerr.RebalanceInProgress, "commit", req.Group, "waiting for the leader's assignment")
	}
	now := c.clk.Now()
	c.touchAt(m, now)
	c.storeAt(g, req, now)
	return nil
}

func (c *Coordinator) store(g *group, req CommitRequest) {
	c.storeAt(g, req, c.clk.Now())
}

// storeAt is store with the time of now given.
func (c *Coordinator) storeAt(g *group, req CommitRequest, now time.Time) {
	for _, o := range req.Offsets {
		c.b.StoreCommittedOffset(g.id, o.TopicPartition, broker.OffsetAndMetadata{Offset: o.Offset, Metadata: o.Metadata, CommitTime: now})
	}
}

// FetchOffsets returns the group's committed offsets for tps, or every
// committed offset when tps is nil. A requested partition with no
// committed offset maps to Offset -1. It reads the broker's store directly
// and works for any group, known to the coordinator or not.
func (c *Coordinator) FetchOffsets(group string, tps []broker.TopicPartition) map[broker.TopicPartition]broker.OffsetAndMetadata {
	out := map[broker.TopicPartition]broker.OffsetAndMetadata{}
	if tps == nil {
		for _, o := range c.b.GroupOffsets(group) {
			out[o.TopicPartition] = o.OffsetAndMetadata
		}
		return out
	}
	for _, tp := range slices.Clone(tps) {
		if om, ok := c.b.CommittedOffset(group, tp); ok {
			out[tp] = om
		} else {
			out[tp] = broker.OffsetAndMetadata{Offset: -1}
		}
	}
	return out
}
