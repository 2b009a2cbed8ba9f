package group

import (
	"fmt"
	"slices"
	"time"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/internal/clock"
	"github.com/kafkasim/kafkasim/internal/kerr"
)

// group is one classic group (Kafka's ClassicGroup).
type group struct {
	id           string
	state        State
	protocolType string // "consumer" once a member joined; "" for standalone commits
	protocol     string
	generation   int32
	leader       string

	members map[string]*member
	// lastMember is the member validateMember found last (one commits
	// again and again).
	lastMember *member
	order      []string          // member ids in join order (leader fallback)
	static     map[string]string // group.instance.id → member id
	pending    map[string]clock.Timer

	// protoCount counts the members supporting each protocol name
	// (Kafka's supportedProtocols), so that a join checks the joiner's
	// protocols without a pass over every member.
	protoCount map[string]int
	// awaiting counts the members with a parked JoinGroup (joinReply
	// set), so that a join checks whether all have rejoined without a
	// pass over every member (setJoinReply keeps it).
	awaiting int

	// The delayed join: the rebalance timeout, or the initial delay.
	joinTimer      clock.Timer
	initialDelay   bool
	initialCurrent time.Duration
	initialRemain  time.Duration
	newMemberAdded bool

	// Members that got a JoinGroup response and have not synced yet, and
	// the timer that removes them (Kafka's DelayedSync).
	pendingSync map[string]bool
	syncTimer   clock.Timer

	owners map[broker.TopicPartition]string // last installed assignment
}

// member is one group member (Kafka's MemberMetadata).
type member struct {
	g                    *group
	id, instanceID       string
	clientID, clientHost string
	session, rebalance   time.Duration
	protocols            []Protocol

	joinReply func(JoinResponse)
	syncReply func(SyncResponse)

	assignment []broker.TopicPartition

	// Session expiry is lazy: deadline moves on every heartbeat, and the
	// one timer re-arms itself when it fires early. A heartbeat costs a
	// field write, not a heap operation.
	deadline time.Time
	timer    clock.Timer
	expireFn func()
	removed  bool
}

func newGroup(id string) *group {
	return &group{
		id:          id,
		members:     map[string]*member{},
		protoCount:  map[string]int{},
		static:      map[string]string{},
		pending:     map[string]clock.Timer{},
		pendingSync: map[string]bool{},
		owners:      map[broker.TopicPartition]string{},
	}
}

// getOrCreate returns the group, creating an Empty one (or replacing a Dead
// one: Kafka removes Dead groups, so a new request starts afresh).
func (c *Coordinator) getOrCreate(id string) *group {
	g := c.groups[id]
	if g == nil || g.state == Dead {
		g = newGroup(id)
		c.groups[id] = g
		c.lastGroup = nil
	}
	return g
}

// commitGroup is groups[id] for a commit: a member commits again and
// again to one group, so the last one found is kept (and forgotten when
// groups changes).
func (c *Coordinator) commitGroup(id string) *group {
	if g := c.lastGroup; g != nil && g.id == id {
		return g
	}
	g := c.groups[id]
	if g != nil {
		c.lastGroup = g
	}
	return g
}

func (g *group) maxRebalanceTimeout() time.Duration {
	var d time.Duration
	for _, id := range g.order {
		d = max(d, g.members[id].rebalance)
	}
	return d
}

// allJoined is Kafka's hasAllMembersJoined: every member awaits a join
// response and no MEMBER_ID_REQUIRED member is still to come back.
func (g *group) allJoined() bool {
	return len(g.pending) == 0 && g.awaiting == len(g.members)
}

// setJoinReply parks (r set) or takes away (r nil) m's JoinGroup
// response, keeping g.awaiting for a member of g.
func (g *group) setJoinReply(m *member, r func(JoinResponse)) {
	if g.members[m.id] == m {
		switch {
		case m.joinReply == nil && r != nil:
			g.awaiting++
		case m.joinReply != nil && r == nil:
			g.awaiting--
		}
	}
	m.joinReply = r
}

