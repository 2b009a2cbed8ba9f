// Package realkafka runs kafkasim scenarios against a real Kafka cluster:
// a scenarios.Backend on the wall clock whose clients are client/kafka
// consumers and producers (franz-go). Only client/kafka touches the
// network; this package names topics and groups per run, marshals the
// clients' hooks onto the runner's goroutine and maps names back, so a
// run prints the same timeline and outcome format as the simulator.
//
//	res, err := realkafka.Run(s, scenarios.Options{}, realkafka.Config{Brokers: []string{"localhost:9092"}})
package realkafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/client/kafka"
	"github.com/kafkasim/kafkasim/client/rdkafka"
	"github.com/kafkasim/kafkasim/group"
	"github.com/kafkasim/kafkasim/internal/clock"
	"github.com/kafkasim/kafkasim/scenarios"
)

// Config says which cluster to run on and how.
type Config struct {
	// Brokers is bootstrap.servers: one or more host:port.
	Brokers []string
	// Client holds librdkafka keys merged into every client the run
	// creates, over the scenario's own: security.protocol, sasl.*,
	// ssl.*, or any consumer/producer key. Values are never printed.
	Client client.ConfigMap
	// KeepTopics keeps the topics a run creates (they are deleted
	// afterwards by default).
	KeepTopics bool
	// RunID names this run's topics and groups: "<name>-<RunID>". Empty:
	// a random "ks" + 6 hex digits.
	RunID string
	// ConnectTimeout bounds the wait for the cluster before the run
	// starts (default 10 s); a refused connection fails at once.
	ConnectTimeout time.Duration
	// Dialer, if not nil, replaces the network dialer of every client
	// (tests: kfake's VirtualNetwork in a synctest bubble).
	Dialer kafka.Dialer
	// Log, if not nil, receives one line per topic created or deleted.
	Log io.Writer
	// Library is the client library the run's consumers and producers
	// use: FranzGo (the default, "") or Librdkafka, the real librdkafka
	// the simulator models (client/rdkafka; needs confluent-kafka-python).
	// The run's admin work (topics, the group table) uses franz-go either
	// way.
	Library string
	// Broker, if not nil, can take the cluster's broker down and bring it
	// back: scenarios with broker-down / broker-up steps can then run
	// (an in-process kfake cluster offers it; a cluster of somebody's
	// does not).
	Broker BrokerControl
	// Context, if not nil, ends the run early when it is done (the
	// command line's Ctrl-C and SIGTERM): Run returns the result so far,
	// marked Incomplete, with ErrInterrupted, after deleting its topics.
	Context context.Context
	// MaxLateness is how far behind its schedule a run may fall (the
	// machine too busy to run the script's steps and the apps' polls on
	// time) before Run reports it with ErrBehindSchedule: 0 means
	// DefaultMaxLateness, a negative value no limit.
	MaxLateness time.Duration
}

// DefaultMaxLateness is Config.MaxLateness's default: the lessons keep
// their decisive moments about a second apart.
const DefaultMaxLateness = 400 * time.Millisecond

// ErrInterrupted is wrapped by Run's error when Config.Context ended the
// run early (Ctrl-C): its result covers the run up to then
// (Result.Incomplete says so), and its topics were deleted.
var ErrInterrupted = errors.New("the run was interrupted")

// ErrClusterLost is wrapped by Run's error when the cluster stopped
// answering during the run without a scripted broker-down: the result
// is returned, marked Incomplete, but it is not the scenario's story.
var ErrClusterLost = errors.New("the cluster stopped answering")

// ErrCleanup is wrapped by Run's error when the run's topics or groups
// could not be deleted afterwards; the message names them.
var ErrCleanup = errors.New("the run's topics could not be deleted")

// ErrBehindSchedule is wrapped by Run's error when the run fell behind
// its schedule by more than Config.MaxLateness: its result is returned
// too, but its timings are not the scenario's.
var ErrBehindSchedule = errors.New("the run fell behind its schedule")

// BrokerControl takes a cluster's broker down and brings it back.
type BrokerControl interface {
	SetAvailable(up bool) error
}

// Client libraries a run can use (Config.Library).
const (
	// FranzGo runs the clients on client/kafka: franz-go, with
	// librdkafka's behaviour (auto-commit timer, offsets stored at
	// delivery, max.poll.interval.ms) emulated on top.
	FranzGo = "franz-go"
	// Librdkafka runs the clients on client/rdkafka: the real librdkafka,
	// through confluent-kafka-python, one process per client.
	Librdkafka = "librdkafka"
)

