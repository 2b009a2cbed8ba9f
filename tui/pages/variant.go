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
// strategy (synchronous commits; every 5 messages for StrategyEvery),
// with the same topics, producers and fault script, and no expectations
// (they were written for the original strategy).
func Variant(s *scenarios.Scenario, strategy string) *scenarios.Scenario {
	return CompareVariant{Strategy: strategy, Every: 5}.Apply(s)
}

// CompareVariant is a way to run a scenario's consumers that compare mode
// can put on its right-hand side, against auto-commit on the left.
type CompareVariant struct {
	// Label names it for the class (the column's title).
	Label string
	// Strategy is the commit strategy of every consumer; "" keeps the
	// scenario as written.
	Strategy string
	// Every is N for scenarios.StrategyEvery.
	Every int
	// Async makes the app's commits asynchronous.
	Async bool
	// Idempotent makes the app skip messages it has already processed.
	Idempotent bool
	// GroupProtocol, when set, is every consumer's group.protocol:
	// "consumer" (KIP-848; the keys it refuses are dropped) or "classic".
	GroupProtocol string
	// Assignors, when set with the classic protocol, is every consumer's
	// partition.assignment.strategy.
	Assignors string
}

// CompareVariants are the right-hand runs of compare mode, in the order v
// goes through them; the first is the one compare mode opens with.
var CompareVariants = []CompareVariant{
	{Label: StrategyLabel(StrategyManual), Strategy: StrategyManual},
	{Label: "async commit after processing", Strategy: StrategyManual, Async: true},
	{Label: "commit every 5 messages", Strategy: scenarios.StrategyEvery, Every: 5},
	{Label: "store after processing, auto-commit", Strategy: scenarios.StrategyStoreAfter},
	{Label: "commit before processing", Strategy: scenarios.StrategyBeforeProcess},
	{Label: "idempotent, commit after processing", Strategy: StrategyManual, Idempotent: true},
	{Label: "the scenario as written"},
	// The group protocols, with the left's auto-commit, so that the
	// protocol is the only difference.
	{Label: VariantKIP848, Strategy: StrategyAuto, GroupProtocol: client.GroupProtocolConsumer},
	{Label: "cooperative-sticky (classic)", Strategy: StrategyAuto, GroupProtocol: client.GroupProtocolClassic, Assignors: "cooperative-sticky"},
	{Label: "eager: range (classic)", Strategy: StrategyAuto, GroupProtocol: client.GroupProtocolClassic, Assignors: "range,roundrobin"},
}

// VariantKIP848 is the label of the compare variant that runs every
// consumer with the consumer group protocol of KIP-848 (and auto-commit,
// as on the left).
const VariantKIP848 = "KIP-848 (group.protocol=consumer)"

// LeftLabel names compare mode's left-hand run (auto-commit, the
// protocols as written) for the right-hand variant cv.
func LeftLabel(cv CompareVariant) string {
	if cv.GroupProtocol != "" {
		return "as written, auto-commit"
	}
	return StrategyLabel(StrategyAuto)
}

// DefaultCompareVariant is the index in CompareVariants compare mode
// opens s with: the consumer protocol for a scenario that uses it (the
// protocol lessons), else the first.
func DefaultCompareVariant(s *scenarios.Scenario) int {
	if s == nil {
		return 0
	}
	for _, c := range s.Consumers {
		if p, _ := c.Config["group.protocol"].(string); p == client.GroupProtocolConsumer {
			return slices.IndexFunc(CompareVariants, func(cv CompareVariant) bool { return cv.Label == VariantKIP848 })
		}
	}
	return 0
}

// Apply returns a copy of s run this way: the same topics, producers and
// fault script, and no expectations (they were written for the original
// strategy).
func (cv CompareVariant) Apply(s *scenarios.Scenario) *scenarios.Scenario {
	v := *s
	v.Expect = nil
	if cv.Strategy == "" {
		v.Name = s.Name + " · as written"
		return &v
	}
	v.Consumers = slices.Clone(s.Consumers)
	for i := range v.Consumers {
		c := &v.Consumers[i]
		c.Config = c.Config.Clone()
		if c.Config == nil {
			c.Config = client.ConfigMap{}
		}
		c.Processing.Commit = cv.Strategy
		c.Processing.Every = cv.Every
		c.Processing.Async = cv.Async
		if cv.Idempotent {
			c.Processing.Idempotent = true
		}
		delete(c.Config, "enable.auto.offset.store")
		cv.setProtocol(c.Config)
		switch cv.Strategy {
		case StrategyAuto:
			c.Config["enable.auto.commit"] = true
		case scenarios.StrategyStoreAfter:
			// librdkafka's at-least-once pattern: auto-commit commits
			// what the app stored after processing.
			c.Config["enable.auto.commit"] = true
			c.Config["enable.auto.offset.store"] = false
		default:
			c.Config["enable.auto.commit"] = false
		}
	}
	v.Name = s.Name + " · " + cv.Strategy
	if cv.Label != "" {
		v.Name = s.Name + " · " + cv.Label
	}
	return &v
}

// setProtocol sets the group protocol of one consumer's config.
func (cv CompareVariant) setProtocol(m client.ConfigMap) {
	switch cv.GroupProtocol {
	case client.GroupProtocolConsumer:
		m["group.protocol"] = client.GroupProtocolConsumer
		for _, k := range client.ConsumerProtocolRefusedKeys() {
			delete(m, k)
		}
	case client.GroupProtocolClassic:
		delete(m, "group.protocol")
		delete(m, "group.remote.assignor")
		if cv.Assignors != "" {
			m["partition.assignment.strategy"] = cv.Assignors
		}
	}
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