// validateMember is Kafka's ClassicGroup.validateMember: with an instance
// id, the instance must be known (UNKNOWN_MEMBER_ID) and mapped to this
// member (FENCED_INSTANCE_ID); without, the member must be known.
func (g *group) validateMember(memberID, instanceID string) (*member, kerr.Code) {
	if instanceID != "" {
		id, ok := g.static[instanceID]
		if !ok {
			return nil, kerr.UnknownMemberID
		}
		if id != memberID {
			return nil, kerr.FencedInstanceID
		}
	}
	if m := g.lastMember; m != nil && m.id == memberID && !m.removed {
		return m, kerr.NoError // (a member that leaves is marked removed)
	}
	m := g.members[memberID]
	if m == nil {
		return nil, kerr.UnknownMemberID
	}
	g.lastMember = m
	return m, kerr.NoError
}

// supportsProtocols: an Empty group takes any protocol; otherwise some
// protocol of the joiner must be supported by every member.
func (g *group) supportsProtocols(ps []Protocol) bool {
	if len(ps) == 0 {
		return false
	}
	if len(g.members) == 0 {
		return true
	}
	for _, p := range ps {
		if g.protoCount[p.Name] == len(g.members) {
			return true
		}
	}
	return false
}

// countProtocols adds d (1 or -1) to the count of each protocol name m
// supports (a name listed twice counts once). Every change to g.members,
// or to the protocols of one of them, goes with it.
func (g *group) countProtocols(m *member, d int) {
	for i, p := range m.protocols {
		if slices.ContainsFunc(m.protocols[:i], func(q Protocol) bool { return q.Name == p.Name }) {
			continue
		}
		if n := g.protoCount[p.Name] + d; n > 0 {
			g.protoCount[p.Name] = n
		} else {
			delete(g.protoCount, p.Name)
		}
	}
}

// selectProtocol is Kafka's vote: among the protocols every member
// supports, each member votes for its most preferred; most votes wins. Ties
// go to the one the longest-standing member prefers.
func (g *group) selectProtocol() string {
	var candidates []string
	first := g.members[g.order[0]]
	for _, p := range first.protocols {
		all := true
		for _, id := range g.order[1:] {
			if !slices.ContainsFunc(g.members[id].protocols, func(q Protocol) bool { return q.Name == p.Name }) {
				all = false
				break
			}
		}
		if all && !slices.Contains(candidates, p.Name) {
			candidates = append(candidates, p.Name)
		}
	}
	votes := make([]int, len(candidates))
	for _, id := range g.order {
		for _, p := range g.members[id].protocols {
			if i := slices.Index(candidates, p.Name); i >= 0 {
				votes[i]++
				break
			}
		}
	}
	best := 0
	for i := range candidates {
		if votes[i] > votes[best] {
			best = i
		}
	}
	if len(candidates) == 0 {
		return ""
	}
	return candidates[best]
}

func (m *member) subscription(protocol string) Subscription {
	for _, p := range m.protocols {
		if p.Name == protocol {
			return p.Subscription
		}
	}
	return Subscription{}
}

// sameProtocols compares JoinGroup metadata as Kafka does (byte equality
// of each protocol's metadata): names, topics, user data, owned partitions
// and their generation. A cooperative member rejoining after revoking
// therefore always triggers the follow-up rebalance.
func sameProtocols(a, b []Protocol) bool {
	return slices.EqualFunc(a, b, func(x, y Protocol) bool {
		return sameTopics(x, y) && slices.Equal(x.Subscription.OwnedPartitions, y.Subscription.OwnedPartitions) &&
			x.Subscription.Generation == y.Subscription.Generation
	})
}

