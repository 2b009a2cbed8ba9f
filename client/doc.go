// Package client is kafkasim's user-facing Kafka API: a Consumer and a
// Producer shaped like confluent-kafka-go v2 (package kafka), so that the poll
// loop learners write against confluent-kafka maps one to one onto it.
//
// The package holds only types and interfaces; backends implement them:
// client/sim runs in process on a virtual clock, client/kafka talks to real
// brokers. Code written against Consumer and Producer runs on either.
//
// Mapping from confluent-kafka-python:
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
//	consumer.close()                c.Close()
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
package client
