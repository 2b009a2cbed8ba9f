package pages

import (
	"slices"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/scenarios"
)

// Commit strategies compare mode puts side by side.
const (
	StrategyAuto   = scenarios.StrategyAuto
	StrategyManual = scenarios.StrategyAfterEach
)

// StrategyLabel names a strategy for the class.
func StrategyLabel(strategy string) string {
	switch strategy {
	case StrategyAuto:
		return "auto-commit (librdkafka timer)"
	case StrategyManual:
		return "manual commit after processing"
	}
	return strategy
}

// Variant returns a copy of s whose consumers all use the given commit
// strategy, with the same topics, producers and fault script, and no
// expectations (they were written for the original strategy).
func Variant(s *scenarios.Scenario, strategy string) *scenarios.Scenario {
	v := *s
	v.Expect = nil
	v.Consumers = slices.Clone(s.Consumers)
	for i := range v.Consumers {
		c := &v.Consumers[i]
		c.Config = c.Config.Clone()
		if c.Config == nil {
			c.Config = client.ConfigMap{}
		}
		c.Processing.Commit = strategy
		c.Processing.Async = false
		switch strategy {
		case StrategyAuto:
			c.Config["enable.auto.commit"] = true
			delete(c.Config, "enable.auto.offset.store")
		default:
			c.Config["enable.auto.commit"] = false
		}
	}
	v.Name = s.Name + " · " + strategy
	return &v
}

// SandboxScenario is s without its faults: the same topics, producers and
// consumers, with the script's starts and produces kept and everything
// else (crashes, closes, stalls, broker outages, narration) removed. The
// sandbox adds the teacher's actions to it.
func SandboxScenario(s *scenarios.Scenario) *scenarios.Scenario {
	v := *s
	v.Expect = nil
	v.Script = nil
	for _, a := range s.Script {
		if a.Do == scenarios.DoStart || a.Do == scenarios.DoProduce {
			a.Say = ""
			v.Script = append(v.Script, a)
		}
	}
	v.Name = s.Name + " · sandbox"
	return &v
}
