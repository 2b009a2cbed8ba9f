package scenarios

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/client/sim"
	"github.com/kafkasim/kafkasim/group"
	"github.com/kafkasim/kafkasim/internal/clock"
)

var errNoCrash = errors.New("the backend's consumer cannot crash (it does not implement client.Crasher)")

// simBackend runs a scenario on the in-memory cluster in virtual time.
type simBackend struct {
	cl *sim.Cluster
	// names labels the members of consumer groups (KIP-848), whose ids
	// are bare UUIDs, for the timeline: member id → "client.id(uuid…)".
	names map[string]string
	// consumerGroups are the groups seen speaking the consumer protocol.
	consumerGroups map[string]bool
}

// NewSimBackend is the default Backend: a sim.Cluster on a virtual clock
// seeded with seed, configured from the scenario's cluster section.
func NewSimBackend(s *Scenario, seed uint64) (Backend, error) {
	// App code waiting without a timeout ends with the run.
	cfg := sim.Config{Seed: seed, Horizon: s.Duration}
	cfg.Broker.AllowAutoCreateTopics = s.Cluster.AutoCreateTopics
	cfg.Broker.OffsetsRetention = s.Cluster.OffsetsRetention
	cfg.Broker.OffsetsRetentionCheckInterval = s.Cluster.OffsetsRetentionCheck
	cfg.Group = group.DefaultConfig()
	if d := s.Cluster.GroupInitialRebalanceDelay; d != nil {
		cfg.Group.InitialRebalanceDelay = *d
		if *d == 0 {
			cfg.Group.InitialRebalanceDelay = -1 // group.Config: negative means none
		}
	}
	return &simBackend{cl: sim.NewCluster(cfg)}, nil
}

// NewSimBackendOn is a Backend on a cluster the caller built, for settings
// the scenario file has no words for: a planted coordinator bug
// (sim.Config.Group), a clock fed by another random source
// (sim.Config.Clock with clock.NewSimSource), and direct access to the
// broker and coordinator while a Session runs. The scenario's cluster
// section is not applied; use it in Options.Backend:
//
//	cl := sim.NewCluster(cfg)
//	opts.Backend = func(*scenarios.Scenario, uint64) (scenarios.Backend, error) {
//		return scenarios.NewSimBackendOn(cl), nil
//	}
func NewSimBackendOn(cl *sim.Cluster) Backend { return &simBackend{cl: cl} }

func (b *simBackend) Name() string         { return "sim" }
func (b *simBackend) Loop() clock.Loop     { return b.cl.Clock() }
func (b *simBackend) RunUntil(t time.Time) { b.cl.RunUntil(t) }
func (b *simBackend) Rand() *rand.Rand     { return b.cl.Clock().Rand() }
func (b *simBackend) Close()               {}
func (b *simBackend) SetBrokerAvailable(up bool) error {
	b.cl.SetBrokerAvailable(up)
	return nil
}

func (b *simBackend) CreateTopic(t Topic) error {
	return b.cl.Broker().CreateTopic(t.Name, t.Partitions, broker.TopicConfig{RetentionTime: t.Retention})
}

func (b *simBackend) NewConsumer(conf client.ConfigMap, hooks ...client.Hook) (client.Consumer, error) {
	return b.cl.NewConsumer(conf, hooks...)
}

func (b *simBackend) NewProducer(conf client.ConfigMap, hooks ...client.Hook) (client.Producer, error) {
	return b.cl.NewProducer(conf, hooks...)
}

