package kafka

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafkasim/kafkasim/client"
)

// TestConfigTranslation builds kgo clients from librdkafka keys and reads
// the options back with kgo's OptValue.
func TestConfigTranslation(t *testing.T) {
	t.Parallel()
	conf := client.ConfigMap{
		"bootstrap.servers":             "127.0.0.1:1",
		"group.id":                      "g",
		"client.id":                     "me",
		"session.timeout.ms":            7000,
		"heartbeat.interval.ms":         700,
		"max.poll.interval.ms":          70000,
		"fetch.wait.max.ms":             123,
		"fetch.min.bytes":               3,
		"max.partition.fetch.bytes":     4096,
		"isolation.level":               "read_uncommitted",
		"group.instance.id":             "inst",
		"partition.assignment.strategy": "roundrobin,range",
	}
	cfg, err := client.ParseConsumerConfig(conf)
	if err != nil {
		t.Fatal(err)
	}
	base, err := commonOpts(cfg.CommonConfig, true)
	if err != nil {
		t.Fatal(err)
	}
	gopts, err := groupOpts(cfg)
	if err != nil {
		t.Fatal(err)
	}
	opts := append(append(base, gopts...), consumerFetchOpts(cfg)...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	checks := []struct {
		opt  any
		want any
	}{
		{kgo.ClientID, "me"},
		{kgo.SessionTimeout, 7 * time.Second},
		{kgo.HeartbeatInterval, 700 * time.Millisecond},
		{kgo.RebalanceTimeout, 70 * time.Second},
		{kgo.FetchMaxWait, 123 * time.Millisecond},
		{kgo.FetchMinBytes, int32(3)},
		{kgo.FetchMaxPartitionBytes, int32(4096)},
		{kgo.ConsumerGroup, "g"},
		{kgo.InstanceID, "inst"},
		{kgo.SeedBrokers, []string{"127.0.0.1:1"}},
	}
	for _, c := range checks {
		got := cl.OptValue(c.opt)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%T: got %v, want %v", c.opt, got, c.want)
		}
	}
	var names []string
	for _, b := range cl.OptValue(kgo.Balancers).([]kgo.GroupBalancer) {
		names = append(names, b.ProtocolName())
	}
	if strings.Join(names, ",") != "roundrobin,range" {
		t.Errorf("balancers %v", names)
	}
	if got := cl.OptValue(kgo.DisableAutoCommit); got != true {
		t.Errorf("DisableAutoCommit %v", got)
	}
	// Every key in the translation table is a real key (or ours).
	for _, k := range Translation {
		if _, ok := client.LookupKey(k.Key); !ok && k.Key != KeySSLVerify {
			t.Errorf("Translation names unknown key %q", k.Key)
		}
	}
	if SupportOf("debug").Support != Accepted || SupportOf("max.poll.interval.ms").Support != Emulated {
		t.Error("SupportOf")
	}
}

