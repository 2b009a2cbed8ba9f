package scenarios

import (
	"strings"
	"testing"
)

// The keys group.protocol=consumer forbids are reported at each key,
// with librdkafka's message; without group.protocol=consumer they are
// fine, and a consumer of either protocol loads.
func TestConsumerProtocolRefusedKeysAtTheKey(t *testing.T) {
	const head = `name: p
duration: 10s
topics: [{name: t, partitions: 1}]
consumers:
  - id: a
    group: g
    topics: [t]
    config:
`
	_, err := Parse("p.yaml", []byte(head+`      heartbeat.interval.ms: 1000
      group.protocol: consumer
      partition.assignment.strategy: range
`))
	want := "p.yaml:9:7: consumers[0].config: `heartbeat.interval.ms` is not supported for `group.protocol=consumer`. It is defined broker side\n" +
		"p.yaml:11:7: consumers[0].config: `partition.assignment.strategy` is not supported for `group.protocol=consumer`. Use `group.remote.assignor` instead"
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n%v\nwant:\n%s", err, want)
	}
	for _, cfg := range []string{
		"      heartbeat.interval.ms: 1000\n      partition.assignment.strategy: range\n",
		"      group.protocol: consumer\n      group.remote.assignor: range\n      max.poll.interval.ms: 10000\n",
	} {
		s, err := Parse("p.yaml", []byte(head+cfg))
		if err != nil {
			t.Fatalf("%q: %v", cfg, err)
		}
		if strings.Contains(cfg, "consumer") && s.Consumers[0].Config["group.protocol"] != "consumer" {
			t.Errorf("config %v", s.Consumers[0].Config)
		}
	}
}
