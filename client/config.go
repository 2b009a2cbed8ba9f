package client

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	suggestpkg "github.com/kafkasim/kafkasim/internal/suggest"
)

// ConfigValue is a configuration value: a string, a bool, an integer or an
// integral float (as decoded from YAML or JSON). Strings are parsed as
// librdkafka parses them.
type ConfigValue any

// ConfigMap is a client configuration keyed by librdkafka property names,
// as in confluent-kafka-go: client.ConfigMap{"group.id": "g",
// "auto.offset.reset": "earliest"}. Keys not set take librdkafka's default
// (see Keys). ParseConsumerConfig and ParseProducerConfig validate it.
type ConfigMap map[string]ConfigValue

// SetKey sets key to value. It does not validate.
func (m ConfigMap) SetKey(key string, value ConfigValue) error {
	m[key] = value
	return nil
}

// Set sets a "key=value" pair.
func (m ConfigMap) Set(kv string) error {
	k, v, ok := strings.Cut(kv, "=")
	if !ok || k == "" {
		return NewError(ErrInvalidArg, fmt.Sprintf("expected key=value, got %q", kv), false)
	}
	m[k] = v
	return nil
}

// Get returns the value of key, or defval if it is not set.
func (m ConfigMap) Get(key string, defval ConfigValue) (ConfigValue, error) {
	if v, ok := m[key]; ok {
		return v, nil
	}
	return defval, nil
}