func (b *simBackend) WatchGroups(fn func(Event)) {
	b.cl.Coordinator().OnTransition(func(t group.Transition) {
		if t.ClientID != "" || b.consumerGroups[t.Group] {
			b.consumerTransition(t, fn)
			return
		}
		e := Event{Actor: "group:" + t.Group, Group: t.Group, Generation: t.Generation, Partition: -1, Offset: -1, Member: t.MemberID, Cause: t.Cause}
		switch t.Kind {
		case group.StateChanged:
			e.Kind, e.State = KindGroupState, t.To.String()
			e.Detail = t.From.String() + " → " + t.To.String()
		case group.SessionExpired, group.RebalanceTimedOut, group.MemberFenced:
			e.Kind = KindMemberExpired
			e.Detail = t.Kind.String()
		case group.OffsetsExpired:
			e.Kind = KindOffsetsExpired
			e.Detail = "committed offsets expired (offsets.retention.minutes)"
		case group.StaticRejoined:
			e.Kind = KindGroupEvent
			e.Detail = "static member rejoined: same assignment, no rebalance"
		case group.AssignmentComputed:
			if len(t.Moved) == 0 {
				return
			}
			e.Kind = KindGroupEvent
			e.Detail = movedDetail(t.Moved)
		default:
			return
		}
		fn(e)
	})
}

// movedDetail is a group_event's Detail for partitions a rebalance moved:
// "moved: t[0] c1→c2 t[1] -→c3". It is built in one buffer: a string
// grown by += per partition copies all of it each time, which is
// quadratic in the partitions of a large group.
func movedDetail(moved []group.PartitionMove) string {
	n := len("moved:")
	for _, m := range moved {
		n += len(m.Partition.Topic) + len(m.From) + len(m.To) + 20
	}
	b := make([]byte, 0, n)
	b = append(b, "moved:"...)
	for _, m := range moved {
		b = append(b, ' ')
		b = append(b, m.Partition.Topic...)
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(m.Partition.Partition), 10)
		b = append(b, "] "...)
		b = append(b, orDash(m.From)...)
		b = append(b, "→"...)
		b = append(b, orDash(m.To)...)
	}
	return string(b)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (b *simBackend) Describe(g string, topics []string) GroupResult {
	d := b.cl.Coordinator().Describe(g)
	res := GroupResult{Group: g, State: d.State.String(), Generation: d.Generation, Table: d.Table(), Partitions: []PartitionResult{}}
	rows := map[TP]group.PartitionOffset{}
	for _, r := range d.Offsets {
		rows[TP{r.Topic, r.Partition}] = r
	}
	for _, t := range topics {
		n, err := b.cl.Broker().Partitions(t)
		if err != nil {
			continue
		}
		for p := range n {
			pr := PartitionResult{Topic: t, Partition: p, Committed: -1, Lag: -1}
			if hw, err := b.cl.Broker().ListOffset(broker.TopicPartition{Topic: t, Partition: p}, broker.Latest()); err == nil {
				pr.LogEnd = hw
			}
			if om, ok := b.cl.Broker().CommittedOffset(g, broker.TopicPartition{Topic: t, Partition: p}); ok {
				pr.Committed = om.Offset
				pr.Lag = pr.LogEnd - pr.Committed
			}
			if r, ok := rows[TP{t, p}]; ok {
				pr.Owner, pr.Member = r.ClientID, r.ConsumerID
			}
			res.Partitions = append(res.Partitions, pr)
		}
	}
	return res
}

