package kafka

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/kafkasim/kafkasim/client"
)

// KeySSLVerify is librdkafka's enable.ssl.certificate.verification: true
// (default) verifies the broker's certificate, false skips verification
// entirely. client.Keys lists it (the simulator accepts and ignores it);
// this backend takes it out of the ConfigMap and applies it to its TLS
// configuration.
const KeySSLVerify = "enable.ssl.certificate.verification"

// Support says how this backend treats a configuration key.
type Support string

// Support levels.
const (
	// Honoured: translated to a kgo option with the same meaning.
	Honoured Support = "honoured"
	// Emulated: kgo has no such option; this backend implements the
	// behaviour itself (see the note).
	Emulated Support = "emulated"
	// Accepted: validated and ignored (no effect on the real cluster).
	Accepted Support = "accepted"
	// Refused: some values cannot be honoured; they are an error naming
	// the key.
	Refused Support = "refused"
)

// KeySupport is one row of the configuration translation table.
type KeySupport struct {
	Key     string
	Support Support
	// KGo names the kgo option(s) used, or how the key is emulated.
	KGo string
}

// Translation is how every librdkafka key maps onto franz-go; the package
// documentation prints it. Keys not listed are Accepted.
var Translation = []KeySupport{
	{"bootstrap.servers", Honoured, "kgo.SeedBrokers; required; a malformed address fails NewConsumer / NewProducer"},
	{"client.id", Honoured, "kgo.ClientID"},
	{"security.protocol", Honoured, "plaintext; ssl → kgo.DialTLSConfig; sasl_plaintext / sasl_ssl → kgo.SASL (+TLS)"},
	{"sasl.mechanisms", Refused, "PLAIN → sasl/plain, SCRAM-SHA-256/512 → sasl/scram; GSSAPI and OAUTHBEARER are refused when SASL is used"},
	{"sasl.username", Honoured, "SASL user (never logged)"},
	{"sasl.password", Honoured, "SASL password (never logged, never in errors or hooks)"},
	{"ssl.ca.location", Honoured, "tls.Config.RootCAs (PEM file)"},
	{"ssl.certificate.location", Honoured, "tls.Config.Certificates with ssl.key.location"},
	{"ssl.key.location", Honoured, "tls.Config.Certificates with ssl.certificate.location"},
	{"ssl.key.password", Refused, "encrypted private keys are refused: decrypt the key file first"},
	{"ssl.endpoint.identification.algorithm", Honoured, "https: verify host name; none: verify the chain only"},
	{KeySSLVerify, Honoured, "false → tls.Config.InsecureSkipVerify (backend-only key)"},
	{"socket.timeout.ms", Emulated, "kgo.DialTimeout (capped at 10 s) and the bound on every synchronous call (commit, Committed, Close)"},
	{"topic.metadata.refresh.interval.ms", Honoured, "kgo.MetadataMaxAge"},
	{"allow.auto.create.topics", Honoured, "kgo.AllowAutoTopicCreation"},
	{"group.id", Honoured, "kgo.ConsumerGroup"},
	{"group.instance.id", Honoured, "kgo.InstanceID"},
	{"group.protocol", Honoured, "classic; consumer (KIP-848) → kgo.ServerSideBalancer with the balancer naming group.remote.assignor"},
	{"group.remote.assignor", Refused, "uniform (or unset) → kgo.CooperativeStickyBalancer, which kgo's KIP-848 client sends as uniform; range → kgo.RangeBalancer; other names are refused (kgo sends only these two)"},
	{"session.timeout.ms", Honoured, "kgo.SessionTimeout (classic protocol)"},
	{"heartbeat.interval.ms", Honoured, "kgo.HeartbeatInterval (classic protocol)"},
	{"max.poll.interval.ms", Emulated, "kgo.RebalanceTimeout, plus a watchdog: no Poll for this long → leave the group, partitions lost, ErrMaxPollExceeded on the next Poll, rejoin"},
	{"enable.auto.commit", Emulated, "kgo.DisableAutoCommit; the backend commits stored offsets itself (kgo's greedy autocommit would commit records buffered but not yet returned by Poll)"},
	{"auto.commit.interval.ms", Emulated, "backend timer (librdkafka) or in-Poll interval (java)"},
	{"kafkasim.auto.commit.mode", Emulated, "librdkafka: timer commits stored offsets; java: commit positions inside Poll, on revoke and close"},
	{"enable.auto.offset.store", Emulated, "offset+1 stored when Poll returns a message; false → StoreOffsets"},
	{"auto.offset.reset", Honoured, "kgo.ConsumeResetOffset(AtStart/AtEnd); error → kgo.NoResetOffset plus an ErrAutoOffsetReset event and a stopped partition"},
	{"enable.partition.eof", Emulated, "PartitionEOF from the fetch high watermark, and from ListEndOffsets at assignment"},
	{"partition.assignment.strategy", Honoured, "kgo.Balancers(Range, RoundRobin, CooperativeSticky) in order"},
	{"isolation.level", Honoured, "kgo.FetchIsolationLevel"},
	{"fetch.min.bytes", Honoured, "kgo.FetchMinBytes"},
	{"fetch.max.bytes", Honoured, "kgo.FetchMaxBytes"},
	{"max.partition.fetch.bytes", Honoured, "kgo.FetchMaxPartitionBytes"},
	{"fetch.wait.max.ms", Honoured, "kgo.FetchMaxWait"},
	{"go.application.rebalance.enable", Emulated, "rebalance events returned from Poll"},
	{"acks", Honoured, "kgo.RequiredAcks (AllISRAcks, LeaderAck, NoAck)"},
	{"enable.idempotence", Honoured, "false (default) → kgo.DisableIdempotentWrite"},
	{"linger.ms", Honoured, "kgo.ProducerLinger"},
	{"partitioner", Honoured, "kgo.RecordPartitioner over broker.PartitionerByName: keys land where the simulator puts them"},
	{"sticky.partitioning.linger.ms", Honoured, "passed to the broker/ partitioner"},
	{"message.timeout.ms", Honoured, "kgo.RecordDeliveryTimeout (0: none)"},
	{"retries", Honoured, "kgo.RecordRetries"},
	{"retry.backoff.ms", Honoured, "kgo.RetryBackoffFn"},
	{"batch.size", Honoured, "kgo.ProducerBatchMaxBytes"},
	{"queue.buffering.max.messages", Honoured, "kgo.MaxBufferedRecords; Produce fails with ErrQueueFull beyond it"},
	{"max.in.flight.requests.per.connection", Honoured, "kgo.MaxProduceRequestsInflightPerBroker (non-idempotent producer)"},
	{"compression.type", Honoured, "kgo.ProducerBatchCompression"},
	{"go.delivery.reports", Emulated, "delivery reports served by Poll / Flush"},
}