// Clone returns a copy of m.
func (m ConfigMap) Clone() ConfigMap {
	out := make(ConfigMap, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Scope says which clients use a key.
type Scope int

// Scopes.
const (
	ScopeBoth Scope = iota
	ScopeConsumer
	ScopeProducer
)

// String is "*", "consumer" or "producer".
func (s Scope) String() string { return enumName([]string{"*", "consumer", "producer"}, int(s)) }

// KeyType is the type of a configuration value.
type KeyType int

// Key types.
const (
	TypeString KeyType = iota
	TypeBool
	TypeInt
	TypeEnum
	TypeList
)

// Key describes one configuration property.
type Key struct {
	// Name is the librdkafka name.
	Name string
	// Aliases are other accepted names (librdkafka's and Java's).
	Aliases []string
	Scope   Scope
	Type    KeyType
	// Default is librdkafka's default, in canonical spelling.
	Default string
	// Min and Max bound TypeInt values.
	Min, Max int64
	// Values maps each accepted spelling of a TypeEnum or TypeList value to
	// its canonical value.
	Values map[string]string
	// Allowed describes the accepted values for error messages.
	Allowed string
	// FoldCase accepts enum spellings in any case.
	FoldCase bool
	// Doc says what the key does and whether the simulator models it.
	Doc string
}

func boolKey(name string, scope Scope, def bool, doc string) Key {
	return Key{Name: name, Scope: scope, Type: TypeBool, Default: strconv.FormatBool(def), Allowed: "true or false", Doc: doc}
}

func intKey(name string, scope Scope, def, lo, hi int64, doc string, aliases ...string) Key {
	return Key{Name: name, Aliases: aliases, Scope: scope, Type: TypeInt, Default: strconv.FormatInt(def, 10), Min: lo, Max: hi,
		Allowed: fmt.Sprintf("an integer from %d to %d", lo, hi), Doc: doc}
}

func strKey(name string, scope Scope, def, doc string, aliases ...string) Key {
	return Key{Name: name, Aliases: aliases, Scope: scope, Type: TypeString, Default: def, Allowed: "a string", Doc: doc}
}

func enumKey(name string, scope Scope, def string, values map[string]string, allowed, doc string, aliases ...string) Key {
	return Key{Name: name, Aliases: aliases, Scope: scope, Type: TypeEnum, Default: def, Values: values, Allowed: allowed, Doc: doc}
}

func same(vals ...string) map[string]string {
	m := make(map[string]string, len(vals))
	for _, v := range vals {
		m[v] = v
	}
	return m
}

// Auto-commit models (kafkasim.auto.commit.mode).
const (
	// AutoCommitLibrdkafka: a background timer commits the offsets stored
	// when poll handed messages out, whether or not the app polls.
	AutoCommitLibrdkafka = "librdkafka"
	// AutoCommitJava: the Java client's model: commit inside poll before
	// fetching (the positions reached by earlier polls), before a rebalance,
	// and synchronously on close.
	AutoCommitJava = "java"
)

// Keys is every configuration key kafkasim accepts, in name order, with
// librdkafka's defaults. Keys marked "accepted, not modelled" are validated
// and passed to the real-Kafka backend but do not change the simulation.
var Keys = sortKeys([]Key{
	// Common.
	strKey("bootstrap.servers", ScopeBoth, "", "Initial brokers, host:port comma-separated; the real backend's seed brokers (the simulator ignores it).", "metadata.broker.list"),
	strKey("client.id", ScopeBoth, "rdkafka", "Client identifier; member ids look like <client.id>-<uuid>."),
	enumKey("security.protocol", ScopeBoth, "plaintext", same("plaintext", "ssl", "sasl_plaintext", "sasl_ssl"), "plaintext, ssl, sasl_plaintext or sasl_ssl", "Broker protocol (real backend; accepted, not modelled)."),
	enumKey("sasl.mechanisms", ScopeBoth, "GSSAPI", same("GSSAPI", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"), "GSSAPI, PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER", "SASL mechanism (real backend; accepted, not modelled).", "sasl.mechanism"),
	strKey("sasl.username", ScopeBoth, "", "SASL user name (real backend)."),
	strKey("sasl.password", ScopeBoth, "", "SASL password (real backend)."),
	strKey("ssl.ca.location", ScopeBoth, "", "CA certificate file (real backend)."),
	strKey("ssl.certificate.location", ScopeBoth, "", "Client certificate file (real backend)."),
	strKey("ssl.key.location", ScopeBoth, "", "Client private key file (real backend)."),
	strKey("ssl.key.password", ScopeBoth, "", "Private key password (real backend)."),
	enumKey("ssl.endpoint.identification.algorithm", ScopeBoth, "https", same("none", "https"), "none or https", "Verify the broker's host name (real backend)."),
	boolKey("enable.ssl.certificate.verification", ScopeBoth, true, "Verify the broker's certificate (real backend; false skips the check)."),
	intKey("socket.timeout.ms", ScopeBoth, 60000, 10, 300000, "Network request timeout; the simulator bounds synchronous calls waiting for a down broker with it."),
	intKey("reconnect.backoff.ms", ScopeBoth, 100, 0, 3600000, "Initial reconnect backoff; the simulator retries a down broker at this period."),
	intKey("reconnect.backoff.max.ms", ScopeBoth, 10000, 0, 3600000, "Maximum reconnect backoff (accepted, not modelled)."),
	intKey("topic.metadata.refresh.interval.ms", ScopeBoth, 300000, -1, 3600000, "Metadata refresh period: how soon a missing subscribed topic is noticed once created."),
	strKey("debug", ScopeBoth, "", "librdkafka debug contexts (accepted, not modelled)."),
	intKey("log_level", ScopeBoth, 6, 0, 7, "librdkafka log level (accepted, not modelled)."),
	intKey("statistics.interval.ms", ScopeBoth, 0, 0, 86400000, "Statistics events (accepted, not modelled)."),
	boolKey("go.events.channel.enable", ScopeBoth, false, "confluent-kafka-go's events channel; accepted, but this API serves events through Poll only."),
	boolKey("go.logs.channel.enable", ScopeBoth, false, "confluent-kafka-go's log channel (accepted, not modelled)."),

	// Consumer.
	strKey("group.id", ScopeConsumer, "", "Consumer group; required for a consumer (as in confluent-kafka-go)."),
	strKey("group.instance.id", ScopeConsumer, "", "Static membership (KIP-345): no LeaveGroup on close; a restart within session.timeout.ms gets its old assignment back without a rebalance."),
	enumKey("group.protocol", ScopeConsumer, "classic", same("classic", "consumer"), "classic or consumer", "Group protocol: classic (JoinGroup/SyncGroup) or consumer (KIP-848: the broker assigns, members reconcile incrementally through ConsumerGroupHeartbeat; session timeout and heartbeat interval are the broker's)."),
	strKey("group.protocol.type", ScopeConsumer, "consumer", "The classic protocol's protocol type; consumer is the only one (refused with group.protocol=consumer)."),
	strKey("group.remote.assignor", ScopeConsumer, "", "Server-side assignor a group.protocol=consumer member asks for: uniform or range (unset: the broker's default, uniform). The broker refuses other names with UNSUPPORTED_ASSIGNOR."),
	intKey("session.timeout.ms", ScopeConsumer, 45000, 1, 3600000, "The coordinator removes a member that has not heartbeated for this long."),
	intKey("heartbeat.interval.ms", ScopeConsumer, 3000, 1, 3600000, "Heartbeat period."),
	intKey("max.poll.interval.ms", ScopeConsumer, 300000, 1, 86400000, "Longest allowed gap between returns from Poll; also the JoinGroup rebalance timeout. Must be >= session.timeout.ms."),
	boolKey("enable.auto.commit", ScopeConsumer, true, "Commit stored offsets automatically (see kafkasim.auto.commit.mode)."),
	intKey("auto.commit.interval.ms", ScopeConsumer, 5000, 0, 86400000, "Auto-commit period; 0 disables the timer (commits on revoke and close still happen)."),
	boolKey("enable.auto.offset.store", ScopeConsumer, true, "Store offset+1 of each message the moment Poll hands it out (before the app processes it)."),
	enumKey("auto.offset.reset", ScopeConsumer, "largest", map[string]string{
		"smallest": "smallest", "earliest": "smallest", "beginning": "smallest",
		"largest": "largest", "latest": "largest", "end": "largest",
		"error": "error",
	}, "smallest, earliest, beginning, largest, latest, end or error", "Where to start without a valid committed offset: log start, log end, or an _AUTO_OFFSET_RESET error event."),
	boolKey("enable.partition.eof", ScopeConsumer, false, "Emit a PartitionEOF event when the position reaches the end of a partition."),
	{Name: "partition.assignment.strategy", Scope: ScopeConsumer, Type: TypeList, Default: "range,roundrobin",
		Values:  same("range", "roundrobin", "cooperative-sticky"),
		Allowed: "a comma-separated list of range, roundrobin and cooperative-sticky (eager and cooperative cannot be mixed)",
		Doc:     "Assignors in order of preference; the group picks one all members support."},
	enumKey("isolation.level", ScopeConsumer, "read_committed", same("read_committed", "read_uncommitted"), "read_committed or read_uncommitted", "Transactional isolation (no transactions are simulated, so both read everything)."),
	boolKey("allow.auto.create.topics", ScopeConsumer, false, "Subscribing to a missing topic creates it (needs the broker to allow it too)."),
	intKey("fetch.min.bytes", ScopeConsumer, 1, 1, 100000000, "Minimum bytes per fetch (accepted, not modelled)."),
	intKey("fetch.max.bytes", ScopeConsumer, 52428800, 0, 2147483135, "Maximum bytes per fetch."),
	intKey("max.partition.fetch.bytes", ScopeConsumer, 1048576, 1, 1000000000, "Maximum bytes per partition per fetch.", "fetch.message.max.bytes"),
	intKey("fetch.wait.max.ms", ScopeConsumer, 500, 0, 300000, "Longest a fetch waits on the broker for data (accepted, not modelled: the simulated broker answers at once)."),
	boolKey("check.crcs", ScopeConsumer, false, "Verify record CRCs (accepted, not modelled)."),
	boolKey("go.application.rebalance.enable", ScopeConsumer, false, "Without a rebalance callback, return AssignedPartitions / RevokedPartitions from Poll for the app to apply (confluent-kafka-go)."),
	{Name: "kafkasim.auto.commit.mode", Scope: ScopeConsumer, Type: TypeEnum, Default: AutoCommitLibrdkafka,
		Values: same(AutoCommitLibrdkafka, AutoCommitJava), Allowed: "librdkafka or java",
		Doc: "kafkasim's own key: which client's auto-commit to model. librdkafka (default): a timer commits offsets stored at delivery, whether or not the app polls. java: commit inside poll before fetching, before a rebalance, and on close."},

	// Producer.
	enumKey("acks", ScopeProducer, "-1", map[string]string{"all": "-1", "-1": "-1", "0": "0", "1": "1"}, "all, -1, 0 or 1", "Acknowledgements the leader waits for (the simulated broker is one replica: every value is durable once appended).", "request.required.acks"),
	{Name: "linger.ms", Aliases: []string{"queue.buffering.max.ms"}, Scope: ScopeProducer, Type: TypeInt, Default: "5", Min: 0, Max: 900000,
		Allowed: "an integer from 0 to 900000", Doc: "How long messages wait in the producer queue to form a batch; the simulated delivery happens this long after Produce."},
	enumKey("partitioner", ScopeProducer, "consistent_random", same("random", "consistent", "consistent_random", "murmur2", "murmur2_random", "fnv1a", "fnv1a_random"),
		"random, consistent, consistent_random, murmur2, murmur2_random, fnv1a or fnv1a_random", "Key to partition mapping (librdkafka default consistent_random; Java's is murmur2_random)."),
	intKey("sticky.partitioning.linger.ms", ScopeProducer, 10, 0, 900000, "How long keyless messages stick to one random partition."),
	boolKey("enable.idempotence", ScopeProducer, false, "Idempotent producer: needs acks=all (the simulated broker never duplicates on retry)."),
	intKey("message.timeout.ms", ScopeProducer, 300000, 0, 2147483647, "Time a message may wait for delivery, then fails with _MSG_TIMED_OUT (0: forever).", "delivery.timeout.ms"),
	intKey("retries", ScopeProducer, 2147483647, 0, 2147483647, "Send retries (bounded in practice by message.timeout.ms).", "message.send.max.retries"),
	intKey("retry.backoff.ms", ScopeProducer, 100, 1, 300000, "Backoff between produce retries while the broker is down."),
	intKey("batch.num.messages", ScopeProducer, 10000, 1, 1000000, "Maximum messages per batch (accepted, not modelled)."),
	intKey("batch.size", ScopeProducer, 1000000, 1, 2147483647, "Maximum batch bytes (accepted, not modelled)."),
	intKey("queue.buffering.max.messages", ScopeProducer, 100000, 0, 2147483647, "Maximum queued messages; Produce fails with _QUEUE_FULL beyond it."),
	intKey("max.in.flight.requests.per.connection", ScopeProducer, 1000000, 1, 1000000, "In-flight requests (accepted, not modelled).", "max.in.flight"),
	enumKey("compression.type", ScopeProducer, "none", same("none", "gzip", "snappy", "lz4", "zstd"), "none, gzip, snappy, lz4 or zstd", "Compression (accepted, not modelled).", "compression.codec"),
	boolKey("go.delivery.reports", ScopeProducer, true, "Return delivery reports from Poll when Produce has no delivery function."),
})

func sortKeys(ks []Key) []Key {
	for i := range ks {
		if ks[i].Name == "security.protocol" || ks[i].Name == "sasl.mechanisms" {
			ks[i].FoldCase = true
		}
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i].Name < ks[j].Name })
	return ks
}

var keyIndex = func() map[string]*Key {
	m := map[string]*Key{}
	for i := range Keys {
		k := &Keys[i]
		m[k.Name] = k
		for _, a := range k.Aliases {
			m[a] = k
		}
	}
	return m
}()

// LookupKey finds a key by name or alias.
func LookupKey(name string) (Key, bool) {
	k, ok := keyIndex[name]
	if !ok {
		return Key{}, false
	}
	return *k, true
}

// resolved is a validated configuration: canonical key name → canonical
// value, plus which keys were set explicitly.
// resolved is a configuration checked against Keys: the values set (by
// canonical name) and, for the rest, the defaults of the keys in scope.
type resolved struct {
	scope Scope
	vals  map[string]string // values set, in scope
	set   map[string]bool
}

// str is the value of key name: set, else its default (keys of the other
// client kind, and unknown names, are "").
func (r resolved) str(name string) string {
	if v, ok := r.vals[name]; ok {
		return v
	}
	if k, ok := keyIndex[name]; ok && k.Name == name && (k.Scope == ScopeBoth || k.Scope == r.scope) {
		return k.Default
	}
	return ""
}
func (r resolved) boolean(name string) bool {
	return r.str(name) == "true"
}
func (r resolved) integer(name string) int64 {
	n, _ := strconv.ParseInt(r.str(name), 10, 64)
	return n
}
func (r resolved) ms(name string) time.Duration {
	return time.Duration(r.integer(name)) * time.Millisecond
}

func configErr(key string, v ConfigValue, allowed string) error {
	return NewError(ErrInvalidArg, fmt.Sprintf("%s: invalid value %s: expected %s", key, quoteValue(v), allowed), false)
}

func quoteValue(v ConfigValue) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case nil:
		return "<nil>"
	}
	return strconv.Quote(fmt.Sprint(v))
}

