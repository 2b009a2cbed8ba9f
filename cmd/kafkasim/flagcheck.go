package main

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kafkasim/kafkasim/client"
)

// checkFirst makes cmd check the real-cluster flags before anything else
// it does: before it opens its scenario argument, so that a secret that
// fell out of a malformed --config into the arguments ("--config
// sasl.password hunter2") is never echoed as an unknown scenario name.
func (f *realFlags) checkFirst(cmd *cobra.Command) {
	next := cmd.PreRunE
	cmd.PreRunE = func(c *cobra.Command, args []string) error {
		if err := f.check(c); err != nil {
			return err
		}
		if next != nil {
			return next(c, args)
		}
		return nil
	}
}

// check validates the real-cluster flags: every --brokers address, a
// --connect-timeout above 0, every --config key=value, and, for a command
// that can run on the simulator (simOK), --config only with a real
// client. Nothing a flag holds is echoed unless
// it cannot be a secret.
func (f *realFlags) check(cmd *cobra.Command) error {
	fl := cmd.Flags()
	if fl.Changed("brokers") {
		if err := checkBrokers(f.brokers); err != nil {
			return invalid(err)
		}
	}
	if f.connect <= 0 {
		return invalid(fmt.Errorf("--connect-timeout: must be more than 0s, got %s", f.connect))
	}
	if _, err := f.conf(); err != nil {
		return err
	}
	// run and tui (the commands with --client) can run on the
	// simulator, which reads no client configuration: --config there
	// without a real client would be silently ignored.
	if len(f.configs) > 0 && f.simOK && !f.real() {
		return invalid(errors.New("--config: client configuration is for a real client, and this run is on the simulator (its clients take their configuration from the scenario file): add --brokers HOST:PORT for a real cluster, or --client franz-go or librdkafka for a real client on an in-process cluster"))
	}
	return nil
}

// checkBrokers checks the --brokers addresses: host or host:port, the host
// a name or an IP address, the port 1 to 65535.
func checkBrokers(list []string) error {
	n := 0
	for _, a := range list {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		n++
		if err := checkAddress(a); err != nil {
			return fmt.Errorf("--brokers: %w", err)
		}
	}
	if n == 0 {
		return errors.New("--brokers: expected host:port[,host:port] (the cluster's bootstrap servers), got nothing")
	}
	return nil
}

// checkAddress checks one broker address.
func checkAddress(a string) error {
	if strings.Contains(a, "@") {
		// user:password@host: never echoed.
		return errors.New("an address must not carry credentials (user:password@host): give them with --config sasl.username=... --config sasl.password=env:NAME")
	}
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		if strings.Contains(a, ":") && net.ParseIP(a) != nil {
			return fmt.Errorf("invalid address %q: write an IPv6 address in brackets, like [%s]:9092", a, a)
		}
		if !strings.Contains(err.Error(), "missing port") {
			return fmt.Errorf("invalid address %q: expected host:port", a)
		}
		host, port = a, "" // the port defaults to 9092
		if h, ok := strings.CutPrefix(host, "["); ok && strings.HasSuffix(h, "]") {
			host = strings.TrimSuffix(h, "]")
			if net.ParseIP(host) == nil {
				return fmt.Errorf("invalid address %q: %q in brackets is not an IPv6 address", a, host)
			}
		}
	}
	if host == "" {
		return fmt.Errorf("invalid address %q: no host before the port", a)
	}
	if port != "" {
		if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 || port[0] == '+' {
			return fmt.Errorf("invalid port in %q: expected a number from 1 to 65535", a)
		}
	}
	if net.ParseIP(host) == nil && !isHostName(host) {
		return fmt.Errorf("invalid address %q: %q is neither a host name (letters, digits, '-', '_' and '.') nor an IP address", a, host)
	}
	return nil
}

// isHostName reports whether s is a DNS name: labels of letters, digits,
// '-' and '_' (container names have them) separated by dots, none empty,
// none starting or ending with '-'.
func isHostName(s string) bool {
	if len(s) > 253 {
		return false
	}
	for _, l := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// configKeyShown is what an error may show of a --config argument that is
// not key=value: its leading configuration key when it is one that
// exists (a secret is not a known key), and nothing after it, which may
// be a secret ("sasl.password hunter2").
func configKeyShown(arg string) string {
	arg = strings.TrimSpace(arg)
	i := 0
	for i < len(arg) && isKeyChar(arg[i]) {
		i++
	}
	if _, known := client.LookupKey(arg[:i]); !known {
		return ""
	}
	return arg[:i]
}

func isKeyChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
}

// malformedConfig is the error of a --config argument (the n-th, from 1)
// that is not key=value, showing none of what may be a secret.
func malformedConfig(n int, arg string) error {
	what := fmt.Sprintf("--config (argument %d)", n)
	if k := configKeyShown(arg); k != "" {
		what = fmt.Sprintf("--config %s...", k)
	}
	return fmt.Errorf("%s: expected key=value, like security.protocol=SASL_SSL (the argument is not shown: it may hold a secret)", what)
}

// envName reports whether s looks like an environment variable's name as
// people write them (NAME, KAFKA_PASSWORD): capitals, digits and '_'.
// Only such a name is echoed when it is not set; anything else after env:
// may be the secret itself, written where its name belongs.
func envName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
