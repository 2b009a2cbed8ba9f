package kafka

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	fkerr "github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafkasim/kafkasim/client"
)

// Dialer opens the network connections of a client in place of
// net.Dialer (kgo.Dialer). Pass one among the hooks of NewConsumer or
// NewProducer, or to NewAdmin; tests use it with kfake's VirtualNetwork
// inside a testing/synctest bubble. A Dialer is not a hook: nothing calls
// it but kgo.
type Dialer func(ctx context.Context, network, address string) (net.Conn, error)

// dialOpts returns the kgo option of a Dialer found among hooks.
func dialOpts(hooks []client.Hook) []kgo.Opt {
	for _, h := range hooks {
		if d, ok := h.(Dialer); ok && d != nil {
			return []kgo.Opt{kgo.Dialer(d)}
		}
	}
	return nil
}

// ErrUnreachable is wrapped by Admin.Ping when no broker of
// bootstrap.servers answers.
var ErrUnreachable = errors.New("cluster unreachable")

// Admin is the small administrative client the scenario runner needs on a
// real cluster: reachability, topics, broker configuration and the state
// of consumer groups. Errors are client.Error values with internal/kerr
// codes (broker errors keep their Kafka code).
type Admin struct {
	seeds   []string
	timeout time.Duration
	cl      *kgo.Client
	adm     *kadm.Client
	watch   *seedWatch
}

// NewAdmin creates an admin client for bootstrap.servers and the security
// keys of conf (other consumer/producer keys are ignored). dial, if not
// nil, replaces the network dialer. Like NewConsumer, it does not contact
// the cluster; see Ping.
func NewAdmin(conf client.ConfigMap, dial Dialer) (*Admin, error) {
	conf, verify, err := splitBackendKeys(conf)
	if err != nil {
		return nil, err
	}
	common := client.ConfigMap{}
	for k, v := range conf {
		if k == "bootstrap.servers" || k == "client.id" || k == "socket.timeout.ms" ||
			strings.HasPrefix(k, "security.") || strings.HasPrefix(k, "sasl.") || strings.HasPrefix(k, "ssl.") {
			common[k] = v
		}
	}
	cfg, err := client.ParseProducerConfig(common)
	if err != nil {
		return nil, err
	}
	opts, err := commonOpts(cfg.CommonConfig, verify)
	if err != nil {
		return nil, err
	}
	a := &Admin{seeds: cfg.BootstrapServers, timeout: cfg.SocketTimeout, watch: &seedWatch{failed: map[string]error{}}}
	opts = append(opts, kgo.WithHooks(a.watch), kgo.RequestRetries(3))
	if dial != nil {
		opts = append(opts, kgo.Dialer(dial))
	}
	a.cl, err = kgo.NewClient(opts...)
	if err != nil {
		return nil, invalid("bootstrap.servers", err.Error())
	}
	a.adm = kadm.NewClient(a.cl)
	return a, nil
}

// Close releases the client.
func (a *Admin) Close() { a.cl.Close() }

// seedWatch remembers the last dial error of every broker address and
// wakes Ping when every seed has failed at least once.
type seedWatch struct {
	mu     sync.Mutex
	failed map[string]error
	onFail func(n int)
}

func (w *seedWatch) OnBrokerConnect(meta kgo.BrokerMetadata, _ time.Duration, _ net.Conn, err error) {
	addr := net.JoinHostPort(meta.Host, strconv.Itoa(int(meta.Port)))
	w.mu.Lock()
	if err == nil {
		delete(w.failed, addr)
	} else if !errors.Is(err, context.Canceled) {
		w.failed[addr] = err
	}
	n, fn := len(w.failed), w.onFail
	w.mu.Unlock()
	if err != nil && fn != nil {
		fn(n)
	}
}

var _ kgo.HookBrokerConnect = (*seedWatch)(nil)

// Ping asks the cluster for its metadata, waiting at most wait. When no
// broker answers it returns an error wrapping ErrUnreachable that names
// bootstrap.servers and the last dial error; it returns as soon as every
// seed broker refused a connection.
func (a *Admin) Ping(ctx context.Context, wait time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	a.watch.mu.Lock()
	a.watch.onFail = func(n int) {
		if n >= len(a.seeds) {
			cancel()
		}
	}
	a.watch.mu.Unlock()
	defer func() {
		a.watch.mu.Lock()
		a.watch.onFail = nil
		a.watch.mu.Unlock()
	}()
	_, err := a.adm.BrokerMetadata(ctx)
	if err == nil {
		return nil
	}
	a.watch.mu.Lock()
	var causes []string
	for _, s := range a.seeds {
		for addr, e := range a.watch.failed {
			if sameAddr(addr, s) {
				causes = append(causes, e.Error())
			}
		}
	}
	a.watch.mu.Unlock()
	why := err.Error()
	if len(causes) > 0 {
		why = strings.Join(causes, "; ")
	} else if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		why = fmt.Sprintf("no answer within %s", wait)
	}
	return fmt.Errorf("cannot reach the cluster at %s (bootstrap.servers): %s: %w", strings.Join(a.seeds, ","), why, ErrUnreachable)
}