// ErrUnknownLibrary is wrapped when Config.Library names no library.
var ErrUnknownLibrary = errors.New("unknown client library")

// Name of the backend in Result.Backend (franz-go clients).
const Name = "kafka"

// NameLibrdkafka is Result.Backend for runs on the real librdkafka.
const NameLibrdkafka = "librdkafka"

// ErrNotPossible is wrapped by errors for scenario steps a real cluster
// cannot perform (taking the broker down, expiring offsets on demand).
var ErrNotPossible = errors.New("not possible on a real cluster")

// ErrSessionTimeout is wrapped when the broker refuses a consumer's
// session.timeout.ms.
var ErrSessionTimeout = errors.New("session timeout refused by the broker")

// Run runs s on the cluster cfg names, like scenarios.Run on the
// simulator (opts.Backend is replaced). The run takes the scenario's
// duration in real time. It fails with a clear error when the cluster
// cannot be reached, a topic cannot be created, the broker refuses a
// session timeout, or the scenario needs something a real cluster cannot
// do (see Check). A run that was interrupted (ErrInterrupted), lost its
// cluster (ErrClusterLost), fell behind its schedule (ErrBehindSchedule)
// or could not delete its topics (ErrCleanup) returns its result with
// the error (errors.Join of them); Result.Incomplete says when its
// outcome does not tell the scenario's whole story.
func Run(s *scenarios.Scenario, opts scenarios.Options, cfg Config) (*scenarios.Result, error) {
	var b *backend
	opts.Backend = func(s *scenarios.Scenario, seed uint64) (scenarios.Backend, error) {
		bb, err := newBackend(s, seed, cfg)
		if err != nil {
			return nil, err
		}
		b = bb
		return bb, nil
	}
	ss, err := scenarios.Start(s, opts)
	if err != nil {
		return nil, err
	}
	end := s.Duration
	if opts.Until > 0 && opts.Until < end {
		end = opts.Until
	}
	ctx := cfg.Context
	if ctx == nil {
		ctx = context.Background()
	}
	// The run goes on in steps, so that an interruption (Ctrl-C) or a
	// fatal error ends it within a step.
	interrupted := time.Duration(-1)
	for t := min(runStep, end); ; t = min(t+runStep, end) {
		if err := ss.RunUntil(t); err != nil {
			ss.Close()
			return nil, err
		}
		if b != nil && b.fatalErr() != nil {
			break
		}
		if ctx.Err() != nil {
			interrupted = t
			if b != nil {
				b.mu.Lock()
				b.interrupted = true
				b.mu.Unlock()
			}
			break
		}
		if t >= end {
			break
		}
	}
	res, err := ss.Finish()
	if err != nil {
		return nil, err
	}
	if b == nil {
		return res, nil
	}
	if err := b.fatalErr(); err != nil {
		return nil, fmt.Errorf("run %s: %w", s.Name, err)
	}
	var problems []error
	if interrupted >= 0 {
		res.Incomplete = fmt.Sprintf("interrupted at T=%s of %s: the outcome covers the run up to then", scenarios.FormatDuration(interrupted), scenarios.FormatDuration(end))
		problems = append(problems, fmt.Errorf("run %s: %s: %w", s.Name, res.Incomplete, ErrInterrupted))
	}
	if lost := b.clusterLost(); lost != "" {
		res.Incomplete = joinNonEmpty(res.Incomplete, lost)
		problems = append(problems, fmt.Errorf("run %s: %s: %w", s.Name, lost, ErrClusterLost))
	}
	limit := cfg.MaxLateness
	if limit == 0 {
		limit = DefaultMaxLateness
	}
	if late, at := b.wall.Lateness(); limit > 0 && late > limit {
		problems = append(problems, fmt.Errorf("run %s: at T=%s the run was %s behind its schedule (the machine was too busy for a real-time run; the limit is %s): %w",
			s.Name, scenarios.FormatDuration(at.Sub(b.start).Round(time.Millisecond)), late.Round(time.Millisecond), limit, ErrBehindSchedule))
	}
	if left := b.leftovers(); left != "" {
		problems = append(problems, fmt.Errorf("run %s: %s: %w", s.Name, left, ErrCleanup))
	}
	return res, errors.Join(problems...)
}