// sameSubscriptions compares only protocol names, topics and user data:
// what decides whether a restarted static member may take its old
// assignment back without a rebalance.
func sameSubscriptions(a, b []Protocol) bool { return slices.EqualFunc(a, b, sameTopics) }

func sameTopics(x, y Protocol) bool {
	return x.Name == y.Name && slices.Equal(x.Subscription.Topics, y.Subscription.Topics) &&
		slices.Equal(x.Subscription.UserData, y.Subscription.UserData)
}

// --- session timers ---

// touch restarts m's session: it expires at now + session timeout unless
// touched again.
func (c *Coordinator) touch(m *member) { c.touchAt(m, c.clk.Now()) }

// touchAt is touch with the time of now given.
func (c *Coordinator) touchAt(m *member, now time.Time) {
	m.deadline = now.Add(m.session)
	if !m.timer.Pending() {
		m.timer = c.clk.At(m.deadline, m.expireFn)
	}
}

// sessionTimerFired runs when m's timer fires, possibly before its
// (moved) deadline.
func (c *Coordinator) sessionTimerFired(m *member) {
	if m.removed {
		return
	}
	now := c.clk.Now()
	deadline := m.deadline
	if h := c.cfg.Hooks; h != nil {
		deadline = deadline.Add(h.LateSession) // planted bug: the session ends late
	}
	if now.Before(deadline) {
		m.timer = c.clk.At(deadline, m.expireFn)
		return
	}
	if !c.b.Available() || m.joinReply != nil || m.syncReply != nil {
		// The coordinator is down (it restarts every session when it comes
		// back), or the member is parked in a JoinGroup or SyncGroup,
		// which keeps it alive as in Kafka.
		c.touch(m)
		return
	}
	g := m.g
	cause := fmt.Sprintf("session of %s expired: no heartbeat for %s (session.timeout.ms)", m.id, dur(m.session))
	c.removeMemberAndUpdate(g, m, SessionExpired, cause)
}

func (c *Coordinator) newMember(g *group, id string, req JoinRequest) *member {
	m := &member{g: g, id: id}
	m.update(req)
	m.expireFn = func() { c.sessionTimerFired(m) }
	return m
}

func (m *member) update(req JoinRequest) {
	m.instanceID = req.InstanceID
	m.clientID, m.clientHost = req.ClientID, req.ClientHost
	m.session, m.rebalance = req.SessionTimeout, req.RebalanceTimeout
	if m.rebalance <= 0 {
		m.rebalance = m.session
	}
	m.protocols = slices.Clone(req.Protocols)
}

// --- membership ---

func (c *Coordinator) addMember(g *group, m *member) {
	g.members[m.id] = m
	g.countProtocols(m, 1)
	if m.joinReply != nil {
		g.awaiting++
	}
	g.order = append(g.order, m.id)
	if m.instanceID != "" {
		g.static[m.instanceID] = m.id
	}
	if g.leader == "" {
		g.leader = m.id
	}
}

// dropMember takes m out of g without any rebalance logic.
func (c *Coordinator) dropMember(g *group, m *member) {
	m.removed = true
	m.timer.Stop()
	if m.joinReply != nil && g.members[m.id] == m {
		g.awaiting--
	}
	delete(g.members, m.id)
	g.countProtocols(m, -1)
	if i := slices.Index(g.order, m.id); i >= 0 {
		g.order = slices.Delete(g.order, i, i+1)
	}
	if m.instanceID != "" && g.static[m.instanceID] == m.id {
		delete(g.static, m.instanceID)
	}
	delete(g.pendingSync, m.id)
	if g.leader == m.id {
		g.leader = ""
		if len(g.order) > 0 {
			g.leader = g.order[0]
		}
	}
}

