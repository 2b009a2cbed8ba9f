package check

import "github.com/kafkasim/kafkasim/scenarios"

// ErrSkipped is what a Handler's Process returns when it recognised the
// message as already processed (an idempotent consumer) and did nothing:
// the check does not count it as an effect. It is scenarios.ErrSkipped.
var ErrSkipped = scenarios.ErrSkipped
