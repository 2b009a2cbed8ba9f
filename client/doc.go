// Package client is kafkasim's user-facing Kafka API: a Consumer and a
// Producer shaped like confluent-kafka-go v2 (package kafka), so that a
// poll loop written for confluent-kafka-go compiles here with the few
// changes listed under "Go differences" below.
//
// The package holds only types and interfaces; backends implement them:
// client/sim runs in process on a virtual clock, client/kafka talks to real
// brokers through franz-go, client/rdkafka through the real librdkafka.
// Code written against Consumer and Producer runs on each.
// docs/getting-started-go.md walks from an empty module to a consumer and
// a property test; docs/kafka-semantics.md lists the consumer behaviours
// the simulator models and where each comes from.
//
// Configuration uses librdkafka's key names and defaults (see ConfigMap and
// the Keys table); a handful of keys of our own start with "kafkasim.".
// Error codes are internal/kerr's table re-exported as ErrorCode with their
// real numeric values, so errors.Is(err, client.ErrIllegalGeneration) works on
// every error a backend returns.
//
// Observation hooks (hooks.go) let a scenario runner or UI watch a consumer
// without growing the API: pass values implementing any of the Hook*
// interfaces when constructing a client.
//
// # Go differences
//
// Importing this package under the name kafka keeps most
// confluent-kafka-go code as it is:
//
//	import kafka "github.com/kafkasim/kafkasim/client"
//
// kafka.Message, kafka.TopicPartition, kafka.Error, kafka.ErrAllBrokersDown,
// kafka.PartitionEOF, kafka.OffsetTail, kafka.ConfigMap ... then name this
// package's types, with confluent-kafka-go's fields, values and methods.
// What differs, and why:
//
//	confluent-kafka-go v2                here                                   why
//	------------------------------------ -------------------------------------- ------------------------------------
//	*kafka.Consumer, *kafka.Producer     client.Consumer, client.Producer       one API, several backends: each
//	                                     (interfaces: drop the *)               backend implements these interfaces
//	kafka.NewConsumer(&kafka.ConfigMap{  cluster.NewConsumer(client.ConfigMap{  a simulated client belongs to a
//	  ...})                                ...}) on a sim.Cluster, or           cluster (sim.NewCluster); the map is
//	                                     kafka.NewConsumer(client.ConfigMap{    passed by value (it is a reference
//	                                       ...}) from client/kafka              already): drop the &
//	RebalanceCb func(*Consumer, Event)   RebalanceCb func(Consumer, Event)      as above: write c client.Consumer
//	TopicPartition.Topic *string         TopicPartition.Topic string            a partition always has a topic, and
//	                                                                            every package of kafkasim reads it: a
//	                                                                            pointer would cost a nil check
//	                                                                            everywhere for nothing. Migrate:
//	                                                                            Topic: &t -> Topic: t, *tp.Topic ->
//	                                                                            tp.Topic, tp.Topic == nil -> == ""
//	TopicPartition.LeaderEpoch,          absent                                 no leader epochs are modelled (one
//	Message.LeaderEpoch                                                         broker, no replication): delete them
//	Produce(m, deliveryChan chan Event), Produce(m, onDelivery func(*Message)), delivery reports are served by Poll
//	Producer.Events(), ProduceChannel()  Producer.Poll(timeoutMs)               and Flush, as in confluent-kafka-
//	                                                                            python: a channel fed by a background
//	                                                                            goroutine would make a simulation's
//	                                                                            order depend on the Go scheduler.
//	                                                                            Produce(m, nil) compiles unchanged
//	Consumer.Events(), Logs(), Stats     absent                                 the channel consumer is deprecated
//	                                                                            upstream; Poll serves everything
//	Poll(-1), ReadMessage(-1) wait       the same on real brokers; client/sim   nothing else can produce while the
//	until an event                       ends the wait at the cluster's         only caller waits in a simulation: an
//	                                     horizon (sim.MaxWait without one):     endless wait would spin virtual time
//	                                     Poll returns nil, ReadMessage an       for ever
//	                                     ErrTimedOut Error
//	a second Close() returns ErrState    returns nil                            a fault schedule closes and crashes
//	                                                                            clients the app may close again
//	ErrorCode.String() is the            the code's name ("_TIMED_OUT");        codes name themselves in timelines
//	description ("Local: Timed out"),    Error() of a bare code is both         and logs; compare codes (e.Code(),
//	as is Error() of a bare code         ("_TIMED_OUT: Local: Timed out")       errors.Is), not text
//	Error.IsRetriable() set only by the  IsRetriable() from the code for        a commit's retriability matters
//	transactional API; IsTimeout() not   every error; IsTimeout() also for      here; no transactions are modelled
//	for REQUEST_TIMED_OUT;               REQUEST_TIMED_OUT; no
//	TxnRequiresAbort()                   TxnRequiresAbort()
//	GetWatermarkOffsets of a partition   OffsetInvalid (-1001) for both,        the cache is kept per assigned
//	the client does not know:            no error                               partition
//	_UNKNOWN_PARTITION
//	transactions, idempotent producer,   absent                                 outside a consumer lesson; client/
//	AdminClient, OAuth and SASL                                                 kafka has a small Admin for its runs
//	setters, GetConsumerGroupMetadata
//	go.events.channel.enable,            accepted, without effect               there are no channels (see Events()
//	go.logs.channel.enable                                                      above)
//	a Consumer is safe across            client/sim's: several goroutines,      see client/sim's package doc,
//	goroutines                           served one call at a time              "Several goroutines"
//
// Additions with no confluent-kafka-go counterpart: CommitAsync,
// CommitMessageAsync and CommitOffsetsAsync (the result arrives as an
// OffsetsCommitted event, as the Python client's commit(asynchronous=True));
// MemberID; Offset.Tail; Error.TopicPartition (the partition an error
// event is about); ClosedError; Crasher (crash a client for a fault
// scenario); and the hooks.
//
// Example_confluentKafkaGoConsumer is confluent-kafka-go's consumer example
// with exactly these changes, run on client/sim.
//
// # From confluent-kafka-python
//
//	Consumer(conf)                  sim.Cluster.NewConsumer(client.ConfigMap{...})
//	consumer.subscribe([t], on_assign=..., on_revoke=...)
//	                                c.SubscribeTopics([]string{t}, rebalanceCb)
//	msg = consumer.poll(1.0)        ev := c.Poll(1000)  // *Message, Error, PartitionEOF, ...
//	msg.error().code() == KafkaError._PARTITION_EOF
//	                                case client.PartitionEOF: (with enable.partition.eof=true)
//	consumer.commit(message=msg, asynchronous=False)
//	                                c.CommitMessage(msg)
//	consumer.commit(message=msg)    c.CommitMessageAsync(msg) // result: OffsetsCommitted event
//	consumer.store_offsets(msg)     c.StoreMessage(msg)
//	consumer.get_watermark_offsets(tp)
//	                                c.QueryWatermarkOffsets(t, p, timeoutMs)
//	consumer.offsets_for_times(tps) c.OffsetsForTimes(tps, timeoutMs)
//	consumer.list_topics(t)         c.GetMetadata(&t, false, timeoutMs)
//	consumer.close()                c.Close()
package client
