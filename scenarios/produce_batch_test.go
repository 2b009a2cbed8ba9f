package scenarios_test

import (
	"bytes"
	"testing"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/scenarios"
)

// oneByOne is a backend whose producers take no bursts: the runner sends
// each message with its own Produce, as it does on a real cluster.
type oneByOne struct{ scenarios.Backend }

func (b oneByOne) NewProducer(conf client.ConfigMap, hooks ...client.Hook) (client.Producer, error) {
	p, err := b.Backend.NewProducer(conf, hooks...)
	if err != nil {
		return nil, err
	}
	return plainProducer{p}, nil
}

// plainProducer hides everything of the simulator's producer but
// client.Producer and its configuration.
type plainProducer struct{ client.Producer }

func (p plainProducer) Config() client.ProducerConfig {
	return p.Producer.(interface{ Config() client.ProducerConfig }).Config()
}

// A produce step sends a burst of messages to the simulator in one call
// (sim.Producer.ProduceBatch); the run is the same, byte for byte, as
// when it sends them one by one: key lists, literal keys and values,
// waits for room in a full queue, errors for a full queue, a broker
// outage, script produce steps.
func TestProduceBurstsLikeOneByOne(t *testing.T) {
	src := `
name: bursts
duration: 20s
topics:
  - {name: t, partitions: 3}
  - {name: u, partitions: 2}
producers:
  - {id: p1, topic: t, count: 50, keys: ["x", "", "y-z"], value: "val-{i}-{i}"}
  - {id: p2, topic: u, count: 30, key: "lit", value: "plain"}
  - {id: p3, topic: t, count: 300, key: "k{i}", interval: 10ms, config: {queue.buffering.max.messages: 5, linger.ms: 50}}
  - {id: p4, topic: u, count: 700, key: "q-{i}", config: {queue.buffering.max.messages: 7, linger.ms: 20}}
  - {id: p5, topic: u, count: 40, key: "e-{i}", on_queue_full: error, config: {queue.buffering.max.messages: 9, linger.ms: 5}}
consumers:
  - {id: c1, group: g, topics: [t, u], config: {auto.offset.reset: earliest}}
  - {id: c2, group: g, topics: [t, u], config: {auto.offset.reset: earliest}}
script:
  - {at: 2s, do: produce, topic: t, count: 1200, key: "s-{i}", value: "{i}"}
  - {at: 3s, do: broker-down}
  - {at: 3100ms, do: produce, topic: u, count: 5, key: "d-{i}"}
  - {at: 4s, do: broker-up}
  - {at: 5s, do: crash, consumer: c1}
  - {at: 6s, do: produce, topic: t, count: 3, partition: 1}
`
	s, err := scenarios.Parse("bursts.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	run := func(opts scenarios.Options) ([]byte, *scenarios.Result) {
		t.Helper()
		res, err := scenarios.Run(s, opts)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := res.WriteJSON(&out); err != nil {
			t.Fatal(err)
		}
		return out.Bytes(), res
	}
	for _, seed := range []uint64{1, 7} {
		burst, res := run(scenarios.Options{Seed: seed})
		one, _ := run(scenarios.Options{Seed: seed, Backend: func(s *scenarios.Scenario, seed uint64) (scenarios.Backend, error) {
			b, err := scenarios.NewSimBackend(s, seed)
			return oneByOne{b}, err
		}})
		if !bytes.Equal(burst, one) {
			t.Fatalf("seed %d: the run differs when messages are sent one by one", seed)
		}
		n := kinds(res)
		if n[scenarios.KindProduceWait] == 0 || n[scenarios.KindClientErr] == 0 || n[scenarios.KindProduce] < 2000 {
			t.Fatalf("seed %d: %d waits, %d errors, %d produced: the scenario no longer covers bursts, waits and errors", seed,
				n[scenarios.KindProduceWait], n[scenarios.KindClientErr], n[scenarios.KindProduce])
		}
	}
}
