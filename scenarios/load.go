package scenarios

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/kafkasim/kafkasim/client"
)

// ErrInternal is wrapped by the error of a failure that is a bug, not a
// mistake in the input: the YAML parser panicking on a file, say. The
// command line exits with its own status for it.
var ErrInternal = errors.New("internal error")

// DefaultDuration is how long a run lasts when the scenario does not say.
const DefaultDuration = 2 * time.Minute

// MaxDuration bounds a scenario's virtual duration (offset-expiry lessons
// need days), and every other duration in a scenario file.
const MaxDuration = 30 * 24 * time.Hour

// MinPeriod is the shortest period a scenario may give anything that
// repeats on its own (a consumer's poll_idle, the broker's
// offsets_retention_check): a shorter one would spend the run's steps
// without virtual time moving.
const MinPeriod = time.Millisecond

// Load reads and validates the scenario file at path. Errors in the file
// are LoadErrors (errors.Is(err, ErrInvalid)), each with file:line:column.
// It reads at most MaxFileSize bytes and one more: a larger file (or an
// endless one, like /dev/zero) is refused without reading the rest.
func Load(path string) (*Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load scenario: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("load scenario: %w", err)
	}
	if len(data) > MaxFileSize {
		return nil, LoadErrors{{Pos: Pos{File: path, Line: 1, Col: 1}, Err: ErrTooLarge,
			Msg: fmt.Sprintf("the file is larger than %s: scenario files are limited to %s", sizeText(MaxFileSize), sizeText(MaxFileSize))}}
	}
	return Parse(path, data)
}

// Parse decodes and validates a scenario from data; file names it in
// errors and gives the default name. data is checked against the input
// limits (MaxFileSize, MaxDepth, MaxNodes) before it is parsed; a UTF-8
// byte order mark at its start is skipped.
func Parse(file string, data []byte) (s *Scenario, err error) {
	defer func() {
		// A panic here, in the third-party YAML parser or in the
		// decoder, is a bug: it never escapes to the caller, and it is
		// not reported as a mistake in the file.
		if r := recover(); r != nil {
			s, err = nil, LoadErrors{{Pos: Pos{File: file, Line: 1, Col: 1}, Err: ErrInternal,
				Msg: fmt.Sprintf("the YAML parser failed on this file (a bug, not a mistake in the file: please report it with the file): %v", r)}}
		}
	}()
	d := &decoder{file: file}
	data, lerr := preflight(file, data)
	if lerr != nil {
		return nil, LoadErrors{lerr}
	}
	f, perr := parser.ParseBytes(data, 0)
	if perr != nil {
		d.errs = append(d.errs, yamlError(file, perr))
		return nil, d.errs
	}
	if len(f.Docs) == 0 || unwrap(f.Docs[0]) == nil {
		d.errAt(Pos{File: file, Line: 1, Col: 1}, "the file is empty: expected a scenario (a mapping with name, topics, consumers, script ...)")
		return nil, d.errs
	}
	if len(f.Docs) > 1 {
		d.errf(f.Docs[1], "expected one YAML document, found %d (remove the extra ---)", len(f.Docs))
	}
	sc := d.scenario(f.Docs[0])
	if len(d.errs) == 0 {
		d.validate(sc)
	}
	if len(d.errs) > 0 {
		slices.SortStableFunc(d.errs, func(a, b *LoadError) int {
			if a.Pos.Line != b.Pos.Line {
				return a.Pos.Line - b.Pos.Line
			}
			return a.Pos.Col - b.Pos.Col
		})
		return nil, d.errs
	}
	return sc, nil
}

func yamlError(file string, err error) *LoadError {
	pos := Pos{File: file, Line: 1, Col: 1}
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return &LoadError{Pos: pos, Msg: "YAML syntax: " + err.Error()}
	}
	// Not ye.Error(): it prints the source around the token, and takes
	// time that grows with the square of the tokens before it (42 s for
	// a line of 100,000 aliases).
	if tk := ye.GetToken(); tk != nil && tk.Position != nil {
		pos.Line, pos.Col = tk.Position.Line, tk.Position.Column
	}
	return &LoadError{Pos: pos, Msg: "YAML syntax: " + ye.GetMessage()}
}