// consumerTransition records a transition of a consumer group (KIP-848):
// what the classic protocol's transitions say, plus the group epoch
// rising, the target assignment (who will own what: nothing moves yet),
// each member's reconciliation step (its epoch, what it owns, what it
// must still revoke) and a static member's leave with epoch -2. Member
// ids, bare UUIDs, are written as the member's client.id with the start
// of its id.
func (b *simBackend) consumerTransition(t group.Transition, fn func(Event)) {
	if b.consumerGroups == nil {
		b.consumerGroups, b.names = map[string]bool{}, map[string]string{}
	}
	b.consumerGroups[t.Group] = true
	if t.ClientID != "" && t.MemberID != "" {
		b.names[t.MemberID] = memberLabel(t.ClientID, t.MemberID)
	}
	e := Event{Actor: "group:" + t.Group, Group: t.Group, Generation: t.Generation, Partition: -1, Offset: -1, Member: t.MemberID, Cause: b.named(t.Cause)}
	switch t.Kind {
	case group.StateChanged:
		if t.To == group.Dead {
			// An Empty consumer group giving way to a classic one.
			delete(b.consumerGroups, t.Group)
		}
		e.Kind, e.State = KindGroupState, t.To.String()
		e.Detail = t.From.String() + " → " + t.To.String()
	case group.SessionExpired, group.RebalanceTimedOut, group.MemberFenced:
		e.Kind = KindMemberExpired
		e.Detail = t.Kind.String()
	case group.OffsetsExpired:
		e.Kind = KindOffsetsExpired
		e.Detail = "committed offsets expired (offsets.retention.minutes)"
	case group.StaticRejoined:
		e.Kind = KindGroupEvent
		e.Detail = "static member rejoined: it takes the place and the partitions of the one that left"
	case group.EpochBumped:
		e.Kind = KindGroupEvent
		e.Detail = "group epoch " + strconv.Itoa(int(t.Generation))
		e.Cause = strings.TrimPrefix(e.Cause, e.Detail+": ")
	case group.AssignmentComputed:
		if len(t.Moved) == 0 {
			return
		}
		e.Kind = KindGroupEvent
		moved := slices.Clone(t.Moved)
		for i := range moved {
			moved[i].From, moved[i].To = b.name(moved[i].From), b.name(moved[i].To)
		}
		// The target: partitions change owner only as members reconcile.
		e.Detail = "target:" + movedDetail(moved)[len("moved:"):]
	case group.MemberReconciled:
		e.Kind = KindGroupEvent
		e.Generation = t.MemberEpoch // the member's epoch, not the group's
		e.Detail = reconciledDetail(b.name(t.MemberID), t)
		for _, tp := range t.Assigned {
			e.Partitions = append(e.Partitions, TP{tp.Topic, tp.Partition})
		}
	case group.StaticLeft:
		e.Kind = KindGroupEvent
		e.Detail = staticLeftDetail
	default:
		return
	}
	fn(e)
}

// staticLeftDetail is the Detail of a static member's leave with epoch -2
// (Member is the member); StepState reads it.
const staticLeftDetail = "static member left for now (epoch -2): it keeps its partitions"

// memberLabel names a consumer group member: "c1(Dsymhy)".
func memberLabel(clientID, memberID string) string {
	return clientID + "(" + memberID[:min(6, len(memberID))] + ")"
}

// name is the label of member id, or id.
func (b *simBackend) name(id string) string {
	if n, ok := b.names[id]; ok {
		return n
	}
	return id
}

// named writes the member ids in s as labels.
func (b *simBackend) named(s string) string {
	for id, n := range b.names {
		if strings.Contains(s, id) {
			s = strings.ReplaceAll(s, id, n)
		}
	}
	return s
}

// reconcilePrefix starts the Detail of a reconciliation step (a
// group_event whose Member is the member, Generation its member epoch and
// Partitions what it is assigned now); StepState and the classifier read
// it.
const reconcilePrefix = "reconcile: "

// reconciledDetail is a reconciliation step's Detail: "reconcile: owned
// by c1(Dsymhy) at member epoch 3, which must still revoke t[2]", or
// "reconcile: c1(Dsymhy) at member epoch 2 owns nothing".
func reconciledDetail(who string, t group.Transition) string {
	var sb strings.Builder
	sb.WriteString(reconcilePrefix)
	if len(t.Assigned) == 0 {
		sb.WriteString(who + " at member epoch " + strconv.Itoa(int(t.MemberEpoch)) + " owns nothing")
	} else {
		sb.WriteString("owned by " + who + " at member epoch " + strconv.Itoa(int(t.MemberEpoch)))
	}
	if len(t.Revoking) > 0 {
		sb.WriteString(", which must still revoke")
		for _, tp := range t.Revoking {
			sb.WriteByte(' ')
			sb.WriteString(TP{tp.Topic, tp.Partition}.String())
		}
	}
	return sb.String()
}