func sameAddr(a, seed string) bool {
	if a == seed {
		return true
	}
	if _, _, err := net.SplitHostPort(seed); err != nil {
		return a == net.JoinHostPort(seed, "9092")
	}
	return false
}

func (a *Admin) ctx(parent context.Context) (context.Context, context.CancelFunc) {
	return bounded(parent, a.timeout)
}

// CreateTopic creates a topic with partitions partitions (replication:
// the broker's default) and, when retention > 0, retention.ms.
func (a *Admin) CreateTopic(ctx context.Context, name string, partitions int, retention time.Duration) error {
	ctx, cancel := a.ctx(ctx)
	defer cancel()
	var cfgs map[string]*string
	if retention > 0 {
		ms := strconv.FormatInt(retention.Milliseconds(), 10)
		cfgs = map[string]*string{"retention.ms": &ms}
	}
	resp, err := a.adm.CreateTopic(ctx, int32(partitions), -1, cfgs, name)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		msg := "create topic " + name
		if resp.ErrMessage != "" {
			msg += " (" + resp.ErrMessage + ")"
		}
		return toError(err, msg)
	}
	return nil
}

// DeleteTopics deletes topics; missing ones are not an error.
func (a *Admin) DeleteTopics(ctx context.Context, names ...string) error {
	if len(names) == 0 {
		return nil
	}
	ctx, cancel := a.ctx(ctx)
	defer cancel()
	resps, err := a.adm.DeleteTopics(ctx, names...)
	if err != nil {
		return toError(err, "delete topics")
	}
	for _, r := range resps.Sorted() {
		if r.Err != nil && !errors.Is(r.Err, fkerr.UnknownTopicOrPartition) {
			return toError(r.Err, "delete topic "+r.Topic)
		}
	}
	return nil
}

// DeleteGroup deletes a consumer group (its committed offsets); a missing
// or non-empty group is not an error.
func (a *Admin) DeleteGroup(ctx context.Context, group string) error {
	ctx, cancel := a.ctx(ctx)
	defer cancel()
	resps, err := a.adm.DeleteGroups(ctx, group)
	if err != nil {
		return toError(err, "delete group "+group)
	}
	for _, r := range resps {
		if r.Err != nil && !errors.Is(r.Err, fkerr.GroupIDNotFound) && !errors.Is(r.Err, fkerr.NonEmptyGroup) {
			return toError(r.Err, "delete group "+group)
		}
	}
	return nil
}

// BrokerConfig returns the values of the named broker configuration keys
// that some broker reports (a key the broker does not report, or a
// cluster that refuses DescribeConfigs, is simply missing).
func (a *Admin) BrokerConfig(ctx context.Context, keys ...string) map[string]string {
	ctx, cancel := a.ctx(ctx)
	defer cancel()
	out := map[string]string{}
	rcs, err := a.adm.DescribeBrokerConfigs(ctx)
	if err != nil {
		return out
	}
	for _, rc := range rcs {
		if rc.Err != nil {
			continue
		}
		for _, c := range rc.Configs {
			if c.Value != nil && slices.Contains(keys, c.Key) {
				out[c.Key] = *c.Value
			}
		}
	}
	return out
}

// GroupMember is one member of a described group.
type GroupMember struct {
	MemberID, InstanceID, ClientID, ClientHost string
	// Assignment is the member's partitions (empty unless the group is
	// Stable), sorted.
	Assignment []client.TopicPartition
}

// GroupDescription is a consumer group as DescribeGroups and
// OffsetFetch report it.
type GroupDescription struct {
	Group string
	// State is the coordinator's state name (Empty, PreparingRebalance,
	// CompletingRebalance, Stable, Dead; a consumer group of KIP-848:
	// Empty, Assigning, Reconciling, Stable).
	State    string
	Protocol string
	Members  []GroupMember
	// Committed maps each partition with a committed offset to it.
	Committed map[client.PartitionKey]int64
}

