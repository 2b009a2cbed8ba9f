package client

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestConsumerDefaults(t *testing.T) {
	c, err := ParseConsumerConfig(ConfigMap{"group.id": "g"})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		key       string
		got, want any
	}{
		{"session.timeout.ms", c.SessionTimeout, 45 * time.Second},
		{"heartbeat.interval.ms", c.HeartbeatInterval, 3 * time.Second},
		{"max.poll.interval.ms", c.MaxPollInterval, 300 * time.Second},
		{"enable.auto.commit", c.EnableAutoCommit, true},
		{"auto.commit.interval.ms", c.AutoCommitInterval, 5 * time.Second},
		{"enable.auto.offset.store", c.EnableAutoOffsetStore, true},
		{"auto.offset.reset", c.AutoOffsetReset, "largest"},
		{"enable.partition.eof", c.EnablePartitionEOF, false},
		{"partition.assignment.strategy", strings.Join(c.AssignmentStrategies, ","), "range,roundrobin"},
		{"cooperative", c.Cooperative, false},
		{"group.instance.id", c.InstanceID, ""},
		{"isolation.level", c.IsolationLevel, "read_committed"},
		{"allow.auto.create.topics", c.AllowAutoCreateTopics, false},
		{"client.id", c.ClientID, "rdkafka"},
		{"group.protocol", c.GroupProtocol, "classic"},
		{"kafkasim.auto.commit.mode", c.AutoCommitMode, AutoCommitLibrdkafka},
		{"go.application.rebalance.enable", c.ApplicationRebalance, false},
		{"fetch.max.bytes", c.FetchMaxBytes, 52428800},
		{"max.partition.fetch.bytes", c.MaxPartitionFetchBytes, 1048576},
		{"fetch.wait.max.ms", c.FetchWaitMax, 500 * time.Millisecond},
		{"socket.timeout.ms", c.SocketTimeout, time.Minute},
		{"security.protocol", c.SecurityProtocol, "plaintext"},
		{"sasl.mechanisms", c.SASLMechanism, "GSSAPI"},
		{"bootstrap.servers", len(c.BootstrapServers), 0},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s default = %v, want %v", ck.key, ck.got, ck.want)
		}
	}
}

func TestProducerDefaults(t *testing.T) {
	p, err := ParseProducerConfig(ConfigMap{"bootstrap.servers": "a:9092, b:9092"})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		key       string
		got, want any
	}{
		{"acks", p.Acks, -1},
		{"linger.ms", p.Linger, 5 * time.Millisecond},
		{"partitioner", p.Partitioner, "consistent_random"},
		{"sticky.partitioning.linger.ms", p.StickyLinger, 10 * time.Millisecond},
		{"enable.idempotence", p.EnableIdempotence, false},
		{"message.timeout.ms", p.MessageTimeout, 300 * time.Second},
		{"retries", p.Retries, 2147483647},
		{"retry.backoff.ms", p.RetryBackoff, 100 * time.Millisecond},
		{"compression.type", p.CompressionType, "none"},
		{"queue.buffering.max.messages", p.QueueMaxMessages, 100000},
		{"go.delivery.reports", p.DeliveryReports, true},
		{"bootstrap.servers", strings.Join(p.BootstrapServers, "|"), "a:9092|b:9092"},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s default = %v, want %v", ck.key, ck.got, ck.want)
		}
	}
}

// TestEveryKeyDefaultParses checks that each key's documented default is
// itself an accepted value, and each key rejects a nonsense value with an
// error naming the key, the value and what is allowed.
func TestEveryKeyDefaultAndBadValue(t *testing.T) {
	for _, k := range Keys {
		t.Run(k.Name, func(t *testing.T) {
			base := ConfigMap{"group.id": "g"}
			base[k.Name] = k.Default
			if k.Name == "group.id" {
				base[k.Name] = "g"
			}
			var err error
			if k.Scope == ScopeProducer {
				_, err = ParseProducerConfig(base)
			} else {
				_, err = ParseConsumerConfig(base)
			}
			if err != nil {
				t.Fatalf("default %q rejected: %v", k.Default, err)
			}
			if k.Type == TypeString {
				return // any string is valid
			}
			bad := ConfigMap{"group.id": "g", k.Name: "maybe"}
			if k.Scope == ScopeProducer {
				_, err = ParseProducerConfig(bad)
			} else {
				_, err = ParseConsumerConfig(bad)
			}
			if err == nil {
				t.Fatal("accepted \"maybe\"")
			}
			want := k.Name + `: invalid value "maybe": expected ` + k.Allowed
			if err.Error() != want {
				t.Fatalf("error %q, want %q", err, want)
			}
			if !errors.Is(err, ErrInvalidArg) {
				t.Fatalf("error %v is not ErrInvalidArg", err)
			}
		})
	}
}

