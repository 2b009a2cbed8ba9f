package group

// A member driver for the consumer group protocol in tests: it plays a
// KIP-848 client on the virtual clock the way the Java consumer and
// librdkafka 2.10+ do — join with epoch 0 and a member id of its own,
// heartbeat at the interval the coordinator gives, apply each assignment
// (revoke what is no longer in it, take the rest) and report what it owns
// in the next heartbeat, rejoin with epoch 0 when fenced (a new id when
// unknown), leave with -1 (dynamic) or -2 (static) on close. A stalled
// application keeps heartbeating but applies nothing until it polls
// again, and leaves the group itself once max.poll.interval.ms has passed
// since its last poll, dropping its partitions as lost.

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/internal/clock"
	"github.com/kafkasim/kafkasim/internal/kerr"
)

type cclient struct {
	e          *env
	name       string
	group      string
	instanceID string
	topics     []string
	assignor   string
	maxPoll    time.Duration

	incarnation int
	id          string
	epoch       int32
	owned       []broker.TopicPartition
	reported    bool // owned was sent since it last changed
	resend      bool // send a full request next (after an error)
	interval    time.Duration

	alive    bool
	stalled  bool
	left     bool // left on its own (poll timeout) and rejoins at the next poll
	want     []broker.TopicPartition
	hasWant  bool
	hb       clock.Timer
	pollT    clock.Timer
	life     int // bumped on crash/close: stale timers do nothing
	fatal    error
	lastErr  error
	joins    int
	commits  int
	sessions int
}

func (e *env) client(name, group string, topics ...string) *cclient {
	return &cclient{e: e, name: name, group: group, topics: topics, maxPoll: 5 * time.Minute, interval: 5 * time.Second}
}

// start begins a new process: a new member id, epoch 0.
func (m *cclient) start() {
	m.life++
	m.incarnation++
	m.alive, m.stalled, m.left, m.fatal = true, false, false, nil
	m.id = fmt.Sprintf("%s-%d", m.name, m.incarnation)
	m.epoch = JoinEpoch
	m.owned, m.reported, m.resend = nil, false, true
	m.hasWant = false
	m.sessions++
	m.heartbeat()
}

func (m *cclient) schedule() {
	life := m.life
	m.hb.Stop()
	m.hb = m.e.sim.After(m.interval, func() {
		if life == m.life {
			m.heartbeat()
		}
	})
}

func (m *cclient) request() ConsumerHeartbeatRequest {
	req := ConsumerHeartbeatRequest{Group: m.group, MemberID: m.id, MemberEpoch: m.epoch, InstanceID: m.instanceID,
		ClientID: m.name, ClientHost: "/10.0.0." + m.name}
	if m.epoch == JoinEpoch || m.resend {
		req.RebalanceTimeout, req.SubscribedTopics, req.ServerAssignor = m.maxPoll, slices.Clone(m.topics), m.assignor
		req.Owned = append([]broker.TopicPartition{}, m.owned...)
		if m.epoch == JoinEpoch {
			req.Owned = []broker.TopicPartition{}
		}
	} else if !m.reported {
		req.Owned = append([]broker.TopicPartition{}, m.owned...)
	}
	return req
}

func (m *cclient) heartbeat() {
	if !m.alive || m.left {
		return
	}
	req := m.request()
	if req.MemberEpoch == JoinEpoch {
		m.joins++
	}
	resp := m.e.c.ConsumerHeartbeat(req)
	m.schedule()
	if resp.Err != nil {
		m.onError(resp.Err)
		return
	}
	if m.e.heartbeatOK != nil {
		m.e.heartbeatOK(resp.MemberID)
	}
	m.resend = false
	if req.Owned != nil {
		m.reported = true
	}
	m.id, m.epoch = resp.MemberID, resp.MemberEpoch
	if resp.HeartbeatInterval > 0 {
		m.interval = resp.HeartbeatInterval
	}
	if resp.HasAssignment {
		m.want, m.hasWant = slices.Clone(resp.Assignment), true
		m.apply()
	}
}