// DescribeGroup describes a consumer group and fetches its committed
// offsets.
func (a *Admin) DescribeGroup(ctx context.Context, group string) (GroupDescription, error) {
	ctx, cancel := a.ctx(ctx)
	defer cancel()
	d := GroupDescription{Group: group, State: "Dead", Committed: map[client.PartitionKey]int64{}}
	dgs, err := a.adm.DescribeGroups(ctx, group)
	if err != nil {
		return d, toError(err, "describe group "+group)
	}
	if dg, ok := dgs[group]; !ok || dg.Err != nil || dg.ProtocolType == "" {
		// Not a classic group with members: a consumer group of KIP-848
		// is described by ConsumerGroupDescribe (kafka-consumer-groups.sh
		// does so).
		if cd, ok := a.describeConsumerGroup(ctx, group); ok {
			d.State, d.Protocol, d.Members = cd.State, cd.Protocol, cd.Members
			dgs = nil
		}
	}
	if dg, ok := dgs[group]; ok && dg.Err == nil {
		d.State, d.Protocol = dg.State, dg.Protocol
		for _, m := range dg.Members {
			gm := GroupMember{MemberID: m.MemberID, ClientID: m.ClientID, ClientHost: m.ClientHost}
			if m.InstanceID != nil {
				gm.InstanceID = *m.InstanceID
			}
			if c, ok := m.Assigned.AsConsumer(); ok {
				for _, t := range c.Topics {
					for _, p := range t.Partitions {
						gm.Assignment = append(gm.Assignment, client.TopicPartition{Topic: t.Topic, Partition: p, Offset: client.OffsetInvalid})
					}
				}
				sortTPs(gm.Assignment)
			}
			d.Members = append(d.Members, gm)
		}
	}
	offs, err := a.adm.FetchOffsets(ctx, group)
	if err != nil {
		if errors.Is(err, fkerr.GroupIDNotFound) {
			return d, nil
		}
		return d, toError(err, "fetch offsets of group "+group)
	}
	for t, ps := range offs {
		for p, o := range ps {
			if o.Err == nil && o.At >= 0 {
				d.Committed[client.PartitionKey{Topic: t, Partition: p}] = o.At
			}
		}
	}
	return d, nil
}

// describeConsumerGroup describes a consumer group of KIP-848 with
// ConsumerGroupDescribe, naming the assigned topics (the response may
// carry only their ids); false if group is not one.
func (a *Admin) describeConsumerGroup(ctx context.Context, group string) (GroupDescription, bool) {
	req := kmsg.NewPtrConsumerGroupDescribeRequest()
	req.Groups = []string{group}
	resp, err := req.RequestWith(ctx, a.cl)
	if err != nil || len(resp.Groups) != 1 {
		return GroupDescription{}, false
	}
	g := resp.Groups[0]
	if g.ErrorCode != 0 || g.State == "" || g.State == "Dead" {
		return GroupDescription{}, false
	}
	names := map[[16]byte]string{}
	if tds, err := a.adm.ListTopics(ctx); err == nil {
		for _, td := range tds {
			names[td.ID] = td.Topic
		}
	}
	d := GroupDescription{Group: group, State: g.State, Protocol: g.AssignorName}
	for _, m := range g.Members {
		gm := GroupMember{MemberID: m.MemberID, ClientID: m.ClientID, ClientHost: m.ClientHost}
		if m.InstanceID != nil {
			gm.InstanceID = *m.InstanceID
		}
		for _, tp := range m.Assignment.TopicPartitions {
			topic := tp.Topic
			if topic == "" {
				topic = names[tp.TopicID]
			}
			for _, p := range tp.Partitions {
				gm.Assignment = append(gm.Assignment, client.TopicPartition{Topic: topic, Partition: p, Offset: client.OffsetInvalid})
			}
		}
		sortTPs(gm.Assignment)
		d.Members = append(d.Members, gm)
	}
	return d, true
}

// EndOffsets returns the high watermark of every partition of topics.
func (a *Admin) EndOffsets(ctx context.Context, topics ...string) (map[client.PartitionKey]int64, error) {
	ctx, cancel := a.ctx(ctx)
	defer cancel()
	out := map[client.PartitionKey]int64{}
	lo, err := a.adm.ListEndOffsets(ctx, topics...)
	if err != nil {
		return out, toError(err, "list end offsets")
	}
	lo.Each(func(o kadm.ListedOffset) {
		if o.Err == nil {
			out[client.PartitionKey{Topic: o.Topic, Partition: o.Partition}] = o.Offset
		}
	})
	return out, nil
}
