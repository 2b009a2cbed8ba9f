package rdkafka_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/client/kafka"
	"github.com/kafkasim/kafkasim/client/rdkafka"
	"github.com/kafkasim/kafkasim/scenarios/fidelity"
)

// A synchronous commit while the broker is down: librdkafka defers it
// until the coordinator is back, for at most session.timeout.ms, then
// fails it with _WAIT_COORD (rd_kafka_cgrp_defer_offset_commit,
// rd_kafka_cgrp_timeout_scan); the commit call waits all that time.
func TestSyncCommitWhileBrokerDown(t *testing.T) {
	if _, err := rdkafka.Find(); err != nil {
		t.Skipf("librdkafka is not installed here, so the real client cannot be tested: %v", err)
	}
	k, err := fidelity.StartKfake(fidelity.KfakeOptions{MinSessionTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	brokers := strings.Join(k.Brokers(), ",")
	topic := "orders"
	adm, err := kafka.NewAdmin(client.ConfigMap{"bootstrap.servers": brokers}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := adm.CreateTopic(context.Background(), topic, 1, 0); err != nil {
		t.Fatal(err)
	}
	adm.Close()
	p, err := rdkafka.NewProducer(client.ConfigMap{"bootstrap.servers": brokers})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Produce(&client.Message{TopicPartition: client.TopicPartition{Topic: topic, Partition: client.PartitionAny}, Value: []byte("x")}, nil); err != nil {
		t.Fatal(err)
	}
	p.Flush(10000)
	p.Close()
	c, err := rdkafka.NewConsumer(client.ConfigMap{"bootstrap.servers": brokers, "group.id": "g", "auto.offset.reset": "earliest",
		"enable.auto.commit": false, "session.timeout.ms": 4000, "heartbeat.interval.ms": 500})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Crash()
	_ = c.Subscribe(topic, nil)
	var m *client.Message
	for deadline := time.Now().Add(20 * time.Second); m == nil && time.Now().Before(deadline); {
		m, _ = c.Poll(100).(*client.Message)
	}
	if m == nil {
		t.Fatal("no message")
	}
	if err := k.SetAvailable(false); err != nil {
		t.Fatal(err)
	}
	// Let the client notice the outage.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		if e, ok := c.Poll(100).(client.Error); ok && e.Code() == client.ErrAllBrokersDown {
			break
		}
	}
	start := time.Now()
	_, err = c.CommitMessage(m)
	took := time.Since(start)
	if !errors.Is(err, client.ErrWaitCoord) {
		t.Errorf("commit while the broker is down: %v, want _WAIT_COORD", err)
	}
	if took < 3*time.Second || took > 8*time.Second {
		t.Errorf("the commit returned after %v, want about session.timeout.ms (4 s)", took)
	}
	t.Logf("sync commit while the broker is down returned %v after %v", err, took.Round(time.Millisecond))
}