// text turns a Go value into librdkafka's string form.
func text(v ConfigValue) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case int:
		return strconv.FormatInt(int64(x), 10), true
	case int8:
		return strconv.FormatInt(int64(x), 10), true
	case int16:
		return strconv.FormatInt(int64(x), 10), true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case uint:
		return strconv.FormatUint(uint64(x), 10), true
	case uint8:
		return strconv.FormatUint(uint64(x), 10), true
	case uint16:
		return strconv.FormatUint(uint64(x), 10), true
	case uint32:
		return strconv.FormatUint(uint64(x), 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	case float32:
		return text(float64(x))
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return strconv.FormatInt(int64(x), 10), true
		}
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case []string:
		return strings.Join(x, ","), true
	case fmt.Stringer:
		return x.String(), true
	}
	return "", false
}

func (k *Key) parse(name string, v ConfigValue) (string, error) {
	s, ok := text(v)
	if !ok {
		return "", configErr(name, v, k.Allowed)
	}
	switch k.Type {
	case TypeString:
		return s, nil
	case TypeBool:
		switch s {
		case "true", "t", "1":
			return "true", nil
		case "false", "f", "0":
			return "false", nil
		}
		return "", configErr(name, v, k.Allowed)
	case TypeInt:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || n < k.Min || n > k.Max {
			return "", configErr(name, v, k.Allowed)
		}
		return strconv.FormatInt(n, 10), nil
	case TypeEnum:
		if c, ok := k.lookup(s); ok {
			return c, nil
		}
		return "", configErr(name, v, k.Allowed)
	case TypeList:
		var out []string
		for _, part := range strings.Split(s, ",") {
			part = strings.TrimSpace(part)
			c, ok := k.lookup(part)
			if !ok {
				return "", configErr(name, v, k.Allowed)
			}
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
		return strings.Join(out, ","), nil
	}
	return "", configErr(name, v, k.Allowed)
}

func (k *Key) lookup(s string) (string, bool) {
	if c, ok := k.Values[s]; ok {
		return c, true
	}
	if k.FoldCase {
		for spelling, c := range k.Values {
			if strings.EqualFold(spelling, s) {
				return c, true
			}
		}
	}
	return "", false
}

func resolve(m ConfigMap, scope Scope) (resolved, error) {
	// Defaults are not copied in: str falls back to them.
	r := resolved{scope: scope, vals: map[string]string{}, set: map[string]bool{}}
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		k, ok := keyIndex[name]
		if !ok {
			msg := fmt.Sprintf("unknown configuration key %q", name)
			if s := suggest(name); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			return r, NewError(ErrInvalidArg, msg, false)
		}
		val, err := k.parse(name, m[name])
		if err != nil {
			return r, err
		}
		// Keys of the other client kind are accepted and ignored, as
		// librdkafka does (it logs a warning).
		if k.Scope == ScopeBoth || k.Scope == scope {
			if r.set[k.Name] && r.vals[k.Name] != val {
				return r, NewError(ErrInvalidArg, fmt.Sprintf("%s: set twice with different values (through an alias)", k.Name), false)
			}
			r.vals[k.Name] = val
			r.set[k.Name] = true
		}
	}
	return r, nil
}

