package scenarios

import (
	"fmt"
	"time"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/internal/clock"
)

// Session is a scenario run that the caller drives step by step: run the
// world to an instant, apply an action, look at the events so far, and
// finally take the Result. Run is a Session driven straight to the end;
// the property tests of scenarios/check drive one action at a time.
//
// A Session is not safe for concurrent use. Everything happens on the
// backend's clock inside RunUntil and Do; between calls the world stands
// still.
type Session struct {
	r   *runner
	now time.Duration // the instant the world stands at: everything before it has run (it only grows)
	err error         // set once the session failed or finished
}

// Start creates the backend, the topics, and schedules the scenario's
// script, consumer starts and producers; nothing runs until RunUntil or Do.
// opts.Until is ignored (it is Run's). Call Finish, or Close to drop the
// run, when done. A scenario over opts.Budget is refused with a
// *BudgetError before anything is built.
func Start(s *Scenario, opts Options) (*Session, error) {
	budget := opts.Budget.withDefaults()
	if err := s.CheckBudget(budget); err != nil {
		return nil, err
	}
	seed := s.Seed
	if opts.SeedSet {
		seed = opts.Seed
	}
	mk := opts.Backend
	if mk == nil {
		mk = NewSimBackend
	}
	b, err := mk(s, seed)
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", s.Name, err)
	}
	r := &runner{s: s, seed: seed, b: b, loop: b.Loop(), rnd: b.Rand(), process: opts.Process,
		commitTrig: map[uint64]string{}, commitIDs: map[clientCommit]uint64{}, budget: budget, onlyNotable: opts.OnlyNotable}
	// The topics exist before the run's clock starts: on a real cluster
	// creating them takes time the script's first steps must not lose.
	if err := r.createTopics(); err != nil {
		b.Close()
		return nil, err
	}
	r.start = r.loop.Now()
	r.startNs = r.start.UnixNano()
	r.sim, _ = r.loop.(*clock.Sim)
	msgs := 0
	for _, p := range s.Producers {
		msgs += p.Count
	}
	for _, a := range s.Script {
		if a.Do == DoProduce {
			msgs += a.Count
		}
	}
	total, full := eventsEstimate(s, msgs)
	r.t = newTape(total, full, 8*msgs)
	parts := 0
	for _, t := range s.Topics {
		parts += t.Partitions
	}
	r.t.expectProduces(msgs, parts)
	r.pmem = newProduceArena()
	if err := r.setup(); err != nil {
		b.Close()
		return nil, err
	}
	return &Session{r: r}, nil
}

// Now is the virtual time since the start: everything before it has
// happened; what is due at Now itself happens on the next RunUntil past
// it (or in Finish), after any action Do applies at Now.
func (ss *Session) Now() time.Duration { return ss.now }

// RunUntil runs the world up to virtual time d since the start: every
// event due before d happens, and the session stands at d (nothing happens
// if d is not after Now). It returns the first error of the run (a client
// that could not be created, a backend failure, a run stopped over its
// budget: a *BudgetError).
func (ss *Session) RunUntil(d time.Duration) error {
	if ss.err != nil {
		return ss.err
	}
	if d > ss.now {
		ss.now = d
		ss.r.runBounded(ss.r.start.Add(d - 1))
	}
	return ss.check()
}

// check turns a run error into the session's error.
func (ss *Session) check() error {
	if ss.err == nil && ss.r.err != nil {
		ss.err = fmt.Errorf("run %s: %w", ss.r.s.Name, ss.r.err)
	}
	return ss.err
}

