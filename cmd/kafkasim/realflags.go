package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/scenarios/realkafka"
)

// realFlags are the flags that point a command at a real cluster.
type realFlags struct {
	brokers    []string
	configs    []string
	keepTopics bool
	connect    time.Duration
}

func (f *realFlags) add(cmd *cobra.Command, brokersHelp string) {
	cmd.Flags().StringSliceVar(&f.brokers, "brokers", nil, brokersHelp)
	cmd.Flags().StringArrayVar(&f.configs, "config", nil, "client configuration key=value for every client (repeatable), e.g. security.protocol=SASL_SSL; a value env:NAME is read from the environment variable NAME")
	cmd.Flags().BoolVar(&f.keepTopics, "keep-topics", false, "keep the topics the run creates (deleted afterwards by default)")
	cmd.Flags().DurationVar(&f.connect, "connect-timeout", 10*time.Second, "how long to wait for the cluster before giving up")
}

// real reports whether --brokers was given.
func (f *realFlags) real() bool { return len(f.brokers) > 0 }

// conf parses --config: key=value, values env:NAME read from the
// environment. Values never appear in errors.
func (f *realFlags) conf() (client.ConfigMap, error) {
	m := client.ConfigMap{}
	for _, kv := range f.configs {
		k, v, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, invalid(fmt.Errorf("--config %q: expected key=value", k))
		}
		if name, isEnv := strings.CutPrefix(v, "env:"); isEnv {
			val, set := os.LookupEnv(name)
			if !set {
				return nil, invalid(fmt.Errorf("--config %s: environment variable %s is not set", k, name))
			}
			v = val
		}
		if k == "bootstrap.servers" {
			return nil, invalid(fmt.Errorf("--config bootstrap.servers: use --brokers"))
		}
		m[k] = v
	}
	return m, nil
}

// config is the real backend's configuration.
func (f *realFlags) config() (realkafka.Config, error) {
	m, err := f.conf()
	if err != nil {
		return realkafka.Config{}, err
	}
	var brokers []string
	for _, b := range f.brokers {
		if b = strings.TrimSpace(b); b != "" {
			brokers = append(brokers, b)
		}
	}
	return realkafka.Config{Brokers: brokers, Client: m, KeepTopics: f.keepTopics, ConnectTimeout: f.connect, Log: os.Stderr}, nil
}

// run runs s on the simulator, or on the cluster when --brokers is set.
func (f *realFlags) run(s *scenarios.Scenario, opts scenarios.Options) (*scenarios.Result, error) {
	if !f.real() {
		return scenarios.Run(s, opts)
	}
	cfg, err := f.config()
	if err != nil {
		return nil, err
	}
	r, err := realkafka.Run(s, opts, cfg)
	if errors.Is(err, client.ErrInvalidArg) {
		// A malformed address or client key: bad input, not a failed run.
		return nil, invalid(err)
	}
	return r, err
}