func TestAcceptedSpellings(t *testing.T) {
	cases := []struct {
		key  string
		in   ConfigValue
		get  func(ConsumerConfig) any
		want any
	}{
		{"auto.offset.reset", "smallest", func(c ConsumerConfig) any { return c.AutoOffsetReset }, "smallest"},
		{"auto.offset.reset", "earliest", func(c ConsumerConfig) any { return c.AutoOffsetReset }, "smallest"},
		{"auto.offset.reset", "beginning", func(c ConsumerConfig) any { return c.AutoOffsetReset }, "smallest"},
		{"auto.offset.reset", "largest", func(c ConsumerConfig) any { return c.AutoOffsetReset }, "largest"},
		{"auto.offset.reset", "latest", func(c ConsumerConfig) any { return c.AutoOffsetReset }, "largest"},
		{"auto.offset.reset", "end", func(c ConsumerConfig) any { return c.AutoOffsetReset }, "largest"},
		{"auto.offset.reset", "error", func(c ConsumerConfig) any { return c.AutoOffsetReset }, "error"},
		{"enable.auto.commit", false, func(c ConsumerConfig) any { return c.EnableAutoCommit }, false},
		{"enable.auto.commit", "false", func(c ConsumerConfig) any { return c.EnableAutoCommit }, false},
		{"enable.auto.commit", "f", func(c ConsumerConfig) any { return c.EnableAutoCommit }, false},
		{"enable.auto.commit", "0", func(c ConsumerConfig) any { return c.EnableAutoCommit }, false},
		{"enable.auto.commit", 0, func(c ConsumerConfig) any { return c.EnableAutoCommit }, false},
		{"enable.partition.eof", true, func(c ConsumerConfig) any { return c.EnablePartitionEOF }, true},
		{"enable.partition.eof", "true", func(c ConsumerConfig) any { return c.EnablePartitionEOF }, true},
		{"enable.partition.eof", "t", func(c ConsumerConfig) any { return c.EnablePartitionEOF }, true},
		{"enable.partition.eof", "1", func(c ConsumerConfig) any { return c.EnablePartitionEOF }, true},
		{"enable.auto.offset.store", "false", func(c ConsumerConfig) any { return c.EnableAutoOffsetStore }, false},
		{"session.timeout.ms", 10000, func(c ConsumerConfig) any { return c.SessionTimeout }, 10 * time.Second},
		{"session.timeout.ms", "10000", func(c ConsumerConfig) any { return c.SessionTimeout }, 10 * time.Second},
		{"session.timeout.ms", 10000.0, func(c ConsumerConfig) any { return c.SessionTimeout }, 10 * time.Second},
		{"session.timeout.ms", int64(10000), func(c ConsumerConfig) any { return c.SessionTimeout }, 10 * time.Second},
		{"heartbeat.interval.ms", 100, func(c ConsumerConfig) any { return c.HeartbeatInterval }, 100 * time.Millisecond},
		{"max.poll.interval.ms", 60000, func(c ConsumerConfig) any { return c.MaxPollInterval }, time.Minute},
		{"auto.commit.interval.ms", 0, func(c ConsumerConfig) any { return c.AutoCommitInterval }, time.Duration(0)},
		{"partition.assignment.strategy", "cooperative-sticky", func(c ConsumerConfig) any { return c.Cooperative }, true},
		{"partition.assignment.strategy", "roundrobin, range", func(c ConsumerConfig) any { return strings.Join(c.AssignmentStrategies, ",") }, "roundrobin,range"},
		{"partition.assignment.strategy", []string{"range"}, func(c ConsumerConfig) any { return strings.Join(c.AssignmentStrategies, ",") }, "range"},
		{"group.instance.id", "pod-1", func(c ConsumerConfig) any { return c.InstanceID }, "pod-1"},
		{"isolation.level", "read_uncommitted", func(c ConsumerConfig) any { return c.IsolationLevel }, "read_uncommitted"},
		{"kafkasim.auto.commit.mode", "java", func(c ConsumerConfig) any { return c.AutoCommitMode }, AutoCommitJava},
		{"security.protocol", "SASL_SSL", func(c ConsumerConfig) any { return c.SecurityProtocol }, "sasl_ssl"},
		{"sasl.mechanism", "scram-sha-512", func(c ConsumerConfig) any { return c.SASLMechanism }, "SCRAM-SHA-512"},
		{"metadata.broker.list", "h:1", func(c ConsumerConfig) any { return c.BootstrapServers[0] }, "h:1"},
		{"fetch.message.max.bytes", 2048, func(c ConsumerConfig) any { return c.MaxPartitionFetchBytes }, 2048},
		{"go.application.rebalance.enable", true, func(c ConsumerConfig) any { return c.ApplicationRebalance }, true},
		{"linger.ms", 100, func(ConsumerConfig) any { return nil }, nil}, // producer key: accepted, ignored
	}
	for _, tc := range cases {
		c, err := ParseConsumerConfig(ConfigMap{"group.id": "g", tc.key: tc.in})
		if err != nil {
			t.Errorf("%s=%v: %v", tc.key, tc.in, err)
			continue
		}
		if got := tc.get(c); got != tc.want {
			t.Errorf("%s=%v: got %v, want %v", tc.key, tc.in, got, tc.want)
		}
	}
	pcases := []struct {
		key  string
		in   ConfigValue
		get  func(ProducerConfig) any
		want any
	}{
		{"acks", "all", func(p ProducerConfig) any { return p.Acks }, -1},
		{"acks", -1, func(p ProducerConfig) any { return p.Acks }, -1},
		{"acks", 0, func(p ProducerConfig) any { return p.Acks }, 0},
		{"acks", "1", func(p ProducerConfig) any { return p.Acks }, 1},
		{"request.required.acks", 1, func(p ProducerConfig) any { return p.Acks }, 1},
		{"queue.buffering.max.ms", 20, func(p ProducerConfig) any { return p.Linger }, 20 * time.Millisecond},
		{"partitioner", "murmur2_random", func(p ProducerConfig) any { return p.Partitioner }, "murmur2_random"},
		{"enable.idempotence", true, func(p ProducerConfig) any { return p.EnableIdempotence }, true},
		{"delivery.timeout.ms", 1000, func(p ProducerConfig) any { return p.MessageTimeout }, time.Second},
		{"compression.codec", "zstd", func(p ProducerConfig) any { return p.CompressionType }, "zstd"},
		{"group.id", "g", func(ProducerConfig) any { return nil }, nil}, // consumer key: accepted, ignored
	}
	for _, tc := range pcases {
		p, err := ParseProducerConfig(ConfigMap{tc.key: tc.in})
		if err != nil {
			t.Errorf("%s=%v: %v", tc.key, tc.in, err)
			continue
		}
		if got := tc.get(p); got != tc.want {
			t.Errorf("%s=%v: got %v, want %v", tc.key, tc.in, got, tc.want)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	cases := []struct {
		m        ConfigMap
		producer bool
		want     string
	}{
		{ConfigMap{"group.id": "g", "enable.auto.commit": "maybe"}, false, `enable.auto.commit: invalid value "maybe": expected true or false`},
		{ConfigMap{"group.id": "g", "enable.auto.commit": "True"}, false, `enable.auto.commit: invalid value "True": expected true or false`},
		{ConfigMap{"group.id": "g", "auto.offset.reset": "first"}, false, `auto.offset.reset: invalid value "first": expected smallest, earliest, beginning, largest, latest, end or error`},
		{ConfigMap{"group.id": "g", "session.timeout.ms": 0}, false, `session.timeout.ms: invalid value "0": expected an integer from 1 to 3600000`},
		{ConfigMap{"group.id": "g", "session.timeout.ms": 1.5}, false, `session.timeout.ms: invalid value "1.5": expected an integer from 1 to 3600000`},
		{ConfigMap{"group.id": "g", "auto.commit.interval.ms": -1}, false, `auto.commit.interval.ms: invalid value "-1": expected an integer from 0 to 86400000`},
		{ConfigMap{"group.id": "g", "partition.assignment.strategy": "range,sticky"}, false, `partition.assignment.strategy: invalid value "range,sticky": expected a comma-separated list of range, roundrobin and cooperative-sticky (eager and cooperative cannot be mixed)`},
		{ConfigMap{"group.id": "g", "partition.assignment.strategy": "range,cooperative-sticky"}, false, `partition.assignment.strategy: invalid value "range,cooperative-sticky": expected eager (range, roundrobin) and cooperative (cooperative-sticky) assignors not mixed`},
		{ConfigMap{"group.id": "g", "enable.auto.commits": true}, false, `unknown configuration key "enable.auto.commits" (did you mean "enable.auto.commit"?)`},
		{ConfigMap{"group.id": "g", "zzz": 1}, false, `unknown configuration key "zzz"`},
		{ConfigMap{}, false, `group.id: required for a consumer`},
		{ConfigMap{"group.id": "g", "session.timeout.ms": 60000, "max.poll.interval.ms": 50000}, false, `max.poll.interval.ms: invalid value "50000": must be >= session.timeout.ms (60000)`},
		{ConfigMap{"group.id": "g", "kafkasim.auto.commit.mode": "python"}, false, `kafkasim.auto.commit.mode: invalid value "python": expected librdkafka or java`},
		{ConfigMap{"group.id": "g", "session.timeout.ms": []int{1}}, false, `session.timeout.ms: invalid value "[1]": expected an integer from 1 to 3600000`},
		{ConfigMap{"acks": "2"}, true, `acks: invalid value "2": expected all, -1, 0 or 1`},
		{ConfigMap{"enable.idempotence": true, "acks": 1}, true, `acks: invalid value "1": expected all (-1) when enable.idempotence=true`},
		{ConfigMap{"partitioner": "sticky"}, true, `partitioner: invalid value "sticky": expected random, consistent, consistent_random, murmur2, murmur2_random, fnv1a or fnv1a_random`},
		{ConfigMap{"acks": 1, "request.required.acks": 0}, true, `acks: set twice with different values (through an alias)`},
	}
	for _, tc := range cases {
		var err error
		if tc.producer {
			_, err = ParseProducerConfig(tc.m)
		} else {
			_, err = ParseConsumerConfig(tc.m)
		}
		if err == nil || err.Error() != tc.want {
			t.Errorf("%v: error %v, want %q", tc.m, err, tc.want)
			continue
		}
		var ce Error
		if !errors.As(err, &ce) || ce.Code() != ErrInvalidArg {
			t.Errorf("%v: error %#v is not an ErrInvalidArg Error", tc.m, err)
		}
	}
}

func TestConfigMapSetGet(t *testing.T) {
	m := ConfigMap{}
	if err := m.Set("group.id=g"); err != nil {
		t.Fatal(err)
	}
	if err := m.Set("nope"); err == nil {
		t.Fatal("Set without = accepted")
	}
	v, _ := m.Get("group.id", "x")
	d, _ := m.Get("client.id", "dflt")
	if v != "g" || d != "dflt" {
		t.Fatalf("Get = %v, %v", v, d)
	}
}

func TestErrorWrapsCode(t *testing.T) {
	e := NewError(ErrIllegalGeneration, "", false)
	var err error = e
	if !errors.Is(err, ErrIllegalGeneration) || errors.Is(err, ErrUnknownMemberID) {
		t.Fatal("errors.Is does not see the code")
	}
	if e.Error() != "ILLEGAL_GENERATION: Broker: Specified group generation id is not valid" || int(e.Code()) != 22 {
		t.Fatalf("Error() = %q code %d", e.Error(), e.Code())
	}
	f := NewFatalError(ErrFencedInstanceID, "")
	if !f.IsFatal() || !errors.Is(f, ErrFatal) || !errors.Is(f, ErrFencedInstanceID) {
		t.Fatalf("fatal error %v does not match both codes", f)
	}
	if !NewError(ErrTransport, "", false).IsRetriable() || NewError(ErrRebalanceInProgress, "", false).IsRetriable() {
		t.Fatal("retriable flags wrong")
	}
	if got := ErrorFrom(ErrUnknownMemberID); got.Code() != ErrUnknownMemberID {
		t.Fatalf("ErrorFrom = %v", got)
	}
	if int(ErrPartitionEOF) != -191 || int(ErrMaxPollExceeded) != -147 || int(ErrAutoOffsetReset) != -140 {
		t.Fatal("codes lost their real values")
	}
}

func TestOffsetAndTopicPartitionStrings(t *testing.T) {
	tp := TopicPartition{Topic: "t", Partition: 2, Offset: 7}
	if tp.String() != "t[2]@7" {
		t.Fatal(tp.String())
	}
	tp.Offset = OffsetBeginning
	if tp.String() != "t[2]@beginning" {
		t.Fatal(tp.String())
	}
	for in, want := range map[any]Offset{"earliest": OffsetBeginning, "end": OffsetEnd, "stored": OffsetStored, "42": 42, 5: 5} {
		if got, err := NewOffset(in); err != nil || got != want {
			t.Errorf("NewOffset(%v) = %v, %v", in, got, err)
		}
	}
	if _, err := NewOffset("soon"); err == nil {
		t.Error("NewOffset accepted soon")
	}
}

// librdkafka's enable.ssl.certificate.verification is a known key for both
// backends (the simulator accepts it; client/kafka applies it).
func TestSSLCertificateVerificationKey(t *testing.T) {
	k, ok := LookupKey("enable.ssl.certificate.verification")
	if !ok || k.Type != TypeBool || k.Default != "true" {
		t.Fatalf("key %+v, found %v: want a bool key defaulting to true", k, ok)
	}
	if _, err := ParseConsumerConfig(ConfigMap{"group.id": "g", "enable.ssl.certificate.verification": "maybe"}); err == nil {
		t.Error("a non-boolean value was accepted")
	}
	if _, err := ParseConsumerConfig(ConfigMap{"group.id": "g", "enable.ssl.certificate.verification": false}); err != nil {
		t.Errorf("false refused: %v", err)
	}
}
