package check

// The engine runs one case as a scenarios.Session on a sim.Cluster of its
// own: the consumers' poll loops, the timeline and the script actions are
// the scenario runner's (scenarios/app.go, scenarios/hooks.go), so that a
// case written out as a scenario file replays to the same timeline under
// `kafkasim run` (Session.Do puts an action where the same script step
// would run). Every scripted fault also happens at its own sub-millisecond
// instant (see case.go), which keeps the printed schedules unambiguous.
// What the engine
// adds through the session's options: the user's Handler.Process
// (Options.Process), and the cluster it builds itself (the planted-bug
// group configuration, and direct access to the broker and coordinator for
// the heal phase's quiescence test).

import (
	"context"
	"time"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/client/sim"
	"github.com/kafkasim/kafkasim/group"
	"github.com/kafkasim/kafkasim/scenarios"
)

// world is one running case.
type world struct {
	cl     *sim.Cluster
	ss     *scenarios.Session
	events []scenarios.Event // the timeline so far
	err    error
}

func newWorld(s *scenarios.Scenario, gcfg group.Config, process func(context.Context, *client.Message) error) (*world, error) {
	cl := sim.NewCluster(sim.Config{Seed: s.Seed, Group: gcfg})
	ss, err := scenarios.Start(s, scenarios.Options{
		Process: process,
		Backend: func(*scenarios.Scenario, uint64) (scenarios.Backend, error) {
			return scenarios.NewSimBackendOn(cl), nil
		},
	})
	if err != nil {
		return nil, err
	}
	return &world{cl: cl, ss: ss}, nil
}

// runTo runs the simulation up to virtual time d.
func (w *world) runTo(d time.Duration) {
	w.fail(w.ss.RunUntil(d))
	w.events = w.ss.Events()
}

// act runs one script step inside the clock loop at its own time, as the
// runner does.
func (w *world) act(a scenarios.Action) {
	w.fail(w.ss.Do(a))
	w.events = w.ss.Events()
}

// apps is what every consumer's app is doing now.
func (w *world) apps() []scenarios.AppState { return w.ss.Consumers() }

// app is the consumer id's state (ok false for an unknown id).
func (w *world) app(id string) (scenarios.AppState, bool) {
	for _, a := range w.apps() {
		if a.Spec.ID == id {
			return a, true
		}
	}
	return scenarios.AppState{}, false
}

func (w *world) fail(err error) {
	if w.err == nil && err != nil {
		w.err = err
	}
}

// generation is the consumer's group generation (-1 if unknown).
func generation(c client.Consumer) int32 {
	if g, ok := c.(interface{ Generation() int32 }); ok {
		return g.Generation()
	}
	return -1
}

// ErrSkipped is what a Handler's Process returns when it recognised the
// message as already processed (an idempotent consumer) and did nothing:
// the check does not count it as an effect. It is scenarios.ErrSkipped.
var ErrSkipped = scenarios.ErrSkipped