func nameFromFile(file string) string {
	base := filepath.Base(file)
	for _, ext := range []string{".yaml", ".yml"} {
		base = strings.TrimSuffix(base, ext)
	}
	return base
}

func (d *decoder) scenario(n ast.Node) *Scenario {
	o := d.object(n, "scenario")
	s := &Scenario{File: d.file}
	if !o.ok {
		return s
	}
	s.Name = o.str("name")
	if s.Name == "" {
		s.Name = nameFromFile(d.file)
	}
	s.Summary = o.str("summary")
	s.Description = o.str("description")
	s.Teaches = o.strs("teaches")
	s.Seed = uint64(o.integer("seed", 1, 0, 1<<62))
	s.Duration = o.duration("duration", DefaultDuration)
	d.durationPos = o.valPos("duration")
	if c, ok := o.sub("cluster"); ok {
		s.Cluster.Pos = d.pos(c.node)
		if c.has("group_initial_rebalance_delay") {
			v := c.duration("group_initial_rebalance_delay", 3*time.Second)
			s.Cluster.GroupInitialRebalanceDelay = &v
		}
		s.Cluster.OffsetsRetention = c.duration("offsets_retention", 0)
		s.Cluster.OffsetsRetentionCheck = c.duration("offsets_retention_check", 0)
		if ch := s.Cluster.OffsetsRetentionCheck; ch > 0 && ch < MinPeriod {
			d.errAt(c.valPos("offsets_retention_check"), "cluster.offsets_retention_check: must be at least %s (0: the default, 10m), got %s", FormatDuration(MinPeriod), FormatDuration(ch))
		}
		s.Cluster.AutoCreateTopics = c.boolean("auto_create_topics", false)
		c.finish()
	}
	o.list("topics", func(i int, n ast.Node) { s.Topics = append(s.Topics, d.topic(i, n)) })
	o.list("producers", func(i int, n ast.Node) { s.Producers = append(s.Producers, d.producer(i, n)) })
	o.list("consumers", func(i int, n ast.Node) { s.Consumers = append(s.Consumers, d.consumer(i, n)) })
	o.list("script", func(i int, n ast.Node) {
		prev := time.Duration(0)
		if k := len(s.Script); k > 0 {
			prev = s.Script[k-1].At
		}
		s.Script = append(s.Script, d.action(i, n, prev))
	})
	if e, ok := o.get("expect"); ok {
		s.Expect = d.expect(e)
	}
	o.finish()
	return s
}

func (d *decoder) topic(i int, n ast.Node) Topic {
	// A bare name is a one-partition topic.
	if name, ok := scalarText(n); ok {
		return Topic{Name: name, Partitions: 1, Pos: d.pos(n)}
	}
	o := d.object(n, fmt.Sprintf("topics[%d]", i))
	t := Topic{Pos: d.pos(n)}
	t.Name = o.str("name")
	t.Partitions = int(o.integer("partitions", 1, 1, 10000))
	t.Retention = o.duration("retention", 0)
	if o.ok && t.Name == "" {
		d.errf(n, "topics[%d]: name is required", i)
	}
	o.finish()
	return t
}

func (d *decoder) producer(i int, n ast.Node) Producer {
	what := fmt.Sprintf("producers[%d]", i)
	o := d.object(n, what)
	p := Producer{Pos: d.pos(n), Partition: client.PartitionAny}
	p.ID = o.str("id")
	if p.ID == "" {
		p.ID = fmt.Sprintf("producer-%d", i+1)
	}
	p.Topic = o.str("topic")
	p.At = o.duration("at", 0)
	p.Count = int(o.integer("count", 1, 0, 10_000_000))
	p.Interval = o.duration("interval", 0)
	if o.has("rate") {
		if p.Interval != 0 && o.has("interval") {
			d.errAt(o.keyPos("rate"), "%s: give rate or interval, not both", what)
		}
		p.Interval = d.rate(o, "rate")
	}
	p.Key = o.str("key")
	p.Keys = o.strs("keys")
	p.Value = o.str("value")
	p.Partition = int32(o.integer("partition", int64(client.PartitionAny), 0, 10000))
	p.Config = d.config(o, "config", func(m client.ConfigMap) error {
		_, err := client.ParseProducerConfig(m)
		return err
	})
	p.OnQueueFull = QueueFullWait
	if v := o.str("on_queue_full"); v != "" {
		switch v {
		case QueueFullWait, QueueFullError:
			p.OnQueueFull = v
		default:
			d.errAt(o.valPos("on_queue_full"), "%s: expected wait or error, got %q", o.field("on_queue_full"), v)
		}
	}
	if o.ok && p.Topic == "" {
		d.errf(n, "%s: topic is required", what)
	}
	o.finish()
	return p
}

