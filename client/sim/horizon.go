package sim

import "time"

// MaxWait is how long a wait without a timeout (Poll(-1),
// ReadMessage(-1), Flush(-1) ...) lasts on a cluster that has no horizon:
// one virtual day, longer than any timer a consumer or the coordinator
// runs by default (max.poll.interval.ms is 5 minutes, session.timeout.ms
// 45 seconds). Simulating it costs a few milliseconds per client.
const MaxWait = 24 * time.Hour

// SetHorizon sets the virtual instant at which waits without a timeout
// end. A client blocked in Poll(-1) on real brokers waits for another
// process to produce; in the simulation nothing can happen while the only
// caller waits except what the clock already holds, so an endless wait
// would spin the clock on for ever. Instead such a wait returns at the
// horizon as if it had timed out: Poll returns nil, ReadMessage an
// ErrTimedOut Error, Flush the number of messages left. A wait that starts
// at or after the horizon looks once and returns. Waits with a timeout are
// not affected, nor is Sleep or RunUntil, which move time on whatever the
// horizon.
//
// The zero time removes the horizon: each wait without a timeout then
// lasts MaxWait. The scenario runner sets the horizon to the end of the
// scenario (its duration), so app code waiting without a timeout inside a
// run ends with the run.
func (cl *Cluster) SetHorizon(t time.Time) { cl.horizon = t }

// Horizon is the horizon SetHorizon set (the zero time if none).
func (cl *Cluster) Horizon() time.Time { return cl.horizon }

// forever is when a wait without a timeout that starts now ends: the
// horizon, or MaxWait from now.
func (cl *Cluster) forever() time.Time {
	if !cl.horizon.IsZero() {
		return cl.horizon
	}
	return cl.clk.Now().Add(MaxWait)
}

// foreverFrom is how long a wait without a timeout that starts now lasts
// (zero at or past the horizon), in whole milliseconds rounded up.
func (cl *Cluster) foreverFrom() time.Duration {
	d := max(cl.forever().Sub(cl.clk.Now()), 0)
	return (d + time.Millisecond - 1).Truncate(time.Millisecond)
}