// suggest returns the known key closest to name, if it is close.
func suggest(name string) string {
	names := make([]string, 0, len(keyIndex))
	for n := range keyIndex {
		names = append(names, n)
	}
	return suggestpkg.Closest(name, names, 4)
}

// CommonConfig holds the keys every client has.
type CommonConfig struct {
	// BootstrapServers is bootstrap.servers split at commas.
	BootstrapServers []string
	ClientID         string
	SecurityProtocol string
	SASLMechanism    string
	SASLUsername     string
	SASLPassword     string
	SSLCALocation    string
	SSLCertLocation  string
	SSLKeyLocation   string
	SSLKeyPassword   string
	// SSLEndpointIdentification is "https" (verify host names) or "none".
	SSLEndpointIdentification string
	SocketTimeout             time.Duration
	ReconnectBackoff          time.Duration
	ReconnectBackoffMax       time.Duration
	// MetadataRefreshInterval is topic.metadata.refresh.interval.ms
	// (negative: disabled).
	MetadataRefreshInterval time.Duration
	Debug                   string
}

func commonFrom(r resolved) CommonConfig {
	var servers []string
	for _, s := range strings.Split(r.str("bootstrap.servers"), ",") {
		if s = strings.TrimSpace(s); s != "" {
			servers = append(servers, s)
		}
	}
	return CommonConfig{
		BootstrapServers:          servers,
		ClientID:                  r.str("client.id"),
		SecurityProtocol:          strings.ToLower(r.str("security.protocol")),
		SASLMechanism:             strings.ToUpper(r.str("sasl.mechanisms")),
		SASLUsername:              r.str("sasl.username"),
		SASLPassword:              r.str("sasl.password"),
		SSLCALocation:             r.str("ssl.ca.location"),
		SSLCertLocation:           r.str("ssl.certificate.location"),
		SSLKeyLocation:            r.str("ssl.key.location"),
		SSLKeyPassword:            r.str("ssl.key.password"),
		SSLEndpointIdentification: r.str("ssl.endpoint.identification.algorithm"),
		SocketTimeout:             r.ms("socket.timeout.ms"),
		ReconnectBackoff:          r.ms("reconnect.backoff.ms"),
		ReconnectBackoffMax:       r.ms("reconnect.backoff.max.ms"),
		MetadataRefreshInterval:   r.ms("topic.metadata.refresh.interval.ms"),
		Debug:                     r.str("debug"),
	}
}

