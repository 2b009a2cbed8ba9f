// Package group is kafkasim's group coordinator: the classic consumer group
// protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit,
// OffsetFetch) as a deterministic state machine over the states Empty,
// PreparingRebalance, CompletingRebalance, Stable and Dead, modelled on
// Apache Kafka's ClassicGroup / GroupCoordinator.
//
// The Coordinator has no goroutines and no wall clock. It is driven by the
// caller's requests and by timers on the clock.Clock it is given (session
// expiry, rebalance timeout, initial rebalance delay, pending sync). Replies
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
// Every change is reported to OnTransition observers with a plain-words
// cause, for timelines and the TUI.
package group