// runStep is how often a real-cluster run looks for an interruption.
const runStep = 100 * time.Millisecond

func joinNonEmpty(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// Factory returns a scenarios.Options.Backend for cfg. Prefer Run, which
// also reports errors found during the run (a refused session timeout).
func Factory(cfg Config) func(s *scenarios.Scenario, seed uint64) (scenarios.Backend, error) {
	return func(s *scenarios.Scenario, seed uint64) (scenarios.Backend, error) {
		b, err := newBackend(s, seed, cfg)
		if err != nil {
			return nil, err
		}
		return b, nil
	}
}

// Check reports the first step of s a real cluster cannot run: broker
// down/up (kafkasim cannot stop a real broker) and a cluster
// offsets_retention (the broker's offsets.retention.minutes is not set
// per run). It returns nil when s can run for real.
func Check(s *scenarios.Scenario) error {
	for i, a := range s.Script {
		if a.Do == scenarios.DoBrokerDown || a.Do == scenarios.DoBrokerUp {
			return fmt.Errorf("scenario %s, script step %d (at %s, do: %s): kafkasim cannot stop or start a broker of a real cluster; run this scenario on the simulator: %w",
				s.Name, i+1, scenarios.FormatDuration(a.At), a.Do, ErrNotPossible)
		}
	}
	if s.Cluster.OffsetsRetention > 0 {
		return fmt.Errorf("scenario %s, cluster.offsets_retention %s: the broker's offsets.retention.minutes (7 days by default) cannot be set per run; run this scenario on the simulator: %w",
			s.Name, scenarios.FormatDuration(s.Cluster.OffsetsRetention), ErrNotPossible)
	}
	return nil
}

// CheckLibrary is Check, plus what the client library lib cannot run:
// on the real librdkafka, a consumer in the Java client's auto-commit
// model (kafkasim.auto.commit.mode=java), which is a model of the
// simulator's and of client/kafka's.
func CheckLibrary(s *scenarios.Scenario, lib string) error {
	return CheckConfig(s, Config{Library: lib})
}

// CheckConfig is CheckLibrary for a run with cfg: broker-down / broker-up
// steps can run when cfg.Broker can take the broker down.
func CheckConfig(s *scenarios.Scenario, cfg Config) error {
	if err := Check(s); err != nil && !(cfg.Broker != nil && brokerStepsOnly(s)) {
		return err
	}
	if cfg.Library != Librdkafka {
		return nil
	}
	for _, c := range s.Consumers {
		if m, _ := c.Config["kafkasim.auto.commit.mode"].(string); m == client.AutoCommitJava {
			return fmt.Errorf("scenario %s, consumer %s: kafkasim.auto.commit.mode=java models the Java client; librdkafka cannot run it (run it with --client franz-go or on the simulator): %w",
				s.Name, c.ID, ErrNotPossible)
		}
		if p, _ := c.Config["group.protocol"].(string); p == client.GroupProtocolConsumer {
			return fmt.Errorf("scenario %s, consumer %s: group.protocol=consumer needs librdkafka 2.10 or later, and the librdkafka backend runs the classic protocol only (run it with --client franz-go or on the simulator): %w",
				s.Name, c.ID, ErrNotPossible)
		}
	}
	return nil
}

// clientsOf is how many clients a run of s creates at most: its
// consumers, their restarts and starts, and its producers.
func clientsOf(s *scenarios.Scenario) int {
	n := len(s.Consumers) + len(s.Producers)
	for _, a := range s.Script {
		if a.Do == scenarios.DoRestart || a.Do == scenarios.DoStart {
			n++
		}
	}
	return n
}

// brokerStepsOnly reports whether broker-down / broker-up steps are the
// only thing keeping s from a real cluster.
func brokerStepsOnly(s *scenarios.Scenario) bool {
	return s.Cluster.OffsetsRetention == 0
}

// backend is a scenarios.Backend on a real cluster.
type backend struct {
	cfg   Config
	s     *scenarios.Scenario
	wall  *clock.Wall
	start time.Time // about when the run started (for messages)
	rnd   *rand.Rand
	adm   *kafka.Admin
	names *renamer

	mu       sync.Mutex
	stopped  bool
	fatal    error
	wake     context.CancelFunc // interrupts the wall clock's RunUntil
	inbox    []func()           // hooks handed over by kgo's goroutines
	created  []string           // real topic names
	cons     []*consumer
	prods    []*producer
	maxGen   map[string]int32 // scenario group → highest generation seen
	clientNo map[string]int
	pool     *rdkafka.Pool // librdkafka agents started in advance

	// The cluster going away without a scripted broker-down.
	scriptedDown bool      // a broker-down step is in force
	lostAt       time.Time // first unscripted _ALL_BROKERS_DOWN (zero: none)
	backAt       time.Time // the cluster answered again after lostAt
	down         bool      // lost and not back
	left         string    // what Close could not delete
	interrupted  bool      // Config.Context ended the run
}

func newBackend(s *scenarios.Scenario, seed uint64, cfg Config) (*backend, error) {
	if err := CheckConfig(s, cfg); err != nil {
		return nil, err
	}
	if len(cfg.Brokers) == 0 {
		return nil, fmt.Errorf("no brokers given (bootstrap.servers): %w", client.NewError(client.ErrInvalidArg, "bootstrap.servers: required", false))
	}
	if cfg.RunID == "" {
		cfg.RunID = fmt.Sprintf("ks%06x", rand.Uint32()&0xffffff)
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	switch cfg.Library {
	case "", FranzGo:
		cfg.Library = FranzGo
	case Librdkafka:
		if cfg.Dialer != nil {
			return nil, fmt.Errorf("the librdkafka client cannot use a Go dialer (kfake's virtual network): run it against TCP addresses")
		}
		if _, err := rdkafka.Find(); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("client library %q: want %s or %s: %w", cfg.Library, FranzGo, Librdkafka, ErrUnknownLibrary)
	}
	b := &backend{cfg: cfg, s: s, wall: clock.NewWall(), rnd: rand.New(rand.NewPCG(seed, seed^0x6b61666b6173696d)),
		names: newRenamer("-" + cfg.RunID), maxGen: map[string]int32{}, clientNo: map[string]int{}}
	// The run's keys and addresses are checked before anything connects:
	// a typo is reported as such, not as an unreachable cluster.
	if err := kafka.CheckConsumerConfig(b.conf(client.ConfigMap{"group.id": "kafkasim-check"})); err != nil {
		return nil, err
	}
	if err := kafka.CheckProducerConfig(b.conf(nil)); err != nil {
		return nil, err
	}
	if cfg.Library == Librdkafka {
		for _, c := range s.Consumers {
			conf := b.conf(c.Config)
			conf["group.id"] = c.Group
			if err := rdkafka.CheckConsumerConfig(conf); err != nil {
				return nil, fmt.Errorf("consumer %s: %w", c.ID, err)
			}
		}
	}
	adm, err := kafka.NewAdmin(b.conf(nil), cfg.Dialer)
	if err != nil {
		return nil, err
	}
	b.adm = adm
	if err := adm.Ping(context.Background(), cfg.ConnectTimeout); err != nil {
		adm.Close()
		return nil, err
	}
	if err := b.checkSessionTimeouts(); err != nil {
		adm.Close()
		return nil, err
	}
	if cfg.Library == Librdkafka {
		// Every client the scenario starts gets an agent at once: starting
		// one in the middle of the run would hold the runner up.
		pool, err := rdkafka.NewPool(min(clientsOf(s), 32))
		if err != nil {
			adm.Close()
			return nil, err
		}
		b.pool = pool
	}
	b.start = b.wall.Now()
	return b, nil
}

// conf merges the run's keys into a scenario client's configuration.
func (b *backend) conf(m client.ConfigMap) client.ConfigMap {
	out := client.ConfigMap{}
	for k, v := range m {
		out[k] = v
	}
	for k, v := range b.cfg.Client {
		out[k] = v
	}
	out["bootstrap.servers"] = strings.Join(b.cfg.Brokers, ",")
	return out
}

// checkSessionTimeouts compares every consumer's session.timeout.ms with
// the broker's bounds, when the broker reports them.
func (b *backend) checkSessionTimeouts() error {
	bc := b.adm.BrokerConfig(context.Background(), "group.min.session.timeout.ms", "group.max.session.timeout.ms")
	lo, errLo := strconv.ParseInt(bc["group.min.session.timeout.ms"], 10, 64)
	hi, errHi := strconv.ParseInt(bc["group.max.session.timeout.ms"], 10, 64)
	for _, c := range b.s.Consumers {
		conf := b.conf(c.Config)
		conf["group.id"] = c.Group
		cc, err := client.ParseConsumerConfig(conf)
		if err != nil {
			continue // the client reports it when created
		}
		ms := cc.SessionTimeout.Milliseconds()
		if errLo == nil && ms < lo {
			return sessionErr(c.ID, ms, fmt.Sprintf("is below the broker's group.min.session.timeout.ms=%d; lower group.min.session.timeout.ms on the broker", lo))
		}
		if errHi == nil && ms > hi {
			return sessionErr(c.ID, ms, fmt.Sprintf("is above the broker's group.max.session.timeout.ms=%d; raise group.max.session.timeout.ms on the broker", hi))
		}
	}
	return nil
}

func sessionErr(id string, ms int64, why string) error {
	return fmt.Errorf("consumer %s: session.timeout.ms=%d %s, or set session.timeout.ms in the scenario: %w", id, ms, why, ErrSessionTimeout)
}

func (b *backend) fatalErr() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.fatal
}

// setFatal records an error that ends the run early.
func (b *backend) setFatal(err error) {
	b.mu.Lock()
	if b.fatal == nil {
		b.fatal = err
	}
	wake := b.wake
	b.mu.Unlock()
	if wake != nil {
		wake()
	}
}

// Name is "kafka", or "librdkafka" for runs on the real librdkafka.
func (b *backend) Name() string {
	if b.cfg.Library == Librdkafka {
		return NameLibrdkafka
	}
	return Name
}

// Loop is the wall clock.
func (b *backend) Loop() clock.Loop { return b.wall }

// Rand is seeded from the run's seed (processing times, failures).
func (b *backend) Rand() *rand.Rand { return b.rnd }

// RunUntil runs the wall clock to t, unless a fatal error ends the run
// first, running the hooks kgo's goroutines hand over as they arrive.
// Hooks arriving between two calls run at the start of the next one;
// after Close they are dropped.
func (b *backend) RunUntil(t time.Time) {
	runnerTurn(func() { b.runUntil(t) })
}

// runUntil is RunUntil, inside runnerTurn.
func (b *backend) runUntil(t time.Time) {
	for {
		ctx, cancel := context.WithCancel(context.Background())
		b.mu.Lock()
		if b.fatal != nil {
			b.mu.Unlock()
			cancel()
			break
		}
		b.wake = cancel
		pending := len(b.inbox) > 0
		b.mu.Unlock()
		done := false
		if !pending {
			done = b.wall.RunUntil(ctx, t) == nil
		}
		cancel()
		if done {
			break
		}
		b.drain()
	}
	// Hooks handed over from now on wait in the inbox for the next
	// RunUntil (a Session steps through a run); Close drops what is left.
	b.mu.Lock()
	b.wake = nil
	b.mu.Unlock()
}

// drain runs the hooks handed over by other goroutines, in order.
func (b *backend) drain() {
	b.mu.Lock()
	fns := b.inbox
	b.inbox = nil
	b.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

// post runs fn on the runner's goroutine: at once when called there,
// else as soon as RunUntil picks it up (the wall clock's queue is used
// from the runner's goroutine only). After the run it is dropped.
func (b *backend) post(fn func()) {
	here := onRunner()
	b.mu.Lock()
	if b.stopped {
		b.mu.Unlock()
		return
	}
	if here {
		// What other goroutines handed over happened before this hook:
		// it runs first (a join librdkafka logged before the assignment
		// its rebalance callback reports).
		early := b.inbox
		b.inbox = nil
		b.mu.Unlock()
		for _, f := range early {
			f()
		}
		fn()
		return
	}
	b.inbox = append(b.inbox, fn)
	wake := b.wake
	b.mu.Unlock()
	if wake != nil {
		wake()
	}
}

// SetBrokerAvailable takes the broker down or brings it back through
// Config.Broker; without one it cannot (Check refuses such scenarios
// before the run).
func (b *backend) SetBrokerAvailable(up bool) error {
	if b.cfg.Broker != nil {
		b.mu.Lock()
		b.scriptedDown = !up
		b.mu.Unlock()
		return b.cfg.Broker.SetAvailable(up)
	}
	return fmt.Errorf("broker-down/up: kafkasim cannot stop or start a broker of a real cluster: %w", ErrNotPossible)
}

// WatchGroups does nothing: the coordinator's transitions are not visible
// to clients of a real cluster.
func (b *backend) WatchGroups(func(scenarios.Event)) {}

// CreateTopic creates the run's copy of t.
func (b *backend) CreateTopic(t scenarios.Topic) error {
	real := b.names.topic(t.Name)
	if err := b.adm.CreateTopic(context.Background(), real, t.Partitions, t.Retention); err != nil {
		return fmt.Errorf("cannot create topic %s on %s: %w", real, strings.Join(b.cfg.Brokers, ","), err)
	}
	b.created = append(b.created, real)
	if b.cfg.Log != nil {
		fmt.Fprintf(b.cfg.Log, "created topic %s (%d partitions) for %s\n", real, t.Partitions, t.Name)
	}
	return nil
}

// clientID makes client.id distinct per client of the run: a restarted
// consumer keeps its id (as a redeployed process would).
func (b *backend) clientID(conf client.ConfigMap, kind string) {
	id, _ := conf["client.id"].(string)
	if id == "" {
		b.clientNo[kind]++
		id = kind + strconv.Itoa(b.clientNo[kind])
		conf["client.id"] = id
	}
}

// NewConsumer creates a client/kafka consumer on the run's group and
// topics.
func (b *backend) NewConsumer(conf client.ConfigMap, hooks ...client.Hook) (client.Consumer, error) {
	conf = b.conf(conf)
	b.clientID(conf, "consumer")
	g, _ := conf["group.id"].(string)
	if g != "" {
		conf["group.id"] = b.names.group(g)
	}
	cid, _ := conf["client.id"].(string)
	hs := make([]client.Hook, 0, len(hooks)+1)
	for _, h := range hooks {
		hs = append(hs, &hookProxy{b: b, inner: h, group: g, actor: cid})
	}
	var rc realConsumer
	if b.pool != nil {
		hs = append(hs, b.pool)
		c, err := rdkafka.NewConsumer(conf, hs...)
		if err != nil {
			return nil, err
		}
		rc = c
	} else {
		if b.cfg.Dialer != nil {
			hs = append(hs, b.cfg.Dialer)
		}
		c, err := kafka.NewConsumer(conf, hs...)
		if err != nil {
			return nil, err
		}
		rc = c
	}
	c := &consumer{c: rc, n: b.names}
	b.cons = append(b.cons, c)
	return c, nil
}

// NewProducer creates a client/kafka producer writing to the run's
// topics.
func (b *backend) NewProducer(conf client.ConfigMap, hooks ...client.Hook) (client.Producer, error) {
	conf = b.conf(conf)
	b.clientID(conf, "producer")
	cid, _ := conf["client.id"].(string)
	hs := make([]client.Hook, 0, len(hooks)+1)
	for _, h := range hooks {
		hs = append(hs, &hookProxy{b: b, inner: h, actor: cid})
	}
	var rp realProducer
	if b.pool != nil {
		hs = append(hs, b.pool)
		p, err := rdkafka.NewProducer(conf, hs...)
		if err != nil {
			return nil, err
		}
		// A librdkafka producer learns a topic's partitions from the
		// metadata it asks for when it first sees the topic; one created
		// an instant before its first produce can miss that request and
		// wait for its next metadata scan, a second later. An app's
		// producer has long been running: look the run's topics up now.
		for _, t := range b.created {
			_, _ = p.GetMetadata(&t, false, 5000)
		}
		rp = p
	} else {
		if b.cfg.Dialer != nil {
			hs = append(hs, b.cfg.Dialer)
		}
		p, err := kafka.NewProducer(conf, hs...)
		if err != nil {
			return nil, err
		}
		rp = p
	}
	p := &producer{p: rp, n: b.names}
	b.prods = append(b.prods, p)
	return p, nil
}

// describeWait bounds Describe's requests.
const describeWait = 15 * time.Second

// Describe reports the group's committed offsets, log ends and owners as
// the cluster reports them after the run.
func (b *backend) Describe(g string, topics []string) scenarios.GroupResult {
	ctx, cancel := context.WithTimeout(context.Background(), describeWait)
	defer cancel()
	res := scenarios.GroupResult{Group: g, State: "Dead", Generation: -1, Partitions: []scenarios.PartitionResult{}}
	b.mu.Lock()
	if gen, ok := b.maxGen[g]; ok {
		res.Generation = gen
	}
	b.mu.Unlock()
	d, err := b.adm.DescribeGroup(ctx, b.names.group(g))
	if err != nil {
		res.Table = "\nError: " + err.Error() + "\n"
		return res
	}
	real := make([]string, len(topics))
	for i, t := range topics {
		real[i] = b.names.topic(t)
	}
	ends, _ := b.adm.EndOffsets(ctx, real...)
	res.State = d.State
	desc := group.Description{Group: g, State: stateOf(d.State), Protocol: d.Protocol, Generation: res.Generation}
	owner := map[client.PartitionKey]kafka.GroupMember{}
	for _, m := range d.Members {
		md := group.MemberDescription{MemberID: m.MemberID, InstanceID: m.InstanceID, ClientID: m.ClientID, ClientHost: m.ClientHost}
		for _, tp := range m.Assignment {
			k := client.PartitionKey{Topic: b.names.scenarioTopic(tp.Topic), Partition: tp.Partition}
			owner[k] = m
			md.Assignment = append(md.Assignment, brokerTP(k))
		}
		desc.Members = append(desc.Members, md)
	}
	committed := map[client.PartitionKey]int64{}
	for k, o := range d.Committed {
		committed[client.PartitionKey{Topic: b.names.scenarioTopic(k.Topic), Partition: k.Partition}] = o
	}
	end := map[client.PartitionKey]int64{}
	for k, o := range ends {
		end[client.PartitionKey{Topic: b.names.scenarioTopic(k.Topic), Partition: k.Partition}] = o
	}
	desc.Offsets = describeRows(desc, committed, end)
	res.Table = desc.Table()
	for _, t := range topics {
		n := 0
		for _, st := range b.s.Topics {
			if st.Name == t {
				n = st.Partitions
			}
		}
		for k := range end {
			if k.Topic == t && int(k.Partition) >= n {
				n = int(k.Partition) + 1
			}
		}
		for p := range int32(n) {
			k := client.PartitionKey{Topic: t, Partition: p}
			pr := scenarios.PartitionResult{Topic: t, Partition: p, Committed: -1, Lag: -1, LogEnd: end[k]}
			if o, ok := committed[k]; ok {
				pr.Committed = o
				pr.Lag = pr.LogEnd - o
			}
			if m, ok := owner[k]; ok {
				pr.Owner, pr.Member = m.ClientID, m.MemberID
			}
			res.Partitions = append(res.Partitions, pr)
		}
	}
	return res
}

// Close closes the run's clients and deletes its topics (unless
// KeepTopics).
func (b *backend) Close() {
	b.mu.Lock()
	b.stopped = true
	// Without a cluster a close would wait for the coordinator, and an
	// interrupted run must end now: the clients stop as if they crashed.
	gone := b.down || b.interrupted
	b.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range b.cons {
		wg.Go(func() {
			if c.c.IsClosed() {
				return
			}
			if gone {
				c.c.Crash()
				return
			}
			_ = c.c.Close()
		})
	}
	for _, p := range b.prods {
		wg.Go(func() {
			if !p.p.IsClosed() {
				p.p.Flush(1000)
				p.p.Close()
			}
		})
	}
	wg.Wait()
	if b.pool != nil {
		b.pool.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), describeWait)
	defer cancel()
	if !b.cfg.KeepTopics {
		if err := b.adm.DeleteTopics(ctx, b.created...); err != nil {
			b.mu.Lock()
			b.left = fmt.Sprintf("could not delete topics %s on %s (%v): delete them by hand, e.g. kafka-topics.sh --delete --topic NAME",
				strings.Join(b.created, ", "), strings.Join(b.cfg.Brokers, ","), err)
			b.mu.Unlock()
			if b.cfg.Log != nil {
				fmt.Fprintf(b.cfg.Log, "could not delete topics %s: %v\n", strings.Join(b.created, ", "), err)
			}
		} else if b.cfg.Log != nil && len(b.created) > 0 {
			fmt.Fprintf(b.cfg.Log, "deleted topics %s\n", strings.Join(b.created, ", "))
		}
		groups := map[string]bool{}
		for _, c := range b.s.Consumers {
			groups[c.Group] = true
		}
		for _, g := range slices.Sorted(mapsKeys(groups)) {
			_ = b.adm.DeleteGroup(ctx, b.names.group(g))
		}
	} else if b.cfg.Log != nil && len(b.created) > 0 {
		fmt.Fprintf(b.cfg.Log, "kept topics %s\n", strings.Join(b.created, ", "))
	}
	b.adm.Close()
}

func mapsKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// noteAllDown records a client's _ALL_BROKERS_DOWN: the cluster is gone,
// unless a broker-down step took it down.
func (b *backend) noteAllDown() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.scriptedDown || b.stopped {
		return
	}
	if b.lostAt.IsZero() {
		b.lostAt = b.wall.Now()
	}
	b.down = true
}