// apply installs the latest assignment, unless the application is stuck.
func (m *cclient) apply() {
	if m.stalled || !m.hasWant {
		return
	}
	m.hasWant = false
	if !slices.Equal(m.owned, m.want) {
		m.owned = slices.Clone(m.want)
		m.reported = false
	}
}

func (m *cclient) onError(err error) {
	m.lastErr = err
	m.resend = true
	switch {
	case errors.Is(err, kerr.FencedMemberEpoch):
		m.lose()
		m.epoch = JoinEpoch // same member id
		m.heartbeat()
	case errors.Is(err, kerr.UnknownMemberID):
		m.lose()
		m.incarnation++
		m.id = fmt.Sprintf("%s-%d", m.name, m.incarnation)
		m.epoch = JoinEpoch
		m.heartbeat()
	case errors.Is(err, kerr.FencedInstanceID), errors.Is(err, kerr.GroupIDNotFound),
		errors.Is(err, kerr.InvalidRequest), errors.Is(err, kerr.UnsupportedAssignor):
		m.die(err)
	}
	// UNRELEASED_INSTANCE_ID, COORDINATOR_NOT_AVAILABLE, GROUP_MAX_SIZE:
	// try again at the next interval.
}

func (m *cclient) lose() {
	m.owned, m.hasWant, m.reported = nil, false, false
}

func (m *cclient) die(err error) {
	m.fatal = err
	m.crash()
}

// crash stops the process: no leave, no more heartbeats.
func (m *cclient) crash() {
	m.alive = false
	m.life++
	m.hb.Stop()
	m.pollT.Stop()
	m.lose()
}

// close leaves the group (-1, or -2 for a static member) and stops.
func (m *cclient) close() ConsumerHeartbeatResponse {
	var resp ConsumerHeartbeatResponse
	if m.alive && !m.left && m.epoch != JoinEpoch {
		epoch := LeaveEpoch
		if m.instanceID != "" {
			epoch = LeaveStaticEpoch
		}
		resp = m.e.c.ConsumerHeartbeat(ConsumerHeartbeatRequest{Group: m.group, MemberID: m.id, MemberEpoch: epoch, InstanceID: m.instanceID})
	}
	m.crash()
	return resp
}

// stall: the application stops polling. Heartbeats go on; assignments
// wait; after max.poll.interval.ms the client leaves on its own.
func (m *cclient) stall() {
	m.stalled = true
	life := m.life
	m.pollT.Stop()
	m.pollT = m.e.sim.After(m.maxPoll, func() {
		if life != m.life || !m.stalled || m.left {
			return
		}
		epoch := LeaveEpoch
		if m.instanceID != "" {
			epoch = LeaveStaticEpoch
		}
		if m.epoch != JoinEpoch {
			m.e.c.ConsumerHeartbeat(ConsumerHeartbeatRequest{Group: m.group, MemberID: m.id, MemberEpoch: epoch, InstanceID: m.instanceID})
		}
		m.left = true
		m.lose()
		m.hb.Stop()
	})
}

// unstall: the application polls again; it applies the latest assignment
// or, if it left meanwhile, rejoins with epoch 0 and the same member id.
func (m *cclient) unstall() {
	m.stalled = false
	m.pollT.Stop()
	if m.left {
		m.left = false
		m.epoch, m.resend = JoinEpoch, true
		m.heartbeat()
		return
	}
	m.apply()
}

func (m *cclient) commit(tp broker.TopicPartition, offset int64) error {
	m.commits++
	return m.e.c.CommitOffsets(CommitRequest{Group: m.group, MemberID: m.id, InstanceID: m.instanceID, Generation: m.epoch,
		Offsets: []OffsetCommit{{TopicPartition: tp, Offset: offset}}})
}

// consumerInfo fetches a consumer group's view or fails the test.
func (e *env) consumerInfo(group string) ConsumerGroupInfo {
	e.t.Helper()
	info, ok := e.c.ConsumerGroup(group)
	if !ok {
		e.t.Fatal("no consumer group " + group)
	}
	return info
}

func (info ConsumerGroupInfo) member(id string) (ConsumerMemberInfo, bool) {
	for _, m := range info.Members {
		if m.MemberID == id {
			return m, true
		}
	}
	return ConsumerMemberInfo{}, false
}