// ConsumerConfig is a validated consumer configuration with librdkafka's
// defaults filled in. Backends read it instead of the ConfigMap.
type ConsumerConfig struct {
	CommonConfig
	GroupID    string
	InstanceID string
	// GroupProtocol is "classic" or "consumer" (KIP-848).
	GroupProtocol string
	// RemoteAssignor is group.remote.assignor: the server assignor a
	// consumer-protocol member asks for ("" leaves it to the broker).
	RemoteAssignor     string
	SessionTimeout     time.Duration
	HeartbeatInterval  time.Duration
	MaxPollInterval    time.Duration
	EnableAutoCommit   bool
	AutoCommitInterval time.Duration
	// AutoCommitMode is AutoCommitLibrdkafka or AutoCommitJava.
	AutoCommitMode        string
	EnableAutoOffsetStore bool
	// AutoOffsetReset is the canonical policy: "smallest", "largest" or
	// "error".
	AutoOffsetReset    string
	EnablePartitionEOF bool
	// AssignmentStrategies are assignor names in preference order: range,
	// roundrobin, cooperative-sticky.
	AssignmentStrategies []string
	// Cooperative reports whether the assignors are cooperative.
	Cooperative            bool
	IsolationLevel         string
	AllowAutoCreateTopics  bool
	FetchMinBytes          int
	FetchMaxBytes          int
	MaxPartitionFetchBytes int
	FetchWaitMax           time.Duration
	// ApplicationRebalance is go.application.rebalance.enable.
	ApplicationRebalance bool
	// Set lists the canonical names of the keys set explicitly.
	Set []string
}