// noteAnswer records a sign the cluster answers (a delivery, a produce,
// a commit accepted).
func (b *backend) noteAnswer() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.down {
		b.down = false
		b.backAt = b.wall.Now()
	}
}

// clusterLost describes an unscripted loss of the cluster during the run
// ("" when there was none).
func (b *backend) clusterLost() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.lostAt.IsZero() {
		return ""
	}
	at := scenarios.FormatDuration(b.lostAt.Sub(b.start).Round(time.Millisecond))
	where := strings.Join(b.cfg.Brokers, ",")
	if b.down {
		return fmt.Sprintf("the cluster at %s stopped answering at T=%s (_ALL_BROKERS_DOWN) and did not come back: the outcome covers the run up to then", where, at)
	}
	return fmt.Sprintf("the cluster at %s stopped answering at T=%s (_ALL_BROKERS_DOWN) and came back at T=%s: the outcome is not the scenario's",
		where, at, scenarios.FormatDuration(b.backAt.Sub(b.start).Round(time.Millisecond)))
}

// leftovers says what Close could not delete ("" when nothing).
func (b *backend) leftovers() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.left
}

// noteGeneration remembers the highest generation a group's consumers
// reported (DescribeGroups does not carry it).
func (b *backend) noteGeneration(g string, gen int32) {
	if g == "" || gen < 0 {
		return
	}
	b.mu.Lock()
	if cur, ok := b.maxGen[g]; !ok || gen > cur {
		b.maxGen[g] = gen
	}
	b.mu.Unlock()
}