// SupportOf returns how key (canonical name) is treated.
func SupportOf(key string) KeySupport {
	for _, k := range Translation {
		if k.Key == key {
			return k
		}
	}
	return KeySupport{Key: key, Support: Accepted, KGo: "validated, no effect on the real cluster"}
}

func invalid(key, msg string) error {
	return client.NewError(client.ErrInvalidArg, key+": "+msg, false)
}

// splitBackendKeys removes the backend-only keys from m (a copy) and
// returns them parsed.
func splitBackendKeys(m client.ConfigMap) (client.ConfigMap, bool, error) {
	verify := true
	if v, ok := m[KeySSLVerify]; ok {
		m = m.Clone()
		delete(m, KeySSLVerify)
		s := strings.ToLower(fmt.Sprint(v))
		switch s {
		case "true", "t", "1":
		case "false", "f", "0":
			verify = false
		default:
			return nil, false, invalid(KeySSLVerify, fmt.Sprintf("invalid value %q: expected true or false", s))
		}
	}
	return m, verify, nil
}

// commonOpts translates the keys every client has. The returned options
// never carry a secret in a form that kgo would log.
func commonOpts(c client.CommonConfig, verify bool) ([]kgo.Opt, error) {
	if len(c.BootstrapServers) == 0 {
		return nil, invalid("bootstrap.servers", "required for the real-Kafka backend")
	}
	for _, s := range c.BootstrapServers {
		if host, port, err := net.SplitHostPort(s); err != nil {
			if strings.Contains(err.Error(), "missing port") {
				continue // kgo defaults to 9092
			}
			return nil, invalid("bootstrap.servers", fmt.Sprintf("invalid address %q: expected host:port", s))
		} else if host == "" {
			return nil, invalid("bootstrap.servers", fmt.Sprintf("invalid address %q: no host before the port", s))
		} else if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
			return nil, invalid("bootstrap.servers", fmt.Sprintf("invalid port in %q", s))
		}
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(c.BootstrapServers...),
		kgo.ClientID(c.ClientID),
		kgo.DialTimeout(min(c.SocketTimeout, 10*time.Second)),
	}
	if c.MetadataRefreshInterval > 0 {
		opts = append(opts, kgo.MetadataMaxAge(c.MetadataRefreshInterval))
	}
	useTLS, useSASL := false, false
	switch c.SecurityProtocol {
	case "", "plaintext":
	case "ssl":
		useTLS = true
	case "sasl_plaintext":
		useSASL = true
	case "sasl_ssl":
		useTLS, useSASL = true, true
	default:
		return nil, invalid("security.protocol", fmt.Sprintf("unsupported value %q", c.SecurityProtocol))
	}
	if useTLS {
		cfg, err := tlsConfig(c, verify)
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.DialTLSConfig(cfg))
	} else if c.SSLCALocation != "" || c.SSLCertLocation != "" || c.SSLKeyLocation != "" {
		return nil, invalid("security.protocol", "ssl.* files are set but security.protocol is not ssl or sasl_ssl")
	}
	if useSASL {
		user, pass := c.SASLUsername, c.SASLPassword
		switch c.SASLMechanism {
		case "PLAIN":
			opts = append(opts, kgo.SASL(plain.Auth{User: user, Pass: pass}.AsMechanism()))
		case "SCRAM-SHA-256":
			opts = append(opts, kgo.SASL(scram.Auth{User: user, Pass: pass}.AsSha256Mechanism()))
		case "SCRAM-SHA-512":
			opts = append(opts, kgo.SASL(scram.Auth{User: user, Pass: pass}.AsSha512Mechanism()))
		default:
			return nil, invalid("sasl.mechanisms", fmt.Sprintf("%s is not supported by the real-Kafka backend (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)", c.SASLMechanism))
		}
		if user == "" {
			return nil, invalid("sasl.username", "required with security.protocol="+c.SecurityProtocol)
		}
	}
	return opts, nil
}