// rate parses "10/s", "2/m" or "100/1s" into an interval.
func (d *decoder) rate(o *obj, key string) time.Duration {
	s := o.str(key)
	num, per, ok := strings.Cut(s, "/")
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if !ok || err != nil || !(n > 0) || n > 1e9 {
		d.errAt(o.valPos(key), "%s: expected a rate like 10/s or 30/m, got %q", o.field(key), s)
		return 0
	}
	per = strings.TrimSpace(per)
	switch per {
	case "s", "m", "h", "ms":
		per = "1" + per
	}
	unit, err := ParseDuration(per)
	if err != nil || unit <= 0 {
		d.errAt(o.valPos(key), "%s: expected a rate like 10/s or 30/m, got %q", o.field(key), s)
		return 0
	}
	return time.Duration(float64(unit) / n)
}

// config reads a librdkafka configuration map, checking each key and then
// the whole map with check.
func (d *decoder) config(o *obj, key string, check func(client.ConfigMap) error) client.ConfigMap {
	n, ok := o.get(key)
	if !ok {
		return client.ConfigMap{}
	}
	c := d.object(n, o.field(key))
	m := client.ConfigMap{}
	if !c.ok {
		return m
	}
	for _, k := range c.keys {
		kv := c.vals[k]
		v, ok := scalarAny(kv.Value)
		if !ok {
			d.errf(kv.Value, "%s: %s: expected a value (text, number or true/false), got %s", c.what, k, describe(kv.Value))
			continue
		}
		if _, known := client.LookupKey(k); !known {
			if err := check(client.ConfigMap{k: v}); err != nil {
				d.errf(kv.Key, "%s: %v", c.what, stripCode(err))
			} else {
				d.errf(kv.Key, "%s: unknown configuration key %q", c.what, k)
			}
			continue
		}
		if err := check(client.ConfigMap{k: v, "group.id": "g"}); err != nil && !strings.Contains(err.Error(), "max.poll.interval.ms") {
			d.errf(kv.Value, "%s: %v", c.what, stripCode(err))
			continue
		}
		m[k] = v
	}
	d.refusedCombinations(c, m, check)
	return m
}

// stripCode drops the "_INVALID_ARG: " prefix of client errors.
func stripCode(err error) string {
	s := err.Error()
	for _, p := range []string{"_INVALID_ARG: ", "Local: Invalid argument or configuration: "} {
		s = strings.TrimPrefix(s, p)
	}
	return s
}

func (d *decoder) consumer(i int, n ast.Node) Consumer {
	what := fmt.Sprintf("consumers[%d]", i)
	o := d.object(n, what)
	c := Consumer{Pos: d.pos(n)}
	c.ID = o.str("id")
	c.Group = o.str("group")
	c.Topics = o.strs("topics")
	if o.has("topic") {
		c.Topics = append(c.Topics, o.strs("topic")...)
	} else {
		o.known = append(o.known, "topic")
	}
	c.Config = d.config(o, "config", func(m client.ConfigMap) error {
		_, err := client.ParseConsumerConfig(m)
		return err
	})
	if o.has("start") {
		v := o.duration("start", 0)
		c.Start = &v
	} else {
		o.known = append(o.known, "start")
	}
	c.PollIdle = o.duration("poll_idle", 100*time.Millisecond)
	if c.PollIdle < MinPeriod && o.has("poll_idle") {
		d.errAt(o.valPos("poll_idle"), "%s.poll_idle: must be at least %s (an app that polls again sooner never lets virtual time move), got %s", what, FormatDuration(MinPeriod), FormatDuration(c.PollIdle))
	}
	if p, ok := o.sub("processing"); ok {
		c.Processing = d.processing(p)
	} else {
		c.Processing = Processing{Commit: StrategyAuto, OnFailure: FailSkip}
	}
	if o.ok {
		if c.ID == "" {
			d.errf(n, "%s: id is required", what)
		}
		if c.Group == "" {
			d.errf(n, "%s: group is required", what)
		}
		if len(c.Topics) == 0 {
			d.errf(n, "%s: topics is required (the topics the consumer subscribes to)", what)
		}
	}
	if _, set := c.Config["group.id"]; set {
		d.errAt(o.valPos("config"), "%s: set the group with group:, not config group.id", what)
	}
	o.finish()
	return c
}

