package fidelity

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafkasim/kafkasim/scenarios"
)

// KfakeOptions configure an in-process kfake cluster.
type KfakeOptions struct {
	// Virtual serves kfake on its in-memory network (for
	// testing/synctest bubbles) instead of TCP on 127.0.0.1; clients
	// must then use Kfake.Dialer.
	Virtual bool
	// Port is the listening port (0: any free port; with Virtual, 19092).
	Port int
	// MinSessionTimeout lowers group.min.session.timeout.ms (kfake's
	// default is 6 s, as Kafka's).
	MinSessionTimeout time.Duration
}

// Kfake is an in-process cluster (github.com/twmb/franz-go/pkg/kfake)
// with one broker, plus the emulation of group.initial.rebalance.delay.ms
// that kfake lacks (see DelayJoins).
type Kfake struct {
	c     *kfake.Cluster
	net   *kfake.VirtualNetwork
	delay *joinDelay
	ln    *outageListener
	opts  KfakeOptions
}

// StartKfake starts an in-process cluster.
func StartKfake(o KfakeOptions) (*Kfake, error) {
	k := &Kfake{delay: &joinDelay{groups: map[string]*delayed{}, delays: map[string]time.Duration{}, def: 3 * time.Second}, opts: o}
	opts := []kfake.Opt{kfake.NumBrokers(1)}
	listen := net.Listen
	if o.Virtual {
		k.net = &kfake.VirtualNetwork{}
		listen = k.net.Listen
	}
	// The broker's listener can be taken down and brought back
	// (SetAvailable), for the broker-outage lessons.
	opts = append(opts, kfake.ListenFn(func(network, address string) (net.Listener, error) {
		l, err := listen(network, address)
		if err != nil {
			return nil, err
		}
		var relisten func() (net.Listener, error)
		if !o.Virtual {
			bound := l.Addr().String()
			relisten = func() (net.Listener, error) { return net.Listen(network, bound) }
		}
		k.ln = newOutageListener(l, relisten)
		return k.ln, nil
	}))
	if o.Virtual {
		port := o.Port
		if port == 0 {
			port = 19092
		}
		opts = append(opts, kfake.Ports(port))
	} else {
		port := o.Port
		if port == 0 {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return nil, err
			}
			port = l.Addr().(*net.TCPAddr).Port
			_ = l.Close()
		}
		opts = append(opts, kfake.Ports(port))
	}
	if o.MinSessionTimeout > 0 {
		opts = append(opts, kfake.GroupMinSessionTimeout(o.MinSessionTimeout))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, err
	}
	k.c = c
	k.delay.c = c
	c.ControlKey(int16(kmsg.JoinGroup), k.delay.control)
	c.ControlKey(int16(kmsg.SyncGroup), k.delay.syncControl)
	return k, nil
}

// SetAvailable takes the broker down (every connection closed, new ones
// closed as they come) or brings it back, as a broker process stopping and
// starting would; what it stored is kept.
func (k *Kfake) SetAvailable(up bool) error {
	if k.ln == nil {
		return errors.New("kfake: no listener")
	}
	k.ln.setAvailable(up)
	return nil
}

// Private starts another cluster with the same options, for a run that
// takes its broker down (the others keep theirs).
func (k *Kfake) Private() (*Kfake, error) {
	o := k.opts
	if o.Virtual {
		o.Port = 0
		if k.net != nil {
			o.Port = 19093 + int(privatePorts.Add(1))
		}
	} else {
		o.Port = 0
	}
	return StartKfake(o)
}

var privatePorts atomic.Int32

// outageListener is the broker's listener: while the broker is down
// every open connection is closed and new ones are refused — on TCP the
// port is closed (the client sees "connection refused", as from a stopped
// broker) and opened again when the broker comes back; on the virtual
// network, where a port cannot be reopened, new connections are closed
// as they come.
type outageListener struct {
	mu     sync.Mutex
	cond   *sync.Cond
	ln     net.Listener // nil while a TCP broker is down
	relist func() (net.Listener, error)
	down   bool
	closed bool
	conns  map[net.Conn]bool
	addr   net.Addr
}

