// Package group is kafkasim's group coordinator: the classic consumer group
// protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit,
// OffsetFetch) as a deterministic state machine over the states Empty,
// PreparingRebalance, CompletingRebalance, Stable and Dead, modelled on
// Apache Kafka's ClassicGroup / GroupCoordinator; and beside it the
// consumer group protocol of KIP-848 (group.protocol=consumer: one
// ConsumerGroupHeartbeat request, member epochs, a target assignment
// computed by the coordinator, incremental reconciliation), over the states
// Empty, Assigning, Reconciling and Stable, modelled on Kafka's
// GroupMetadataManager, ConsumerGroup and CurrentAssignmentBuilder. A group
// id belongs to one protocol at a time. docs/kip-848.md lists the rules of
// the second one and where we simplify.
//
// The Coordinator has no goroutines and no wall clock. It is driven by the
// caller's requests and by timers on the clock.Clock it is given (session
// expiry, rebalance timeout, initial rebalance delay, pending sync; for
// consumer groups session and rebalance timeouts). Replies
// to Join and Sync are callbacks that are always delivered from the clock's
// event loop — at the current instant or when the rebalance completes —
// never from inside the Join or Sync call itself. Heartbeat, Leave and
// CommitOffsets answer at once.
//
// A client drives a member like this (what librdkafka does):
//
//  1. Join with an empty member id. A dynamic member gets
//     MEMBER_ID_REQUIRED and an id; it joins again at once with that id.
//  2. The JoinResponse names the generation, the chosen protocol and the
//     leader. The leader (JoinResponse.Members is non-empty only for it)
//     runs the assignor (see package group/assign and LeaderAssign) and
//     sends its result in Sync; the others Sync with no assignments.
//  3. Heartbeat every heartbeat.interval.ms (3 s). nil means all is well;
//     REBALANCE_IN_PROGRESS means join again (after revoking, for eager
//     protocols); ILLEGAL_GENERATION and UNKNOWN_MEMBER_ID mean the
//     assignment is lost (for UNKNOWN_MEMBER_ID also forget the member id)
//     and the member joins again; FENCED_INSTANCE_ID is fatal.
//  4. Leave on close (dynamic members only; a static member's close sends
//     no leave).
//
// A client of the consumer group protocol (group.protocol=consumer) drives
// a member with ConsumerHeartbeat alone, which answers at once:
//
//  1. Join: MemberEpoch 0, its own MemberID (or empty to have one drawn),
//     RebalanceTimeout = max.poll.interval.ms, SubscribedTopics,
//     ServerAssignor = group.remote.assignor (optional), Owned = an empty,
//     non-nil slice. Keep the MemberID and MemberEpoch of the response.
//  2. Heartbeat every HeartbeatInterval of the last response (the broker's
//     group.consumer.heartbeat.interval.ms, 5 s) with the last MemberEpoch.
//     Send Owned (what it owns now) when that changed since the last
//     heartbeat that reported it, and a full request (RebalanceTimeout,
//     SubscribedTopics and Owned) after any error; otherwise leave them nil.
//  3. When a response has HasAssignment, the Assignment is everything the
//     member should own: revoke (commit, then the revoke callback) what it
//     owns beyond it, assign the rest, and report Owned in the next
//     heartbeat. Partitions still owned by someone else are not in the
//     assignment yet; they come in a later response. Until the member
//     reports the revocation its epoch does not move.
//  4. Errors: FENCED_MEMBER_EPOCH — lose every partition and rejoin with
//     epoch 0 and the same member id; UNKNOWN_MEMBER_ID — lose every
//     partition and rejoin with epoch 0 and a new member id;
//     UNRELEASED_INSTANCE_ID — another process still holds the
//     group.instance.id: retry later; FENCED_INSTANCE_ID,
//     GROUP_ID_NOT_FOUND (the group id is a classic group),
//     UNSUPPORTED_ASSIGNOR, INVALID_REQUEST, GROUP_MAX_SIZE_REACHED are
//     reported to the application; COORDINATOR_NOT_AVAILABLE: retry.
//  5. Commit with CommitRequest.Generation = the member epoch. A commit
//     with any other epoch gets STALE_MEMBER_EPOCH and stores nothing (the
//     Java consumer then retries with the epoch of its next heartbeat).
//  6. Leave on close with MemberEpoch LeaveEpoch (-1), or LeaveStaticEpoch
//     (-2) for a static member, which keeps its partitions until it
//     returns under the same group.instance.id or its session (45 s, the
//     broker's group.consumer.session.timeout.ms) runs out.
//
// Every change is reported to OnTransition observers with a plain-words
// cause, for timelines and the TUI.
package group
