package group

// OffsetCommit to a consumer group (Kafka's
// ConsumerGroup.validateOffsetCommit, OffsetCommit version 9 and up).
//
// Modelled: a commit with epoch < 0 to a consumer group without members is
// accepted (admin tools, manual assignment); otherwise the member must be
// in the group (UNKNOWN_MEMBER_ID) and send exactly its current member
// epoch (STALE_MEMBER_EPOCH for an older or a newer one, as Kafka 4.0 to
// 4.2 do; KIP-1251's per-partition assignment epochs, which accept an
// older epoch for partitions the member already had, are not modelled).
// A commit does not restart the member's session, unlike in the classic
// protocol. Not modelled: the group.instance.id of the request (Kafka does
// not check it either for consumer groups), transactional commits.

import (
	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/internal/kerr"
)

func (c *Coordinator) commitConsumer(cg *cgroup, req CommitRequest) error {
	if req.Generation < 0 && len(cg.members) == 0 {
		c.storeOffsets(cg.id, req)
		return nil
	}
	m := cg.members[req.MemberID]
	if c.cfg.TestingAcceptStaleCommits && (m == nil || req.Generation != m.epoch) {
		c.storeOffsets(cg.id, req) // planted bug: a fenced commit takes effect
		return nil
	}
	if m == nil {
		return errf(kerr.UnknownMemberID, "commit", cg.id, "member %s is not in the group", req.MemberID)
	}
	if req.Generation != m.epoch {
		return errf(kerr.StaleMemberEpoch, "commit", cg.id, "member epoch %d, the member is at %d", req.Generation, m.epoch)
	}
	c.storeOffsets(cg.id, req)
	return nil
}

func (c *Coordinator) storeOffsets(group string, req CommitRequest) {
	now := c.clk.Now()
	for _, o := range req.Offsets {
		c.b.StoreCommittedOffset(group, o.TopicPartition, broker.OffsetAndMetadata{Offset: o.Offset, Metadata: o.Metadata, CommitTime: now})
	}
}
