package pages

import (
	"testing"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/scenarios"
)

// The group protocol variants change only the protocol (and put
// auto-commit on, as on the left): the consumer protocol drops the keys
// it refuses, the classic ones drop group.protocol and set the
// assignors. Compare mode opens the protocol lessons on the consumer
// protocol.
func TestProtocolVariants(t *testing.T) {
	s, err := scenarios.Builtin("protocols-crash")
	if err != nil {
		t.Fatal(err)
	}
	s.Consumers[0].Config = client.ConfigMap{"session.timeout.ms": 10000, "heartbeat.interval.ms": 1000, "auto.offset.reset": "earliest"}
	byLabel := map[string]CompareVariant{}
	for _, cv := range CompareVariants {
		byLabel[cv.Label] = cv
	}
	v := byLabel[VariantKIP848].Apply(s)
	for _, c := range v.Consumers {
		if _, err := client.ParseConsumerConfig(withGroup(c.Config, c.Group)); err != nil || c.Config["group.protocol"] != "consumer" || c.Processing.Commit != scenarios.StrategyAuto {
			t.Errorf("KIP-848 variant, %s: %v (%v), commit %s", c.ID, c.Config, err, c.Processing.Commit)
		}
	}
	if v.Consumers[0].Config["auto.offset.reset"] != "earliest" {
		t.Errorf("other keys dropped: %v", v.Consumers[0].Config)
	}
	v = byLabel["cooperative-sticky (classic)"].Apply(s)
	for _, c := range v.Consumers {
		cfg, err := client.ParseConsumerConfig(withGroup(c.Config, c.Group))
		if err != nil || cfg.GroupProtocol != "classic" || !cfg.Cooperative {
			t.Errorf("cooperative variant, %s: %v (%v)", c.ID, c.Config, err)
		}
	}
	if got := CompareVariants[DefaultCompareVariant(s)].Label; got != VariantKIP848 {
		t.Errorf("protocols-crash opens compare on %q", got)
	}
	plain, _ := scenarios.Builtin("close-vs-crash")
	if DefaultCompareVariant(plain) != 0 || DefaultCompareVariant(nil) != 0 {
		t.Error("a classic lesson does not open compare on the first variant")
	}
}

func withGroup(m client.ConfigMap, g string) client.ConfigMap {
	m = m.Clone()
	m["group.id"] = g
	return m
}