func (d *decoder) processing(o *obj) Processing {
	p := Processing{OnFailure: FailSkip, Commit: StrategyAuto}
	if n, ok := o.get("time"); ok {
		// "2s", or a range "1s..3s" drawn from the seed.
		if s, isStr := unwrap(n).(*ast.StringNode); isStr && strings.Contains(s.Value, "..") {
			lo, hi, _ := strings.Cut(s.Value, "..")
			a, err1 := ParseDuration(lo)
			b, err2 := ParseDuration(hi)
			switch {
			case err1 != nil || err2 != nil:
				d.errf(n, "%s: expected a duration like 2s or a range like 1s..3s, got %q", o.field("time"), s.Value)
			case b < a:
				d.errf(n, "%s: the range %q ends before it starts", o.field("time"), s.Value)
			default:
				p.Time, p.TimeMax = a, b
			}
		} else if v, err := durationValue(n); err != nil {
			d.errf(n, "%s: %v (or a range like 1s..3s)", o.field("time"), err)
		} else {
			p.Time, p.TimeMax = v, v
		}
	}
	o.list("fail_offsets", func(i int, n ast.Node) {
		v, ok := intValue(n)
		if !ok || v < 0 {
			d.errf(n, "%s[%d]: expected an offset (a whole number ≥ 0), got %s", o.field("fail_offsets"), i, describe(n))
			return
		}
		p.FailOffsets = append(p.FailOffsets, v)
	})
	p.FailProbability = o.float("fail_probability", 0, 1)
	if v := o.str("on_failure"); v != "" {
		switch v {
		case FailSkip, FailRetry, FailCrash:
			p.OnFailure = v
		default:
			d.errAt(o.valPos("on_failure"), "%s: expected skip, retry or crash, got %q", o.field("on_failure"), v)
		}
	}
	if v := o.str("commit"); v != "" {
		switch {
		case v == StrategyAuto, v == StrategyAfterEach, v == StrategyBeforeProcess, v == StrategyStoreAfter, v == StrategyNone:
			p.Commit = v
		case strings.HasPrefix(v, "every-"):
			n, err := strconv.Atoi(strings.TrimPrefix(v, "every-"))
			if err != nil || n < 1 || n > 1_000_000 {
				d.errAt(o.valPos("commit"), "%s: expected every-N with N a whole number ≥ 1, like every-10, got %q", o.field("commit"), v)
			}
			p.Commit, p.Every = StrategyEvery, n
		default:
			d.errAt(o.valPos("commit"), "%s: expected auto, after-each, every-N (like every-10), before-process, store-after-process or none, got %q", o.field("commit"), v)
		}
	}
	if p.FailProbability >= 1 && p.OnFailure == FailRetry && p.Time < MinPeriod {
		d.errAt(o.valPos("fail_probability"), "%s: fail_probability 1 with on_failure: retry fails every attempt and retries at once, so the message never gets done and virtual time never moves: give processing a time of at least %s, or a fail_probability below 1", o.what, FormatDuration(MinPeriod))
	}
	p.CommitDelay = o.duration("commit_delay", 0)
	p.Async = o.boolean("async", false)
	p.Idempotent = o.boolean("idempotent", false)
	o.finish()
	return p
}