// Do applies a script action (start, crash, close, restart, stall,
// resume, produce, broker-down/up, pause, narration) at virtual time a.At,
// or at Now if a.At is not after it. It runs the world to that instant and
// applies the action there before anything else due at that instant, as a
// scripted step at that time would be: a session's actions written out as
// the scenario's script (after its own steps) replay to the same timeline.
// When Do returns the action has happened; the instant's other events
// happen on the next RunUntil. It returns what RunUntil returns.
func (ss *Session) Do(a Action) error {
	if err := ss.RunUntil(max(a.At, ss.now)); err != nil {
		return err
	}
	done := false
	ss.r.atFirst(ss.now, func() { ss.r.act(&a); done = true })
	if sim := ss.r.sim; sim != nil {
		for !done && sim.Step() {
		}
	} else {
		// A wall clock cannot stop halfway through an instant.
		ss.r.b.RunUntil(ss.r.start.Add(ss.now))
	}
	return ss.check()
}

// Events is the timeline so far. The slice is the session's: read it, do
// not modify it; it stays valid (later calls return a longer one).
func (ss *Session) Events() []Event { return ss.r.t.materialize() }

// Produced reports how many messages producers were asked to send so far
// and how many have a delivery report (in the log, or failed).
func (ss *Session) Produced() (asked, reported int) { return ss.r.asked, ss.r.reported }

// AppState is what a consumer's app is doing at the moment of a
// Session (Snapshot's ConsumerState is the same seen from a timeline).
type AppState struct {
	// Spec is the consumer's declaration in the scenario.
	Spec *Consumer
	// Started: the consumer has been started at least once.
	Started bool
	// Running: a client exists and has not crashed or closed.
	Running bool
	// Stalled: the app stopped polling (stall).
	Stalled bool
	// Closing: the app was told to close and is finishing its message.
	Closing bool
	// Current is the message in hand (being processed, or processed and
	// waiting for its commit), or nil. Read it before the session runs
	// on: once processed, a message not handed to Options.Process goes
	// back to the simulated consumer, which delivers later messages in
	// its memory.
	Current *client.Message
	// Effected: Current's effect happened; its commit is still to come.
	Effected bool
	// Client is the consumer's current (or last) client; nil before the
	// first start.
	Client client.Consumer
}

// Consumers reports every consumer of the scenario, in declaration order
// (none once Finish has returned: the run's world is let go).
func (ss *Session) Consumers() []AppState {
	out := make([]AppState, len(ss.r.apps))
	for i, a := range ss.r.apps {
		out[i] = AppState{Spec: a.spec, Started: a.started, Running: a.running, Stalled: a.stalled, Closing: a.closing,
			Current: a.cur, Effected: a.effected, Client: a.c}
	}
	return out
}

// Finish returns the Result of the run so far: the timeline, its outcome
// and the final group states, with Duration the furthest time RunUntil
// (or Do) reached. It closes the backend; the session cannot be used
// afterwards.
func (ss *Session) Finish() (*Result, error) {
	if ss.err != nil {
		ss.Close()
		return nil, ss.err
	}
	// What is due at the last instant reached happens too.
	ss.r.runBounded(ss.r.start.Add(ss.now))
	if err := ss.check(); err != nil {
		ss.Close()
		return nil, err
	}
	res := ss.r.result(ss.now, func() {
		// A simulated run whose delivered messages went to no user code
		// (Options.Process) leaves nothing that reads its broker's logs:
		// their memory can serve the next run.
		sb, _ := ss.r.b.(*simBackend)
		recycle := sb != nil && ss.r.process == nil
		ss.Close()
		ss.r.releaseWorld()
		if recycle {
			sb.cl.Recycle()
		}
	})
	return res, nil
}

// Close releases the backend without a Result. Finish calls it; calling
// it again does nothing.
func (ss *Session) Close() {
	if ss.r.b != nil {
		sim := ss.r.b.Name() == "sim"
		ss.r.b.Close()
		ss.r.b = nil
		if sim {
			// The simulator is done with every message its producers
			// were given: the blocks of their keys and values can serve
			// the next run.
			ss.r.pmem.release()
		}
		ss.r.pmem = nil
	}
	if ss.err == nil {
		ss.err = fmt.Errorf("run %s: the session is finished", ss.r.s.Name)
	}
}
