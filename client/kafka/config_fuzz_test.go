package kafka

import (
	"errors"
	"strings"
	"testing"

	"github.com/kafkasim/kafkasim/client"
)

// FuzzBackendConfig feeds arbitrary "key=value" lines, broker addresses
// above all, through everything the real-Kafka backend does with a
// configuration before it makes a client: the backend's own keys, the
// librdkafka parsers and the translation into franz-go options. It must
// never panic, and every rejection must be a non-empty ErrInvalidArg
// error; an accepted configuration has at least one seed broker.
func FuzzBackendConfig(f *testing.F) {
	f.Add("bootstrap.servers=localhost:9092\ngroup.id=g")
	f.Add("bootstrap.servers=a:1,b:2,[::1]:9093\ngroup.id=g\nsecurity.protocol=sasl_ssl\nsasl.mechanisms=SCRAM-SHA-512\nsasl.username=u\nsasl.password=p")
	f.Add("bootstrap.servers=a:b:c")
	f.Add("bootstrap.servers=h:99999\ngroup.id=g")
	f.Add("bootstrap.servers=h\ngroup.id=g\nsession.timeout.ms=1000\nheartbeat.interval.ms=1000")
	f.Add("bootstrap.servers=,,\ngroup.id=g")
	f.Add("bootstrap.servers=h:1\nsecurity.protocol=ssl\nenable.ssl.certificate.verification=maybe")
	f.Add("bootstrap.servers=h:1\nacks=all\nenable.idempotence=true\npartitioner=murmur2_random")
	f.Fuzz(func(t *testing.T, text string) {
		if strings.Contains(text, "ssl.") && strings.Contains(text, "location") {
			t.Skip("file locations would make the fuzzer read arbitrary files")
		}
		m := client.ConfigMap{}
		for line := range strings.SplitSeq(text, "\n") {
			_ = m.Set(line)
		}
		check := func(what string, err error) bool {
			if err == nil {
				return true
			}
			if !errors.Is(err, client.ErrInvalidArg) {
				t.Fatalf("%s: rejection %v is not ErrInvalidArg", what, err)
			}
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatalf("%s: empty error message", what)
			}
			return false
		}
		if cfg, opts, err := consumerConfig(m); check("consumer", err) {
			if len(opts) == 0 || len(cfg.BootstrapServers) == 0 {
				t.Fatalf("accepted with no seed broker: %v", cfg.BootstrapServers)
			}
			for _, s := range cfg.BootstrapServers {
				if s == "" || strings.HasPrefix(s, ":") {
					t.Fatalf("accepted a seed broker with no host: %q", s)
				}
			}
		}
		check("producer", CheckProducerConfig(m))
	})
}
