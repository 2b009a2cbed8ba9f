package main

import (
	"strings"
	"testing"
)

// TestCheckBrokers: host names (with '_', as container names have),
// IPv4 and IPv6 addresses, with or without a port, pass; anything else is
// refused naming it, except credentials, which are never echoed.
func TestCheckBrokers(t *testing.T) {
	for _, ok := range [][]string{
		{"localhost:9092"}, {"kafka_1.local:9092", "[::1]:9093", "10.0.0.7"}, {"broker-1"}, {" b1:1 ", "b2:65535"},
		{"pkc-xxxxx.europe-west1.gcp.confluent.cloud:9092"}, {"[fe80::1]"}, {"b1:1", ""},
	} {
		if err := checkBrokers(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, c := range []struct {
		addrs []string
		want  string
	}{
		{[]string{"not a host"}, `--brokers: invalid address "not a host": "not a host" is neither a host name`},
		{[]string{"not a host:9092"}, `"not a host" is neither a host name`},
		{[]string{""}, "--brokers: expected host:port[,host:port] (the cluster's bootstrap servers), got nothing"},
		{nil, "got nothing"},
		{[]string{" ", ""}, "got nothing"},
		{[]string{":9092"}, `--brokers: invalid address ":9092": no host before the port`},
		{[]string{"h:0"}, `invalid port in "h:0"`},
		{[]string{"h:65536"}, `invalid port in "h:65536"`},
		{[]string{"h:+1"}, `invalid port in "h:+1"`},
		{[]string{"h:port"}, `invalid port in "h:port"`},
		{[]string{"a:b:c"}, `invalid address "a:b:c": expected host:port`},
		{[]string{"fe80::1"}, `invalid address "fe80::1": write an IPv6 address in brackets, like [fe80::1]:9092`},
		{[]string{"-bad.host"}, `"-bad.host" is neither a host name`},
		{[]string{"a..b"}, `"a..b" is neither a host name`},
		{[]string{"hôst"}, `"hôst" is neither a host name`},
		{[]string{"ok:1", "b@d"}, "an address must not carry credentials"},
	} {
		err := checkBrokers(c.addrs)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %s", c.addrs, err, c.want)
		}
	}
	err := checkBrokers([]string{"user:hunter2@broker:9092"})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("credentials: %v", err)
	}
}

// TestMalformedConfigShowsOnlyAKnownKey: of a --config argument that is
// not key=value, an error shows a leading known key at most.
func TestMalformedConfigShowsOnlyAKnownKey(t *testing.T) {
	for _, c := range []struct{ arg, want string }{
		{"sasl.password hunter2", "--config sasl.password...: expected key=value"},
		{"sasl.password:hunter2", "--config sasl.password...: expected key=value"},
		{"hunter2", "--config (argument 3): expected key=value"},
		{" hunter2 more", "--config (argument 3): expected key=value"},
		{"sasl.pasword hunter2", "--config (argument 3): expected key=value"},
	} {
		err := malformedConfig(3, c.arg)
		if !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%q: got %v, want %s... without the secret", c.arg, err, c.want)
		}
	}
}