// removeMemberAndUpdate is Kafka's removeMemberAndUpdateGroup: a parked
// JoinGroup or SyncGroup gets UNKNOWN_MEMBER_ID, the member goes, and the
// group rebalances (or the pending rebalance may now complete).
func (c *Coordinator) removeMemberAndUpdate(g *group, m *member, kind TransitionKind, cause string) {
	if r := m.joinReply; r != nil {
		g.setJoinReply(m, nil)
		err := errf(kerr.UnknownMemberID, "join", g.id, "member %s was removed", m.id)
		c.later(func() { r(JoinResponse{Err: err, Generation: -1, MemberID: m.id}) })
	}
	if r := m.syncReply; r != nil {
		m.syncReply = nil
		err := errf(kerr.UnknownMemberID, "sync", g.id, "member %s was removed", m.id)
		c.later(func() { r(SyncResponse{Err: err}) })
	}
	c.dropMember(g, m)
	c.emit(g, kind, m.id, cause, nil)
	switch g.state {
	case Stable, CompletingRebalance:
		c.prepareRebalance(g, cause)
	case PreparingRebalance:
		c.tryCompleteJoin(g)
	}
}

// --- rebalance ---

// prepareRebalance starts a rebalance: parked SyncGroups get
// REBALANCE_IN_PROGRESS, and the delayed join is armed — the initial
// rebalance delay from Empty, else the largest rebalance timeout.
func (c *Coordinator) prepareRebalance(g *group, cause string) {
	if g.state == CompletingRebalance {
		for _, id := range g.order {
			m := g.members[id]
			m.assignment = nil
			if r := m.syncReply; r != nil {
				m.syncReply = nil
				c.touch(m)
				err := errf(kerr.RebalanceInProgress, "sync", g.id, "a new rebalance started")
				c.later(func() { r(SyncResponse{Err: err}) })
			}
		}
	}
	g.syncTimer.Stop()
	clear(g.pendingSync)
	g.joinTimer.Stop()
	fromEmpty := g.state == Empty
	rebalance := g.maxRebalanceTimeout()
	if fromEmpty && c.cfg.InitialRebalanceDelay > 0 {
		g.initialDelay = true
		g.newMemberAdded = false
		g.initialCurrent = c.cfg.InitialRebalanceDelay
		g.initialRemain = max(rebalance-c.cfg.InitialRebalanceDelay, 0)
		g.joinTimer = c.clk.After(g.initialCurrent, func() { c.joinTimerFired(g) })
	} else {
		g.initialDelay = false
		g.joinTimer = c.clk.After(rebalance, func() { c.joinTimerFired(g) })
	}
	c.setState(g, PreparingRebalance, cause)
	c.tryCompleteJoin(g)
}

func (c *Coordinator) joinTimerFired(g *group) {
	if g.state != PreparingRebalance || c.groups[g.id] != g {
		return
	}
	if !c.b.Available() {
		g.joinTimer = c.clk.After(max(g.initialCurrent, time.Second), func() { c.joinTimerFired(g) })
		return
	}
	if g.initialDelay {
		// Kafka's InitialDelayedJoin: each new member during the delay
		// extends it by up to the delay again, within the rebalance timeout.
		if g.newMemberAdded && g.initialRemain > 0 {
			g.newMemberAdded = false
			d := min(c.cfg.InitialRebalanceDelay, g.initialRemain)
			g.initialRemain = max(g.initialRemain-g.initialCurrent, 0)
			g.initialCurrent = d
			g.joinTimer = c.clk.After(d, func() { c.joinTimerFired(g) })
			return
		}
		g.initialDelay = false
	}
	c.completeJoin(g)
}

// tryCompleteJoin is DelayedJoin.tryComplete: finish at once when every
// member has rejoined (never during the initial delay).
func (c *Coordinator) tryCompleteJoin(g *group) {
	if g.state == PreparingRebalance && !g.initialDelay && g.allJoined() {
		c.completeJoin(g)
	}
}