var actionKinds = []string{DoStart, DoCrash, DoClose, DoRestart, DoStall, DoResume, DoProduce, DoBrokerDown, DoBrokerUp, DoPause, DoSay}

// action decodes script step i; prev is the previous step's time, an
// anchored step's default time.
func (d *decoder) action(i int, n ast.Node, prev time.Duration) Action {
	what := fmt.Sprintf("script[%d]", i)
	o := d.object(n, what)
	a := Action{Pos: d.pos(n), Partition: client.PartitionAny}
	if o.has("after") {
		if ao, ok := o.sub("after"); ok {
			a.After = d.anchor(ao)
		}
	} else {
		o.known = append(o.known, "after")
	}
	if !o.has("at") && o.ok && a.After == nil {
		d.errf(n, "%s: at is required (when the step happens, like 5s)", what)
	}
	a.At = o.duration("at", prev)
	a.Do = o.str("do")
	a.Say = o.str("say")
	if a.Do == "" && a.Say != "" {
		a.Do = DoSay
	}
	if a.After != nil && a.Do != DoSay && a.Do != DoPause && a.Do != "" {
		d.errAt(o.keyPos("after"), "%s: after: anchors say and pause steps only, not %s", what, a.Do)
	}
	if o.ok && a.Do == "" {
		d.errf(n, "%s: do is required: one of %s", what, strings.Join(actionKinds, ", "))
	} else if a.Do != "" && !slices.Contains(actionKinds, a.Do) {
		msg := fmt.Sprintf("%s: unknown action %q: expected one of %s", what, a.Do, strings.Join(actionKinds, ", "))
		if s := closest(a.Do, actionKinds); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		d.errAt(o.valPos("do"), "%s", msg)
	}
	a.Consumer = o.str("consumer")
	a.AtPos, a.ConsumerPos = o.valPos("at"), o.valPos("consumer")
	a.Topic = o.str("topic")
	a.Count = int(o.integer("count", 1, 0, 10_000_000))
	a.Key = o.str("key")
	a.Value = o.str("value")
	a.Partition = int32(o.integer("partition", int64(client.PartitionAny), 0, 10000))
	a.Interval = o.duration("interval", 0)
	needsConsumer := slices.Contains([]string{DoStart, DoCrash, DoClose, DoRestart, DoStall, DoResume}, a.Do)
	if needsConsumer && a.Consumer == "" && o.ok {
		d.errf(n, "%s: %s needs consumer: (the consumer id)", what, a.Do)
	}
	if !needsConsumer && a.Consumer != "" && slices.Contains(actionKinds, a.Do) {
		d.errAt(o.keyPos("consumer"), "%s: %s does not take a consumer", what, a.Do)
	}
	if a.Do == DoProduce && a.Topic == "" && o.ok {
		d.errf(n, "%s: produce needs topic:", what)
	}
	if a.Do != DoProduce {
		for _, k := range []string{"topic", "count", "key", "value", "partition", "interval"} {
			if o.has(k) {
				d.errAt(o.keyPos(k), "%s: %s is only for produce steps", what, k)
			}
		}
	}
	o.finish()
	return a
}

// anchorKinds are the event kinds a step can be anchored to: every kind
// but the script's own (narration, pause).
var anchorKinds = []Kind{KindProduce, KindProduceWait, KindStart, KindCrash, KindClose, KindClosed, KindStall, KindResume, KindRestart,
	KindJoin, KindAssign, KindRevoke, KindLost, KindLeave, KindRejoin, KindPosition, KindMaxPoll, KindHeartbeat,
	KindClientErr, KindEOF, KindSubscribed, KindDeliver, KindStore, KindEffect, KindEffectSkipped, KindProcessFailed,
	KindCommit, KindCommitOK, KindCommitFailed, KindGroupState, KindMemberExpired, KindOffsetsExpired, KindGroupEvent,
	KindBrokerDown, KindBrokerUp}

