package scenarios

import (
	"strings"

	"github.com/kafkasim/kafkasim/client"
)

// refusedCombinations reports, at the key, each key of a configuration
// map that the rest of the map forbids, and drops it from m. The client
// names such a key first, in backticks, as librdkafka does:
// group.protocol=consumer refuses session.timeout.ms,
// heartbeat.interval.ms, partition.assignment.strategy and
// group.protocol.type ("`session.timeout.ms` is not supported for
// `group.protocol=consumer`. It is defined broker side"). Other
// inconsistencies are left to validate, which reports them at the client.
func (d *decoder) refusedCombinations(c *obj, m client.ConfigMap, check func(client.ConfigMap) error) {
	for range len(m) {
		full := m.Clone()
		full["group.id"] = "g"
		err := check(full)
		if err == nil {
			return
		}
		msg := stripCode(err)
		k, ok := backticked(msg)
		if _, set := m[k]; !ok || !set {
			return
		}
		d.errf(c.vals[k].Key, "%s: %s", c.what, msg)
		delete(m, k)
	}
}

// backticked returns the key a message starts with in backticks.
func backticked(msg string) (string, bool) {
	rest, ok := strings.CutPrefix(msg, "`")
	if !ok {
		return "", false
	}
	k, _, ok := strings.Cut(rest, "`")
	return k, ok
}