func newOutageListener(ln net.Listener, relisten func() (net.Listener, error)) *outageListener {
	l := &outageListener{ln: ln, relist: relisten, conns: map[net.Conn]bool{}, addr: ln.Addr()}
	l.cond = sync.NewCond(&l.mu)
	return l
}

// Addr is the broker's address, up or down.
func (l *outageListener) Addr() net.Addr { return l.addr }

// Accept waits while a TCP broker is down.
func (l *outageListener) Accept() (net.Conn, error) {
	for {
		l.mu.Lock()
		for !l.closed && l.down && l.relist != nil {
			l.cond.Wait()
		}
		if l.closed {
			l.mu.Unlock()
			return nil, net.ErrClosed
		}
		if l.ln == nil {
			ln, err := l.relist()
			if err != nil {
				l.mu.Unlock()
				return nil, err
			}
			l.ln = ln
		}
		ln := l.ln
		l.mu.Unlock()
		c, err := ln.Accept()
		l.mu.Lock()
		if err != nil {
			if l.closed || l.ln != ln {
				// Closed by Close, or by the broker going down.
				l.mu.Unlock()
				if l.closed {
					return nil, net.ErrClosed
				}
				continue
			}
			l.mu.Unlock()
			return nil, err
		}
		if l.down {
			l.mu.Unlock()
			_ = c.Close()
			continue
		}
		tc := &trackedConn{Conn: c, l: l}
		l.conns[tc] = true
		l.mu.Unlock()
		return tc, nil
	}
}

func (l *outageListener) setAvailable(up bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down = !up
	if !up {
		for c := range l.conns {
			_ = c.(*trackedConn).Conn.Close()
		}
		clear(l.conns)
		if l.relist != nil && l.ln != nil {
			_ = l.ln.Close()
			l.ln = nil
		}
	}
	l.cond.Broadcast()
}

// Close closes the listener for good.
func (l *outageListener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	l.cond.Broadcast()
	if l.ln != nil {
		return l.ln.Close()
	}
	return nil
}

// trackedConn leaves its listener's set when closed.
type trackedConn struct {
	net.Conn
	l *outageListener
}

func (c *trackedConn) Close() error {
	c.l.mu.Lock()
	delete(c.l.conns, c)
	c.l.mu.Unlock()
	return c.Conn.Close()
}

// Brokers is the cluster's bootstrap.servers.
func (k *Kfake) Brokers() []string { return k.c.ListenAddrs() }

// Dialer is the virtual network's dialer, nil on TCP.
func (k *Kfake) Dialer() func(ctx context.Context, network, address string) (net.Conn, error) {
	if k.net == nil {
		return nil
	}
	return k.net.DialContext
}

// DelayJoins sets the group.initial.rebalance.delay.ms emulated for a
// group (by its name on the cluster); groups not set get 3 s, Kafka's
// default. Zero disables it for the group.
func (k *Kfake) DelayJoins(group string, d time.Duration) {
	k.delay.mu.Lock()
	k.delay.delays[group] = d
	k.delay.mu.Unlock()
}

// PrepareRun sets the group.initial.rebalance.delay.ms of each group s
// uses, as named on the cluster by a realkafka run with this RunID: the
// scenario's value, or Kafka's default of 3 s.
func (k *Kfake) PrepareRun(s *scenarios.Scenario, runID string) {
	delay := 3 * time.Second
	if d := s.Cluster.GroupInitialRebalanceDelay; d != nil {
		delay = *d
	}
	for _, c := range s.Consumers {
		k.DelayJoins(c.Group+"-"+runID, delay)
	}
}

// Close stops the cluster.
func (k *Kfake) Close() {
	k.delay.stop()
	k.c.Close()
}