func TestConfigRefusals(t *testing.T) {
	t.Parallel()
	cases := []struct {
		conf client.ConfigMap
		key  string
	}{
		{client.ConfigMap{"group.id": "g"}, "bootstrap.servers"},
		{client.ConfigMap{"bootstrap.servers": "a:b:c", "group.id": "g"}, "bootstrap.servers"},
		{client.ConfigMap{"bootstrap.servers": "h:99999", "group.id": "g"}, "bootstrap.servers"},
		{client.ConfigMap{"bootstrap.servers": "h:1,:9092", "group.id": "g"}, "bootstrap.servers"},
		{client.ConfigMap{"bootstrap.servers": "h:1", "group.id": "g", "group.protocol": "consumer", "group.remote.assignor": "sticky"}, "group.remote.assignor"},
		{client.ConfigMap{"bootstrap.servers": "h:1", "group.id": "g", "group.protocol": "consumer", "heartbeat.interval.ms": 1000}, "heartbeat.interval.ms"},
		{client.ConfigMap{"bootstrap.servers": "h:1", "group.id": "g", "security.protocol": "sasl_plaintext", "sasl.username": "u"}, "sasl.mechanisms"},
		{client.ConfigMap{"bootstrap.servers": "h:1", "group.id": "g", "security.protocol": "sasl_plaintext", "sasl.mechanisms": "PLAIN"}, "sasl.username"},
		{client.ConfigMap{"bootstrap.servers": "h:1", "group.id": "g", "security.protocol": "ssl", "ssl.key.password": "k"}, "ssl.key.password"},
		{client.ConfigMap{"bootstrap.servers": "h:1", "group.id": "g", "security.protocol": "ssl", "ssl.ca.location": "/nonexistent"}, "ssl.ca.location"},
		{client.ConfigMap{"bootstrap.servers": "h:1", "group.id": "g", "ssl.ca.location": "/x"}, "security.protocol"},
		{client.ConfigMap{"bootstrap.servers": "h:1", "group.id": "g", KeySSLVerify: "maybe"}, KeySSLVerify},
		{client.ConfigMap{"bootstrap.servers": "h:1", "group.id": "g", "session.timeout.ms": 1000, "heartbeat.interval.ms": 1000}, "heartbeat.interval.ms"},
	}
	for _, c := range cases {
		_, err := NewConsumer(c.conf)
		if !errors.Is(err, client.ErrInvalidArg) || !strings.Contains(err.Error(), c.key) {
			t.Errorf("%v: err %v, want ErrInvalidArg naming %s", c.conf, err, c.key)
		}
	}
	p, err := NewProducer(client.ConfigMap{"bootstrap.servers": "h:1", "partitioner": "murmur2_random", "acks": 1})
	if err != nil {
		t.Fatalf("producer: %v", err)
	}
	p.Close()
}

const secret = "s3cr3t-Pa55w0rd-do-not-leak"

// TestSecretsNotLeaked: a wrong password and a right one; the password
// appears in no error, event, hook observation or String.
func TestSecretsNotLeaked(t *testing.T) {
	t.Parallel()
	for _, mech := range []string{"PLAIN", "SCRAM-SHA-256"} {
		kc := cluster(t, kfake.SeedTopics(1, "t"), kfake.EnableSASL(), kfake.Superuser(mech, "admin", secret))
		var seen []string
		check := func(what string, s string) {
			if strings.Contains(s, secret) || strings.Contains(s, secret[:8]) {
				t.Fatalf("%s %s leaks the password: %s", mech, what, s)
			}
			seen = append(seen, s)
		}
		for _, pass := range []string{secret, secret + "-wrong"} {
			rec := &recorder{}
			conf := consumerConf(kc, "g", "c1", "security.protocol", "SASL_PLAINTEXT", "sasl.mechanisms", mech,
				"sasl.username", "admin", "sasl.password", pass, "socket.timeout.ms", 1000)
			c, err := NewConsumer(conf, rec)
			if err != nil {
				t.Fatal(err)
			}
			check("String", c.String()+fmt.Sprintf("%v %+v", c, c.Config().CommonConfig.BootstrapServers))
			_ = c.Subscribe("t", nil)
			deadline := time.Now().Add(800 * time.Millisecond)
			var errs int
			for time.Now().Before(deadline) {
				if ev := c.Poll(50); ev != nil {
					check("event", ev.String())
					if _, ok := ev.(client.Error); ok {
						errs++
					}
				}
			}
			_, err = c.Committed([]client.TopicPartition{{Topic: "t"}}, 500)
			if err != nil {
				check("error", err.Error())
			}
			_ = c.Close()
			for _, s := range rec.dump() {
				check("hook", s)
			}
			if pass != secret && errs == 0 && err == nil {
				t.Fatalf("%s: wrong password raised no error", mech)
			}
		}
		if len(seen) == 0 {
			t.Fatal("nothing observed")
		}
	}
	_, err := NewConsumer(client.ConfigMap{"bootstrap.servers": "h:1", "group.id": "g", "sasl.password": secret, "security.protocol": "sasl_plaintext", "sasl.mechanisms": "GSSAPI"})
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Fatalf("refusal %v", err)
	}
}
