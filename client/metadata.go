package client

// BrokerMetadata describes one broker of a cluster.
type BrokerMetadata struct {
	ID   int32
	Host string
	Port int
}

// PartitionMetadata describes one partition: its leader, replicas and
// in-sync replicas (broker ids), and an error when the partition could not
// be described (Error.Code() is ErrNoError otherwise).
type PartitionMetadata struct {
	ID       int32
	Error    Error
	Leader   int32
	Replicas []int32
	Isrs     []int32
}

// TopicMetadata describes one topic. A topic that does not exist is
// listed with Error ErrUnknownTopicOrPart and no partitions.
type TopicMetadata struct {
	Topic      string
	Partitions []PartitionMetadata
	Error      Error
}

// Metadata is what GetMetadata returns: the cluster's brokers, the topics
// asked for by name, and the broker that answered.
type Metadata struct {
	Brokers []BrokerMetadata
	Topics  map[string]TopicMetadata

	OriginatingBroker BrokerMetadata
}