// joinDelay emulates Kafka's InitialDelayedJoin on kfake, which completes
// a group's first rebalance as soon as its first member has joined: the
// JoinGroup requests (with a member id, or static) of a group that has not
// formed yet are held until the delay has passed since the first one,
// extended by the delay again whenever a new member arrived meanwhile,
// within the rebalance timeout — the simulator's (and Kafka's) rule. Then
// they are let through together, so the first generation has every
// member that joined during the delay. Only a group's first formation is
// delayed (the runner uses a fresh group per run).
type joinDelay struct {
	c      *kfake.Cluster
	mu     sync.Mutex
	groups map[string]*delayed
	delays map[string]time.Duration
	def    time.Duration
	closed bool
}

type delayed struct {
	members  map[string]bool
	inflight int           // held joins not yet let through
	drained  chan struct{} // closed when inflight drops to 0 after release
	released bool
	ch       chan struct{}
	timer    *time.Timer
	added    bool
	current  time.Duration
	remain   time.Duration
}

func (j *joinDelay) control(kreq kmsg.Request) (kmsg.Response, error, bool) {
	j.c.KeepControl()
	req, ok := kreq.(*kmsg.JoinGroupRequest)
	if !ok || (req.MemberID == "" && req.InstanceID == nil) {
		return nil, nil, false
	}
	id := req.MemberID
	if req.InstanceID != nil {
		id = "static:" + *req.InstanceID
	}
	j.mu.Lock()
	d, set := j.delays[req.Group]
	if !set {
		d = j.def
	}
	g := j.groups[req.Group]
	if j.closed || d <= 0 || (g != nil && g.released) || (g != nil && g.members[id]) {
		j.mu.Unlock()
		return nil, nil, false
	}
	if g == nil {
		rebalance := time.Duration(req.RebalanceTimeoutMillis) * time.Millisecond
		g = &delayed{members: map[string]bool{}, ch: make(chan struct{}), drained: make(chan struct{}), current: d, remain: max(rebalance-d, 0)}
		j.groups[req.Group] = g
		g.timer = time.AfterFunc(d, func() { j.fire(g, d) })
	} else {
		g.added = true
	}
	g.members[id] = true
	g.inflight++
	ch := g.ch
	j.mu.Unlock()
	j.c.SleepControl(func() { <-ch })
	j.mu.Lock()
	g.inflight--
	if g.inflight == 0 {
		close(g.drained)
	}
	j.mu.Unlock()
	return nil, nil, false
}

// syncControl holds a group's SyncGroup requests until every join held
// by the delay has been let through, so the first generation kfake forms
// right after the release (with the first member alone) is abandoned
// before anyone syncs it and the next one has every member.
func (j *joinDelay) syncControl(kreq kmsg.Request) (kmsg.Response, error, bool) {
	j.c.KeepControl()
	req, ok := kreq.(*kmsg.SyncGroupRequest)
	if !ok {
		return nil, nil, false
	}
	j.mu.Lock()
	g := j.groups[req.Group]
	if g == nil || !g.released || g.inflight == 0 {
		j.mu.Unlock()
		return nil, nil, false
	}
	drained := g.drained
	j.mu.Unlock()
	j.c.SleepControl(func() { <-drained })
	return nil, nil, false
}

func (j *joinDelay) fire(g *delayed, delay time.Duration) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if g.released {
		return
	}
	if g.added && g.remain > 0 {
		g.added = false
		next := min(delay, g.remain)
		g.remain = max(g.remain-g.current, 0)
		g.current = next
		g.timer = time.AfterFunc(next, func() { j.fire(g, delay) })
		return
	}
	g.released = true
	close(g.ch)
}

func (j *joinDelay) stop() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.closed = true
	for _, g := range j.groups {
		if !g.released {
			g.released = true
			g.timer.Stop()
			close(g.ch)
		}
		if g.inflight > 0 {
			g.inflight = 0
			close(g.drained)
		}
	}
}