func tlsConfig(c client.CommonConfig, verify bool) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.SSLCALocation != "" {
		pem, err := os.ReadFile(c.SSLCALocation)
		if err != nil {
			return nil, invalid("ssl.ca.location", fmt.Sprintf("cannot read %q: %v", c.SSLCALocation, errorsCause(err)))
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, invalid("ssl.ca.location", fmt.Sprintf("no PEM certificate in %q", c.SSLCALocation))
		}
		cfg.RootCAs = pool
	}
	if c.SSLKeyPassword != "" {
		return nil, invalid("ssl.key.password", "encrypted private keys are not supported by the real-Kafka backend; decrypt the key file")
	}
	switch {
	case c.SSLCertLocation != "" && c.SSLKeyLocation != "":
		cert, err := tls.LoadX509KeyPair(c.SSLCertLocation, c.SSLKeyLocation)
		if err != nil {
			return nil, invalid("ssl.certificate.location", fmt.Sprintf("cannot load %q with ssl.key.location: %v", c.SSLCertLocation, errorsCause(err)))
		}
		cfg.Certificates = []tls.Certificate{cert}
	case c.SSLCertLocation != "":
		return nil, invalid("ssl.key.location", "required with ssl.certificate.location")
	case c.SSLKeyLocation != "":
		return nil, invalid("ssl.certificate.location", "required with ssl.key.location")
	}
	switch {
	case !verify:
		cfg.InsecureSkipVerify = true
	case c.SSLEndpointIdentification == "none":
		// Verify the chain but not the host name.
		roots := cfg.RootCAs
		cfg.InsecureSkipVerify = true
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return fmt.Errorf("broker sent no certificate")
			}
			inter := x509.NewCertPool()
			for _, ic := range cs.PeerCertificates[1:] {
				inter.AddCert(ic)
			}
			_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
			return err
		}
	}
	return cfg, nil
}

// errorsCause strips the path from *os.PathError style errors (the path is
// already in our message).
func errorsCause(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// resetOffset is auto.offset.reset as a kgo offset.
func resetOffset(policy string) kgo.Offset {
	switch policy {
	case "smallest":
		return kgo.NewOffset().AtStart()
	case "error":
		return kgo.NoResetOffset()
	}
	return kgo.NewOffset().AtEnd()
}

// consumerFetchOpts are the fetch options a consuming kgo client gets.
func consumerFetchOpts(cfg client.ConsumerConfig) []kgo.Opt {
	opts := []kgo.Opt{
		kgo.ConsumeResetOffset(resetOffset(cfg.AutoOffsetReset)),
		kgo.FetchMaxWait(max(cfg.FetchWaitMax, 10*time.Millisecond)),
		kgo.FetchMinBytes(int32(cfg.FetchMinBytes)),
		kgo.FetchMaxPartitionBytes(int32(cfg.MaxPartitionFetchBytes)),
	}
	if cfg.FetchMaxBytes > 0 {
		opts = append(opts, kgo.FetchMaxBytes(int32(cfg.FetchMaxBytes)))
	}
	if cfg.IsolationLevel == "read_uncommitted" {
		opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadUncommitted()))
	} else {
		opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	}
	if cfg.AllowAutoCreateTopics {
		opts = append(opts, kgo.AllowAutoTopicCreation())
	}
	return opts
}