// Telling the runner's goroutine from kgo's. kgo calls a client's hooks
// in two ways: synchronously, inside a call the runner makes (Poll hands
// out a message, CommitMessage commits, NewConsumer creates), and from its
// own goroutines (an async commit's result, the auto-commit timer, a
// delivery report) at any moment, including while the runner is inside a
// call on the same client. The first kind must run at once, inside the
// runner's call, as on the simulator; the second is handed to the runner
// (post), which runs it between the loop's events.
//
// A flag or depth counter set around the runner's calls cannot tell the
// two apart: an async commit's result arriving while the runner waits in
// Poll on that consumer would run at once, on the commit goroutine,
// concurrently with the runner and inside the Poll in the timeline.
// Queueing every hook and draining the queue when each call returns would
// move the second kind: from after the loop's event to after whichever
// call is under way, in the middle of an app's poll turn (up to 64 polls,
// each message processed in between).
//
// What tells them apart is the call path. The runner's goroutine makes
// every call into a client inside RunUntil (from the loop's events;
// before the first RunUntil no client exists, after it hooks are
// dropped), so a hook is synchronous exactly when runnerTurn's frame is
// on its goroutine's stack: goroutines kgo and client/kafka start have
// stacks of their own. onRunner looks for the frame with runtime.Callers,
// as testing.T.Helper finds helpers' frames, instead of parsing the
// goroutine id out of runtime.Stack.

// runnerTurn runs f, the runner's turn at the loop. Its frame marks the
// runner's goroutine for onRunner.
//
//go:noinline
func runnerTurn(f func()) { f() }

// runnerTurnEntry is runnerTurn's entry PC, as runtime.Frame.Entry
// reports it.
var runnerTurnEntry = reflect.ValueOf(runnerTurn).Pointer()

// onRunner reports whether the caller runs on the runner's goroutine
// inside RunUntil: whether runnerTurn is on its call stack. A stack of
// more than 64 frames is read again, longer, rather than cut. It costs a
// few microseconds per hook (parsing runtime.Stack cost more).
func onRunner() bool {
	var buf [64]uintptr
	pcs := buf[:]
	for {
		n := runtime.Callers(2, pcs)
		frames := runtime.CallersFrames(pcs[:n])
		for {
			f, more := frames.Next()
			if f.Entry == runnerTurnEntry {
				return true
			}
			if !more {
				break
			}
		}
		if n < len(pcs) {
			return false
		}
		pcs = make([]uintptr, 2*len(pcs))
	}
}