// ParseConsumerConfig validates m as a consumer configuration. The error
// (an Error with ErrInvalidArg) names the key, the value and what is
// allowed; keys are checked in name order, so the first bad key is
// reported.
func ParseConsumerConfig(m ConfigMap) (ConsumerConfig, error) {
	r, err := resolve(m, ScopeConsumer)
	if err != nil {
		return ConsumerConfig{}, err
	}
	c := ConsumerConfig{
		CommonConfig:           commonFrom(r),
		GroupID:                r.str("group.id"),
		InstanceID:             r.str("group.instance.id"),
		GroupProtocol:          r.str("group.protocol"),
		RemoteAssignor:         r.str("group.remote.assignor"),
		SessionTimeout:         r.ms("session.timeout.ms"),
		HeartbeatInterval:      r.ms("heartbeat.interval.ms"),
		MaxPollInterval:        r.ms("max.poll.interval.ms"),
		EnableAutoCommit:       r.boolean("enable.auto.commit"),
		AutoCommitInterval:     r.ms("auto.commit.interval.ms"),
		AutoCommitMode:         r.str("kafkasim.auto.commit.mode"),
		EnableAutoOffsetStore:  r.boolean("enable.auto.offset.store"),
		AutoOffsetReset:        r.str("auto.offset.reset"),
		EnablePartitionEOF:     r.boolean("enable.partition.eof"),
		AssignmentStrategies:   strings.Split(r.str("partition.assignment.strategy"), ","),
		IsolationLevel:         r.str("isolation.level"),
		AllowAutoCreateTopics:  r.boolean("allow.auto.create.topics"),
		FetchMinBytes:          int(r.integer("fetch.min.bytes")),
		FetchMaxBytes:          int(r.integer("fetch.max.bytes")),
		MaxPartitionFetchBytes: int(r.integer("max.partition.fetch.bytes")),
		FetchWaitMax:           r.ms("fetch.wait.max.ms"),
		ApplicationRebalance:   r.boolean("go.application.rebalance.enable"),
		Set:                    setKeys(r),
	}
	coop := slices.Contains(c.AssignmentStrategies, "cooperative-sticky")
	if coop && len(c.AssignmentStrategies) > 1 {
		return ConsumerConfig{}, configErr("partition.assignment.strategy", m[aliasUsed(m, "partition.assignment.strategy")],
			"eager (range, roundrobin) and cooperative (cooperative-sticky) assignors not mixed")
	}
	c.Cooperative = coop
	if c.GroupID == "" {
		return ConsumerConfig{}, NewError(ErrInvalidArg, "group.id: required for a consumer", false)
	}
	if c.GroupProtocol == GroupProtocolConsumer {
		if err := consumerProtocolRefusal(r); err != nil {
			return ConsumerConfig{}, err
		}
		// The consumer protocol is always incremental: librdkafka reports
		// COOPERATIVE and the rebalance callback gets increments.
		c.Cooperative = true
		c.AssignmentStrategies = nil
		return c, nil
	}
	if c.MaxPollInterval < c.SessionTimeout {
		return ConsumerConfig{}, NewError(ErrInvalidArg, fmt.Sprintf("max.poll.interval.ms: invalid value %q: must be >= session.timeout.ms (%d)",
			r.str("max.poll.interval.ms"), c.SessionTimeout.Milliseconds()), false)
	}
	return c, nil
}

