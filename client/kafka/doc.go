// Package kafka is kafkasim's real-Kafka backend: client.Consumer and
// client.Producer (and client.Crasher) over github.com/twmb/franz-go (kgo,
// kadm), so code and scenarios written for client/sim run against a real
// cluster. Its tests run against kfake in process.
//
//	c, err := kafka.NewConsumer(client.ConfigMap{
//		"bootstrap.servers": "localhost:9092",
//		"group.id":          "billing",
//	}, hooks...)
//
// # How the confluent-style API maps onto kgo
//
//   - Poll returns one event at a time. Records come from
//     kgo.PollRecords into a buffer; kgo's goroutines hand everything else
//     (rebalance callbacks, commit results, connection errors) to a queue
//     and wake Poll.
//   - Rebalances: kgo's OnPartitionsAssigned / Revoked / Lost block until
//     Poll (or Close / Unsubscribe) has run the app's rebalance callback on
//     the app's goroutine, or returned the event
//     (go.application.rebalance.enable). An eager revoke therefore
//     completes, with its auto-commit, before JoinGroup — as in librdkafka,
//     and a consumer that does not poll holds the rebalance up. Start
//     positions are resolved in kgo.AdjustFetchOffsetsFn (committed,
//     explicit, or auto.offset.reset through ListOffsets) and reported to
//     HookPosition.
//   - Commits are raw OffsetCommit requests (v9) with the member id and
//     generation kgo holds, sent in order by one goroutine: the broker's
//     fencing answers reach the app unfiltered and commit metadata is
//     kept. Auto-commit is this package's: a timer committing the offsets
//     stored when Poll handed messages out (librdkafka), or positions
//     committed inside Poll (kafkasim.auto.commit.mode=java); kgo's own
//     autocommit is disabled, because its greedy mode would commit records
//     buffered but not yet returned by Poll.
//   - max.poll.interval.ms is emulated (kgo heartbeats in the background):
//     when Poll has not been called for that long, the member leaves the
//     group (its kgo client is closed, no commit), ErrMaxPollExceeded and a
//     lost revoke are queued, and the next Poll rejoins with a new client.
//   - Crash: callbacks become no-ops, the kgo root context is cancelled,
//     then the client is closed, so nothing is committed and no LeaveGroup
//     is sent (closing kgo normally would leave the group).
//   - Connection failures raise ErrTransport (once per broker and outage)
//     and ErrAllBrokersDown (when every known broker failed) events; Poll
//     never blocks past its timeout; Close is bounded by socket.timeout.ms.
//   - The producer's partitioner is broker.PartitionerByName behind a
//     kgo.Partitioner, so keys land on the partitions the simulator picks.
//
// # Configuration
//
// Translation lists how each librdkafka key is treated (honoured by a kgo
// option, emulated by this package, accepted without effect, or refused
// with an ErrInvalidArg naming the key for values kgo cannot honour:
// GSSAPI/OAUTHBEARER, encrypted keys, a group.remote.assignor other than
// uniform or range). group.protocol=consumer (KIP-848) runs on kgo's
// next-generation group client (kgo.ServerSideBalancer); the keys that
// protocol forbids are refused with librdkafka's messages. Secrets
// (sasl.password) go only into kgo's SASL mechanism: no log, error, event
// or hook carries them. enable.ssl.certificate.verification (KeySSLVerify)
// is accepted by this backend although client.Keys does not list it yet.
//
// # Differences from client/sim (for the fidelity check)
//
//   - Wall clock: timings (session expiry, rebalance latency) are real and
//     jitter; hooks carry time.Now and may run on kgo goroutines (never
//     concurrently with each other).
//   - Group protocol hooks: only GroupLeft and GroupRejoin are reported
//     (kgo does not expose JoinGroup / SyncGroup steps).
//   - Commit errors (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION) are returned
//     but the lost assignment follows at kgo's next heartbeat (within
//     heartbeat.interval.ms), not at once. After leaving on
//     max.poll.interval.ms, kfake answers a commit with ILLEGAL_GENERATION
//     where the simulator may say UNKNOWN_MEMBER_ID.
//   - kfake, like Kafka, rebalances when a static group leader rejoins; a
//     static non-leader gets its assignment back without a rebalance.
//   - Empty revokes are not delivered (eager or cooperative); assigns
//     always are.
//   - kfake has no group.initial.rebalance.delay.ms; the first rebalance
//     completes at once.
//   - group.protocol=consumer: kgo makes up a new member id for each
//     client, so after max.poll.interval.ms (a new kgo client) the member
//     rejoins under a new id where librdkafka keeps its own.
//   - A Seek on a manual (Assign) consumer stopped by
//     auto.offset.reset=error restarts fetching in place; Assign rebuilds
//     the direct kgo client (positions kept).
package kafka