// completeJoin is Kafka's onCompleteJoin.
func (c *Coordinator) completeJoin(g *group) {
	g.joinTimer.Stop()
	for _, id := range slices.Clone(g.order) {
		m := g.members[id]
		if m.joinReply == nil && m.instanceID == "" {
			c.dropMember(g, m)
			c.emit(g, RebalanceTimedOut, m.id, fmt.Sprintf("%s did not rejoin within the rebalance timeout (%s, max.poll.interval.ms) and was removed", m.id, dur(g.maxRebalanceTimeoutWith(m))), nil)
		}
	}
	if len(g.members) == 0 {
		g.generation++
		g.protocol, g.leader = "", ""
		clear(g.owners)
		c.setState(g, Empty, fmt.Sprintf("no members left; generation %d", g.generation))
		return
	}
	// Leader: keep it if it rejoined, else the first member that did.
	if l := g.members[g.leader]; l == nil || l.joinReply == nil {
		g.leader = ""
		for _, id := range g.order {
			if g.members[id].joinReply != nil {
				g.leader = id
				break
			}
		}
		if g.leader == "" {
			// Only static members that did not rejoin remain: wait for
			// them, or for their sessions to expire.
			g.leader = g.order[0]
			g.joinTimer = c.clk.After(g.maxRebalanceTimeout(), func() { c.joinTimerFired(g) })
			return
		}
	}
	g.generation++
	g.protocol = g.selectProtocol()
	c.setState(g, CompletingRebalance, fmt.Sprintf("generation %d formed with %d members, protocol %s, leader %s", g.generation, len(g.members), g.protocol, g.leader))
	var all []MemberMetadata
	for _, id := range g.sortedIDs() {
		m := g.members[id]
		all = append(all, MemberMetadata{MemberID: m.id, InstanceID: m.instanceID, Subscription: m.subscription(g.protocol)})
	}
	for _, id := range g.order {
		m := g.members[id]
		g.pendingSync[id] = true
		r := m.joinReply
		if r == nil {
			continue
		}
		g.setJoinReply(m, nil)
		c.touch(m)
		resp := JoinResponse{Generation: g.generation, Protocol: g.protocol, Leader: g.leader, MemberID: m.id}
		if m.id == g.leader {
			resp.Members = all
		}
		c.later(func() { r(resp) })
	}
	gen := g.generation
	g.syncTimer = c.clk.After(g.maxRebalanceTimeout(), func() { c.syncTimerFired(g, gen) })
}

func (g *group) maxRebalanceTimeoutWith(m *member) time.Duration {
	return max(g.maxRebalanceTimeout(), m.rebalance)
}

func (g *group) sortedIDs() []string {
	ids := slices.Clone(g.order)
	slices.Sort(ids)
	return ids
}

// syncTimerFired is Kafka's DelayedSync: members that have not synced
// within the rebalance timeout after the join completed are removed.
func (c *Coordinator) syncTimerFired(g *group, gen int32) {
	if g.generation != gen || len(g.pendingSync) == 0 || c.groups[g.id] != g {
		return
	}
	if g.state != CompletingRebalance && g.state != Stable {
		return
	}
	if !c.b.Available() {
		g.syncTimer = c.clk.After(g.maxRebalanceTimeout(), func() { c.syncTimerFired(g, gen) })
		return
	}
	var late []string
	for _, id := range g.order {
		if g.pendingSync[id] {
			late = append(late, id)
		}
	}
	for _, id := range late {
		m := g.members[id]
		if r := m.syncReply; r != nil {
			m.syncReply = nil
			err := errf(kerr.UnknownMemberID, "sync", g.id, "member %s was removed", m.id)
			c.later(func() { r(SyncResponse{Err: err}) })
		}
		c.dropMember(g, m)
		c.emit(g, RebalanceTimedOut, id, fmt.Sprintf("%s did not send SyncGroup within the rebalance timeout and was removed", id), nil)
	}
	c.prepareRebalance(g, fmt.Sprintf("removed %d members that did not sync", len(late)))
}