// anchor decodes a step's after: mapping.
func (d *decoder) anchor(o *obj) *Anchor {
	an := &Anchor{Pos: d.pos(o.node), Partition: -1, Offset: -1}
	an.Kind = Kind(o.str("kind"))
	an.Actor = o.str("actor")
	an.Group = o.str("group")
	an.Topic = o.str("topic")
	an.State = o.str("state")
	an.Partition = int32(o.integer("partition", -1, 0, 10000))
	an.Offset = o.integer("offset", -1, 0, 1<<62)
	if o.ok {
		var names []string
		for _, k := range anchorKinds {
			names = append(names, string(k))
		}
		switch {
		case an.Kind == "":
			d.errf(o.node, "%s: kind is required: the kind of event the step follows, like deliver or crash", o.what)
		case !slices.Contains(anchorKinds, an.Kind):
			msg := fmt.Sprintf("%s: unknown event kind %q: expected one of %s", o.field("kind"), an.Kind, strings.Join(names, ", "))
			if c := closest(string(an.Kind), names); c != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", c)
			}
			d.errAt(o.valPos("kind"), "%s", msg)
		}
		if an.State != "" && an.Kind != KindGroupState {
			d.errAt(o.keyPos("state"), "%s: state is only for kind group_state", o.what)
		}
	}
	o.finish()
	return an
}

// count parses 3, ">=1", "<=2", "1..3" or "any".
func (d *decoder) count(n ast.Node, what string) Count {
	c := Count{Pos: d.pos(n), Max: -1}
	if v, ok := intValue(n); ok {
		if _, isInt := unwrap(n).(*ast.IntegerNode); isInt {
			if v < 0 {
				d.errf(n, "%s: a count must not be negative, got %d", what, v)
			}
			c.Min, c.Max, c.Text = int(v), int(v), strconv.FormatInt(v, 10)
			return c
		}
	}
	s, ok := scalarText(n)
	if !ok {
		d.errf(n, "%s: expected a count like 2, \">=1\", \"<=3\" or \"1..3\", got %s", what, describe(n))
		return c
	}
	c.Text = s
	bad := func() { d.errf(n, "%s: expected a count like 2, \">=1\", \"<=3\" or \"1..3\", got %q", what, s) }
	num := func(t string) int {
		v, err := strconv.Atoi(strings.TrimSpace(t))
		if err != nil || v < 0 || v > 1<<30 {
			bad()
			return 0
		}
		return v
	}
	t := strings.TrimSpace(s)
	switch {
	case t == "any":
		c.Min = 0
	case strings.HasPrefix(t, ">="):
		c.Min = num(t[2:])
	case strings.HasPrefix(t, ">"):
		c.Min = num(t[1:]) + 1
	case strings.HasPrefix(t, "<="):
		c.Max = num(t[2:])
	case strings.HasPrefix(t, "<"):
		c.Max = num(t[1:]) - 1
		if c.Max < 0 {
			bad()
		}
	case strings.Contains(t, ".."):
		a, b, _ := strings.Cut(t, "..")
		c.Min, c.Max = num(a), num(b)
		if c.Max < c.Min {
			d.errf(n, "%s: the range %q ends before it starts", what, s)
		}
	default:
		v := num(t)
		c.Min, c.Max = v, v
	}
	return c
}

func (d *decoder) optCount(o *obj, key string) *Count {
	n, ok := o.get(key)
	if !ok {
		return nil
	}
	c := d.count(n, o.field(key))
	return &c
}

