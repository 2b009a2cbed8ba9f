package client

import (
	"testing"
	"time"
)

// With group.protocol=consumer librdkafka refuses the classic protocol's
// client-side group settings with these messages (rdkafka_conf.c,
// rd_kafka_conf_finalize, 2.10 to 2.14), checking them in this order.
func TestConsumerProtocolRefusesClassicKeys(t *testing.T) {
	base := func(kv ...any) ConfigMap {
		m := ConfigMap{"group.id": "g", "group.protocol": "consumer"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	cases := []struct {
		m    ConfigMap
		want string
	}{
		{base("session.timeout.ms", 10000), "`session.timeout.ms` is not supported for `group.protocol=consumer`. It is defined broker side"},
		{base("partition.assignment.strategy", "cooperative-sticky"), "`partition.assignment.strategy` is not supported for `group.protocol=consumer`. Use `group.remote.assignor` instead"},
		{base("group.protocol.type", "consumer"), "`group.protocol.type` is not supported for `group.protocol=consumer`"},
		{base("heartbeat.interval.ms", 1000), "`heartbeat.interval.ms` is not supported for `group.protocol=consumer`. It is defined broker side"},
		// librdkafka reports the first in its order.
		{base("heartbeat.interval.ms", 1000, "session.timeout.ms", 10000), "`session.timeout.ms` is not supported for `group.protocol=consumer`. It is defined broker side"},
		{base("heartbeat.interval.ms", 1000, "partition.assignment.strategy", "range"), "`partition.assignment.strategy` is not supported for `group.protocol=consumer`. Use `group.remote.assignor` instead"},
	}
	for _, c := range cases {
		_, err := ParseConsumerConfig(c.m)
		if err == nil {
			t.Errorf("%v: accepted, want %q", c.m, c.want)
			continue
		}
		e, ok := err.(Error)
		if !ok || e.Code() != ErrInvalidArg || e.String() != c.want {
			t.Errorf("%v: error %#v (%v), want _INVALID_ARG %q", c.m, err, err, c.want)
		}
	}
	// The same keys are fine under the classic protocol, and the defaults
	// are fine under the consumer protocol.
	for _, k := range ConsumerProtocolRefusedKeys() {
		m := base()
		delete(m, "group.protocol")
		m[k] = map[string]any{"session.timeout.ms": 10000, "heartbeat.interval.ms": 1000, "partition.assignment.strategy": "range", "group.protocol.type": "consumer"}[k]
		if _, err := ParseConsumerConfig(m); err != nil {
			t.Errorf("classic with %s: %v", k, err)
		}
	}
}

func TestConsumerProtocolConfig(t *testing.T) {
	c, err := ParseConsumerConfig(ConfigMap{"group.id": "g", "group.protocol": "consumer", "group.remote.assignor": "range",
		"max.poll.interval.ms": 10000})
	if err != nil {
		t.Fatal(err)
	}
	if c.GroupProtocol != GroupProtocolConsumer || c.RemoteAssignor != "range" || !c.Cooperative || c.AssignmentStrategies != nil {
		t.Errorf("got protocol %q assignor %q cooperative %v strategies %v", c.GroupProtocol, c.RemoteAssignor, c.Cooperative, c.AssignmentStrategies)
	}
	// max.poll.interval.ms below the (classic) session timeout is checked
	// only for the classic protocol, as librdkafka does.
	if c.MaxPollInterval != 10*time.Second {
		t.Errorf("max.poll.interval.ms = %v", c.MaxPollInterval)
	}
	if _, err := ParseConsumerConfig(ConfigMap{"group.id": "g", "max.poll.interval.ms": 10000}); err == nil {
		t.Error("classic: max.poll.interval.ms below session.timeout.ms accepted")
	}
	d, _ := ParseConsumerConfig(ConfigMap{"group.id": "g"})
	if d.RemoteAssignor != "" {
		t.Errorf("group.remote.assignor default %q, want unset", d.RemoteAssignor)
	}
}
