package group

// A small member driver for tests: it plays a librdkafka-like consumer on
// the virtual clock — join (and rejoin with the given id on
// MEMBER_ID_REQUIRED), the leader runs the assignor, sync, heartbeat every
// 3 s, react to heartbeat errors as docs/kafka-semantics.md §4 says, revoke
// everything first for eager protocols and only the delta (then rejoin) for
// cooperative ones.

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/group/assign"
	"github.com/kafkasim/kafkasim/internal/clock"
	"github.com/kafkasim/kafkasim/internal/kerr"
)

// tb is what the driver needs from *testing.T, *testing.B and *rapid.T.
type tb interface {
	Helper()
	Fatal(args ...any)
	Errorf(format string, args ...any)
}

type env struct {
	t   tb
	sim *clock.Sim
	b   *broker.Broker
	c   *Coordinator
	log []Transition
	// keepLog false drops transitions (benchmarks).
	keepLog bool
	// heartbeatOK, if set, is told of every ConsumerGroupHeartbeat the
	// coordinator accepted (a join or a heartbeat, not a leave): each
	// restarts the member's session.
	heartbeatOK func(memberID string)
}

func newEnv(t tb, topics map[string]int, cfg Config) *env {
	t.Helper()
	sim := clock.NewSim(1)
	b := broker.New(sim, broker.Config{})
	for _, name := range sortedKeys(topics) {
		if err := b.CreateTopic(name, topics[name], broker.TopicConfig{}); err != nil {
			t.Fatal(err)
		}
	}
	e := &env{t: t, sim: sim, b: b, keepLog: true}
	e.c = NewCoordinator(sim, b, cfg, rand.New(rand.NewPCG(1, 2)))
	e.c.OnTransition(func(tr Transition) {
		if e.keepLog {
			e.log = append(e.log, tr)
		}
	})
	return e
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// run advances virtual time by d, running everything due.
func (e *env) run(d time.Duration) { e.sim.RunFor(d) }

// settle runs what is due now (replies are delivered at the current instant).
func (e *env) settle() { e.sim.RunFor(0) }

type tmember struct {
	e          *env
	name       string
	group      string
	clientID   string
	instanceID string
	topics     []string
	protocols  []string
	session    time.Duration
	rebalance  time.Duration
	hbInterval time.Duration

	id       string
	gen      int32
	protocol string
	owned    []broker.TopicPartition
	ownedGen int32 // generation in which owned was last confirmed by SyncGroup

	alive    bool
	stalled  bool // the application is stuck: heartbeats go on, rejoins wait
	wantJoin bool
	busy     bool // a JoinGroup or SyncGroup is in flight
	epoch    int  // bumped by crash: stale callbacks are ignored
	fatal    error
	hb       clock.Timer
	hbFn     func()
	joins    int
	lastErr  error
}

func (e *env) member(name, group string, topics []string, protocols ...string) *tmember {
	if len(protocols) == 0 {
		protocols = []string{"range"}
	}
	m := &tmember{e: e, name: name, group: group, clientID: name, topics: topics, protocols: protocols,
		session: 45 * time.Second, rebalance: 300 * time.Second, hbInterval: 3 * time.Second, gen: -1, ownedGen: -1}
	m.hbFn = m.heartbeat
	return m
}

func (m *tmember) cooperative() bool {
	a, err := assign.ByName(m.protocols[0])
	return err == nil && a.Protocol() == assign.Cooperative
}

// start begins the member's life: it joins with no member id.
func (m *tmember) start() {
	m.alive = true
	m.stalled, m.wantJoin = false, false
	m.fatal = nil
	m.id = ""
	m.gen = -1
	m.owned, m.ownedGen = nil, -1
	m.join()
}

func (m *tmember) join() {
	if !m.alive || m.busy {
		return
	}
	if m.stalled {
		m.wantJoin = true
		return
	}
	m.busy = true
	m.joins++
	ep := m.epoch
	var ps []Protocol
	for _, name := range m.protocols {
		sub := Subscription{Topics: m.topics, Generation: -1}
		if m.cooperative() {
			sub.OwnedPartitions = slices.Clone(m.owned)
			sub.Generation = m.ownedGen
		}
		ps = append(ps, Protocol{Name: name, Subscription: sub})
	}
	m.e.c.Join(JoinRequest{Group: m.group, MemberID: m.id, InstanceID: m.instanceID, ClientID: m.clientID,
		ClientHost: "/10.0.0." + m.name, SessionTimeout: m.session, RebalanceTimeout: m.rebalance, Protocols: ps},
		func(r JoinResponse) {
			if ep != m.epoch {
				return
			}
			m.busy = false
			m.onJoin(r)
		})
}

func (m *tmember) onJoin(r JoinResponse) {
	if r.Err != nil {
		m.lastErr = r.Err
		switch {
		case errors.Is(r.Err, kerr.MemberIDRequired):
			m.id = r.MemberID
			m.join()
		case errors.Is(r.Err, kerr.UnknownMemberID):
			m.id = ""
			m.lose()
			m.join()
		case errors.Is(r.Err, kerr.FencedInstanceID):
			m.die(r.Err)
		case errors.Is(r.Err, kerr.RebalanceInProgress), errors.Is(r.Err, kerr.IllegalGeneration):
			m.join()
		default:
			ep := m.epoch
			m.e.sim.After(time.Second, func() {
				if ep == m.epoch {
					m.join()
				}
			})
		}
		return
	}
	m.id, m.gen, m.protocol = r.MemberID, r.Generation, r.Protocol
	var as []MemberAssignment
	if len(r.Members) > 0 {
		var err error
		as, err = LeaderAssign(m.e.b, r.Protocol, r.Members)
		if err != nil {
			m.e.t.Errorf("%s: leader assign: %v", m.name, err)
		}
	}
	m.busy = true
	ep := m.epoch
	m.e.c.Sync(SyncRequest{Group: m.group, MemberID: m.id, InstanceID: m.instanceID, Generation: m.gen,
		Protocol: m.protocol, Assignments: as}, func(s SyncResponse) {
		if ep != m.epoch {
			return
		}
		m.busy = false
		m.onSync(s)
	})
	m.armHeartbeat()
}

func (m *tmember) onSync(s SyncResponse) {
	if s.Err != nil {
		m.lastErr = s.Err
		m.onError(s.Err)
		return
	}
	revoked := assign.Revoked(m.owned, s.Assignment)
	m.owned, m.ownedGen = slices.Clone(s.Assignment), m.gen
	if m.cooperative() && len(revoked) > 0 {
		// KIP-429: after revoking, rejoin so the partitions can move.
		m.join()
	}
}

// onError reacts to a heartbeat or sync error as librdkafka does.
func (m *tmember) onError(err error) {
	switch {
	case errors.Is(err, kerr.RebalanceInProgress):
		if !m.cooperative() {
			m.owned = nil // eager: revoke everything before rejoining
		}
		m.join()
	case errors.Is(err, kerr.IllegalGeneration):
		m.lose()
		m.join()
	case errors.Is(err, kerr.UnknownMemberID):
		m.lose()
		m.id = ""
		m.join()
	case errors.Is(err, kerr.FencedInstanceID):
		m.die(err)
	}
}

func (m *tmember) lose() { m.owned, m.ownedGen = nil, -1 }

func (m *tmember) die(err error) {
	m.fatal = err
	m.alive = false
	m.lose()
	m.epoch++
	m.hb.Stop()
}

func (m *tmember) armHeartbeat() {
	if !m.hb.Pending() {
		m.hb = m.e.sim.After(m.hbInterval, m.hbFn)
	}
}

func (m *tmember) heartbeat() {
	if !m.alive {
		return
	}
	m.hb = m.e.sim.After(m.hbInterval, m.hbFn)
	if m.busy || m.id == "" {
		return
	}
	if err := m.e.c.Heartbeat(m.group, m.id, m.instanceID, m.gen); err != nil {
		m.lastErr = err
		m.onError(err)
	}
}

// stall models an application stuck in processing: librdkafka's
// background thread keeps heartbeating, but the rebalance (and so the
// rejoin) waits for the next poll.
func (m *tmember) stall() { m.stalled = true }

// unstall lets a stalled member poll again: it joins if it had to.
func (m *tmember) unstall() {
	m.stalled = false
	if m.wantJoin {
		m.wantJoin = false
		m.join()
	}
}

// crash stops the member dead: no leave, no more heartbeats.
func (m *tmember) crash() {
	m.alive = false
	m.epoch++
	m.hb.Stop()
	m.busy = false
	m.lose()
}

// close leaves the group (dynamic members only, as librdkafka).
func (m *tmember) close() error {
	var err error
	if m.id != "" && m.instanceID == "" {
		err = m.e.c.Leave(m.group, m.id, "")
	}
	m.crash()
	return err
}

func (m *tmember) commit(offsets ...OffsetCommit) error {
	return m.e.c.CommitOffsets(CommitRequest{Group: m.group, MemberID: m.id, InstanceID: m.instanceID, Generation: m.gen, Offsets: offsets})
}

func (e *env) describe(group string) string {
	d := e.c.Describe(group)
	s := d.String()
	for _, m := range d.Members {
		s += fmt.Sprintf("\n  %s %v", m.MemberID, m.Assignment)
	}
	return s
}

func (e *env) transitions(kinds ...TransitionKind) []Transition {
	var out []Transition
	for _, t := range e.log {
		if len(kinds) == 0 || slices.Contains(kinds, t.Kind) {
			out = append(out, t)
		}
	}
	return out
}