func (d *decoder) expect(n ast.Node) *Expect {
	o := d.object(n, "expect")
	e := &Expect{Pos: d.pos(n)}
	e.Lost = d.optCount(o, "lost")
	e.Duplicated = d.optCount(o, "duplicated")
	e.Redelivered = d.optCount(o, "redelivered")
	e.OK = d.optCount(o, "ok")
	e.Pending = d.optCount(o, "pending")
	o.list("messages", func(i int, n ast.Node) {
		m := d.object(n, fmt.Sprintf("expect.messages[%d]", i))
		em := ExpectMessage{Pos: d.pos(n)}
		em.Group = m.str("group")
		em.Topic = m.str("topic")
		em.Partition = int32(m.integer("partition", 0, 0, 10000))
		em.Offset = m.integer("offset", 0, 0, 1<<62)
		if v := m.str("outcome"); v != "" {
			switch Verdict(v) {
			case OK, Redelivered, Duplicated, Lost, Pending:
				em.Outcome = Verdict(v)
			default:
				d.errAt(m.valPos("outcome"), "%s: expected OK, REDELIVERED, DUPLICATED, LOST or PENDING, got %q", m.field("outcome"), v)
			}
		}
		em.CauseKind = CauseKind(m.str("cause_kind"))
		em.CauseContains = m.str("cause_contains")
		if m.ok && em.Topic == "" {
			d.errf(n, "%s: topic is required", m.what)
		}
		m.finish()
		e.Messages = append(e.Messages, em)
	})
	offsets := func(key, valKey string) []ExpectOffset {
		var out []ExpectOffset
		o.list(key, func(i int, n ast.Node) {
			m := d.object(n, fmt.Sprintf("expect.%s[%d]", key, i))
			x := ExpectOffset{Pos: d.pos(n)}
			x.Group = m.str("group")
			x.Topic = m.str("topic")
			x.Partition = int32(m.integer("partition", 0, 0, 10000))
			if vn, ok := m.get(valKey); ok {
				if v, isInt := intValue(vn); isInt && v == -1 {
					x.Value = Count{Min: -1, Max: -1, Text: "-1", Pos: d.pos(vn)}
				} else {
					x.Value = d.count(vn, m.field(valKey))
				}
			}
			if m.ok && (x.Topic == "" || !m.has(valKey)) {
				d.errf(n, "%s: topic and %s are required", m.what, valKey)
			}
			m.finish()
			out = append(out, x)
		})
		return out
	}
	e.Committed = offsets("committed", "offset")
	e.Lag = offsets("lag", "lag")
	o.list("flags", func(i int, n ast.Node) {
		m := d.object(n, fmt.Sprintf("expect.flags[%d]", i))
		f := ExpectFlag{Pos: d.pos(n), Count: Count{Min: 1, Max: -1, Text: ">=1"}}
		f.Flag = Flag(m.str("flag"))
		switch f.Flag {
		case FlagSkip, FlagNonMonotonic, FlagReordered, FlagCommittedTooFar, FlagCommitBeyondEnd, FlagStaleCommitAccepted, FlagCommitRegression:
		default:
			if m.ok {
				d.errf(n, "%s: flag: expected one of SKIP, NONMONOTONIC, REORDERED, COMMITTED-TOO-FAR, COMMIT-BEYOND-END, STALE-COMMIT-ACCEPTED, COMMIT-REGRESSION, got %q", m.what, f.Flag)
			}
		}
		if cn, ok := m.get("count"); ok {
			f.Count = d.count(cn, m.field("count"))
		}
		m.finish()
		e.Flags = append(e.Flags, f)
	})
	o.list("events", func(i int, n ast.Node) {
		m := d.object(n, fmt.Sprintf("expect.events[%d]", i))
		ev := ExpectEvent{Pos: d.pos(n), Count: Count{Min: 1, Max: -1, Text: ">=1"}}
		ev.Kind = Kind(m.str("kind"))
		ev.Actor = m.str("actor")
		ev.Error = m.str("error")
		ev.State = m.str("state")
		ev.Contains = m.str("contains")
		if cn, ok := m.get("count"); ok {
			ev.Count = d.count(cn, m.field("count"))
		}
		if m.ok && ev.Kind == "" {
			d.errf(n, "%s: kind is required", m.what)
		}
		m.finish()
		e.Events = append(e.Events, ev)
	})
	o.list("groups", func(i int, n ast.Node) {
		m := d.object(n, fmt.Sprintf("expect.groups[%d]", i))
		g := ExpectGroup{Pos: d.pos(n)}
		g.Group = m.str("group")
		g.State = m.str("state")
		g.Lost = d.optCount(m, "lost")
		g.Duplicated = d.optCount(m, "duplicated")
		if m.ok && g.Group == "" {
			d.errf(n, "%s: group is required", m.what)
		}
		m.finish()
		e.Groups = append(e.Groups, g)
	})
	o.finish()
	return e
}