// Group protocols (group.protocol).
const (
	// GroupProtocolClassic is JoinGroup/SyncGroup (the default).
	GroupProtocolClassic = "classic"
	// GroupProtocolConsumer is KIP-848's consumer group protocol.
	GroupProtocolConsumer = "consumer"
)

// consumerProtocolRefusals are the keys librdkafka refuses with
// group.protocol=consumer when they are set, in the order it checks them,
// with its messages (rd_kafka_conf_finalize in src/rdkafka_conf.c,
// librdkafka 2.10 to 2.14; 2.15 adds "or share consumer" after
// "`group.protocol=consumer`" to three of them). rd_kafka_new fails with
// _INVALID_ARG and the message as its error string.
var consumerProtocolRefusals = []struct{ key, msg string }{
	{"session.timeout.ms", "`session.timeout.ms` is not supported for `group.protocol=consumer`. It is defined broker side"},
	{"partition.assignment.strategy", "`partition.assignment.strategy` is not supported for `group.protocol=consumer`. Use `group.remote.assignor` instead"},
	{"group.protocol.type", "`group.protocol.type` is not supported for `group.protocol=consumer`"},
	{"heartbeat.interval.ms", "`heartbeat.interval.ms` is not supported for `group.protocol=consumer`. It is defined broker side"},
}