// groupOpts are the group options (without callbacks).
func groupOpts(cfg client.ConsumerConfig) ([]kgo.Opt, error) {
	if cfg.GroupProtocol == client.GroupProtocolConsumer {
		return groupOpts848(cfg)
	}
	var bal []kgo.GroupBalancer
	for _, s := range cfg.AssignmentStrategies {
		switch s {
		case "range":
			bal = append(bal, kgo.RangeBalancer())
		case "roundrobin":
			bal = append(bal, kgo.RoundRobinBalancer())
		case "cooperative-sticky":
			bal = append(bal, kgo.CooperativeStickyBalancer())
		}
	}
	if cfg.HeartbeatInterval >= cfg.SessionTimeout {
		return nil, invalid("heartbeat.interval.ms", fmt.Sprintf("must be lower than session.timeout.ms (%d)", cfg.SessionTimeout.Milliseconds()))
	}
	opts := []kgo.Opt{
		kgo.ConsumerGroup(cfg.GroupID),
		kgo.Balancers(bal...),
		kgo.SessionTimeout(cfg.SessionTimeout),
		kgo.HeartbeatInterval(cfg.HeartbeatInterval),
		kgo.RebalanceTimeout(cfg.MaxPollInterval),
		kgo.DisableAutoCommit(),
	}
	if cfg.InstanceID != "" {
		opts = append(opts, kgo.InstanceID(cfg.InstanceID))
	}
	return opts, nil
}

// groupOpts848 are the group options of the consumer group protocol
// (KIP-848): kgo's next-generation group client, which sends the server
// assignor of its first balancer (sticky: uniform; range: range) and
// heartbeats at the interval the broker sends; session timeout and
// heartbeat interval are the broker's.
func groupOpts848(cfg client.ConsumerConfig) ([]kgo.Opt, error) {
	var bal kgo.GroupBalancer
	switch cfg.RemoteAssignor {
	case "", "uniform":
		bal = kgo.CooperativeStickyBalancer()
	case "range":
		bal = kgo.RangeBalancer()
	default:
		return nil, invalid("group.remote.assignor", fmt.Sprintf("%q is not supported by the real-Kafka backend (uniform or range: kgo sends no other)", cfg.RemoteAssignor))
	}
	opts := []kgo.Opt{
		kgo.ConsumerGroup(cfg.GroupID),
		kgo.Balancers(bal),
		kgo.ServerSideBalancer(),
		kgo.RebalanceTimeout(cfg.MaxPollInterval),
		kgo.DisableAutoCommit(),
	}
	if cfg.InstanceID != "" {
		opts = append(opts, kgo.InstanceID(cfg.InstanceID))
	}
	return opts, nil
}

// producerOpts translates the producer keys.
func producerOpts(cfg client.ProducerConfig) ([]kgo.Opt, error) {
	var opts []kgo.Opt
	switch cfg.Acks {
	case 0:
		opts = append(opts, kgo.RequiredAcks(kgo.NoAck()))
	case 1:
		opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()))
	default:
		opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()))
	}
	if !cfg.EnableIdempotence {
		opts = append(opts, kgo.DisableIdempotentWrite())
		opts = append(opts, kgo.MaxProduceRequestsInflightPerBroker(max(1, cfg.MaxInFlight)))
	}
	opts = append(opts, kgo.ProducerLinger(cfg.Linger))
	if cfg.MessageTimeout > 0 {
		opts = append(opts, kgo.RecordDeliveryTimeout(cfg.MessageTimeout))
	}
	opts = append(opts, kgo.RecordRetries(cfg.Retries))
	backoff := cfg.RetryBackoff
	opts = append(opts, kgo.RetryBackoffFn(func(int) time.Duration { return backoff }))
	if cfg.BatchSize > 0 {
		opts = append(opts, kgo.ProducerBatchMaxBytes(int32(min(cfg.BatchSize, 100<<20))))
	}
	if cfg.QueueMaxMessages > 0 {
		opts = append(opts, kgo.MaxBufferedRecords(cfg.QueueMaxMessages))
	}
	switch cfg.CompressionType {
	case "gzip":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.GzipCompression()))
	case "snappy":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.SnappyCompression()))
	case "lz4":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.Lz4Compression()))
	case "zstd":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.ZstdCompression()))
	default:
		opts = append(opts, kgo.ProducerBatchCompression(kgo.NoCompression()))
	}
	return opts, nil
}

// bounded returns a context bounded by the socket timeout.
func bounded(parent context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		d = 60 * time.Second
	}
	return context.WithTimeout(parent, d)
}
