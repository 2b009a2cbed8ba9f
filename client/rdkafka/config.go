package rdkafka

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kafkasim/kafkasim/client"
)

// debugContexts are librdkafka's debug contexts the backend reads: the
// consumer group (joins, commits, revokes) and topic (where each
// partition starts fetching).
const debugContexts = "cgrp,topic"

// librdkafkaConf is what the agent passes to confluent_kafka: the
// configuration as given, checked with the simulator's parser (so a typo
// gets the same "did you mean" error as on client/sim), without the keys
// only Go clients or kafkasim know, and with the debug contexts the
// backend reads.
func librdkafkaConf(m client.ConfigMap, consumer bool) (map[string]any, error) {
	if consumer {
		cfg, err := client.ParseConsumerConfig(m)
		if err != nil {
			return nil, err
		}
		if cfg.AutoCommitMode == client.AutoCommitJava {
			return nil, client.NewError(client.ErrInvalidArg,
				"kafkasim.auto.commit.mode: invalid value \"java\": the Java client's auto-commit is a model of the simulator; librdkafka always commits on its timer", false)
		}
		if cfg.ApplicationRebalance {
			return nil, client.NewError(client.ErrInvalidArg,
				"go.application.rebalance.enable: not supported by the librdkafka backend (confluent-kafka-python has no such mode): pass a rebalance callback to Subscribe", false)
		}
		if cfg.GroupProtocol != "classic" {
			return nil, client.NewError(client.ErrInvalidArg,
				fmt.Sprintf("group.protocol: invalid value %q: the librdkafka this backend runs supports the classic protocol only", cfg.GroupProtocol), false)
		}
	} else if _, err := client.ParseProducerConfig(m); err != nil {
		return nil, err
	}
	out := map[string]any{}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if strings.HasPrefix(k, "go.") || strings.HasPrefix(k, "kafkasim.") {
			continue
		}
		out[k] = confValue(m[k])
	}
	dbg := debugContexts
	if d, ok := out["debug"].(string); ok && d != "" {
		dbg = d + "," + debugContexts
	}
	out["debug"] = dbg
	// librdkafka's debug lines go to stderr only with the default logger,
	// at its default level; keep the thread names the interpreter skips.
	delete(out, "log_level")
	out["log.thread.name"] = true
	return out, nil
}

// confValue converts a ConfigMap value to what confluent_kafka takes:
// strings, booleans and integers as they are; integral floats (YAML,
// JSON) as integers.
func confValue(v client.ConfigValue) any {
	switch x := v.(type) {
	case float64:
		if x == float64(int64(x)) {
			return int64(x)
		}
		return fmt.Sprint(x)
	case float32:
		return confValue(float64(x))
	case string, bool, int, int32, int64:
		return x
	}
	return fmt.Sprint(v)
}

// CheckConsumerConfig checks a consumer configuration as NewConsumer
// does, without starting anything: a key this backend refuses, or a typo,
// is an ErrInvalidArg error naming it.
func CheckConsumerConfig(m client.ConfigMap) error {
	_, err := librdkafkaConf(m, true)
	return err
}

// CheckProducerConfig checks a producer configuration as NewProducer
// does.
func CheckProducerConfig(m client.ConfigMap) error {
	_, err := librdkafkaConf(m, false)
	return err
}