// ConsumerProtocolRefusedKeys lists the keys a group.protocol=consumer
// consumer may not set (librdkafka refuses them), in the order librdkafka
// checks them.
func ConsumerProtocolRefusedKeys() []string {
	out := make([]string, len(consumerProtocolRefusals))
	for i, r := range consumerProtocolRefusals {
		out[i] = r.key
	}
	return out
}

// consumerProtocolRefusal is librdkafka's refusal of the first key set
// that group.protocol=consumer does not allow, or nil.
func consumerProtocolRefusal(r resolved) error {
	for _, x := range consumerProtocolRefusals {
		if r.set[x.key] {
			return NewError(ErrInvalidArg, x.msg, false)
		}
	}
	return nil
}

// ProducerConfig is a validated producer configuration with librdkafka's
// defaults filled in.
type ProducerConfig struct {
	CommonConfig
	// Acks is -1 (all), 0 or 1.
	Acks              int
	Linger            time.Duration
	Partitioner       string
	StickyLinger      time.Duration
	EnableIdempotence bool
	MessageTimeout    time.Duration
	Retries           int
	RetryBackoff      time.Duration
	BatchNumMessages  int
	BatchSize         int
	QueueMaxMessages  int
	MaxInFlight       int
	CompressionType   string
	DeliveryReports   bool
	Set               []string
}

// ParseProducerConfig validates m as a producer configuration (see
// ParseConsumerConfig for the errors).
func ParseProducerConfig(m ConfigMap) (ProducerConfig, error) {
	r, err := resolve(m, ScopeProducer)
	if err != nil {
		return ProducerConfig{}, err
	}
	p := ProducerConfig{
		CommonConfig:      commonFrom(r),
		Acks:              int(r.integer("acks")),
		Linger:            r.ms("linger.ms"),
		Partitioner:       r.str("partitioner"),
		StickyLinger:      r.ms("sticky.partitioning.linger.ms"),
		EnableIdempotence: r.boolean("enable.idempotence"),
		MessageTimeout:    r.ms("message.timeout.ms"),
		Retries:           int(r.integer("retries")),
		RetryBackoff:      r.ms("retry.backoff.ms"),
		BatchNumMessages:  int(r.integer("batch.num.messages")),
		BatchSize:         int(r.integer("batch.size")),
		QueueMaxMessages:  int(r.integer("queue.buffering.max.messages")),
		MaxInFlight:       int(r.integer("max.in.flight.requests.per.connection")),
		CompressionType:   r.str("compression.type"),
		DeliveryReports:   r.boolean("go.delivery.reports"),
		Set:               setKeys(r),
	}
	if p.EnableIdempotence {
		if r.set["acks"] && p.Acks != -1 {
			return ProducerConfig{}, configErr("acks", m[aliasUsed(m, "acks")], "all (-1) when enable.idempotence=true")
		}
		if r.set["max.in.flight.requests.per.connection"] && p.MaxInFlight > 5 {
			return ProducerConfig{}, configErr("max.in.flight.requests.per.connection", m[aliasUsed(m, "max.in.flight.requests.per.connection")], "at most 5 when enable.idempotence=true")
		}
		p.Acks = -1
		p.MaxInFlight = min(p.MaxInFlight, 5)
	}
	return p, nil
}

func setKeys(r resolved) []string {
	out := make([]string, 0, len(r.set))
	for k := range r.set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// aliasUsed returns the name under which canonical key name appears in m.
func aliasUsed(m ConfigMap, name string) string {
	if _, ok := m[name]; ok {
		return name
	}
	for _, a := range keyIndex[name].Aliases {
		if _, ok := m[a]; ok {
			return a
		}
	}
	return name
}
