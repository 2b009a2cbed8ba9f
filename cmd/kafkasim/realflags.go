package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/client/rdkafka"
	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/scenarios/fidelity"
	"github.com/kafkasim/kafkasim/scenarios/realkafka"
)

// realFlags are the flags that point a command at a real cluster.
type realFlags struct {
	brokers    []string
	configs    []string
	keepTopics bool
	connect    time.Duration
	library    string
	lateness   time.Duration
	// simOK: the command runs on the simulator unless told otherwise
	// (addClient), so --config alone would be ignored.
	simOK bool
}

// Client names for --client.
const clientSim = "sim"

func (f *realFlags) add(cmd *cobra.Command, brokersHelp string) {
	cmd.Flags().StringSliceVar(&f.brokers, "brokers", nil, brokersHelp)
	cmd.Flags().StringArrayVar(&f.configs, "config", nil, "client configuration key=value for every client (repeatable), e.g. security.protocol=SASL_SSL; a value env:NAME is read from the environment variable NAME")
	cmd.Flags().BoolVar(&f.keepTopics, "keep-topics", false, "keep the topics the run creates (deleted afterwards by default)")
	cmd.Flags().DurationVar(&f.connect, "connect-timeout", 10*time.Second, "how long to wait for the cluster before giving up")
	cmd.Flags().DurationVar(&f.lateness, "max-lateness", realkafka.DefaultMaxLateness, "how far a real-time run may fall behind its schedule (a busy machine) before it is reported as unreliable; 0: no limit")
	f.checkFirst(cmd)
}

// addClient adds --client, the client library of a run.
func (f *realFlags) addClient(cmd *cobra.Command) {
	f.simOK = true
	cmd.Flags().StringVar(&f.library, "client", "", "the client library: sim (the simulator; the default without --brokers), franz-go (the default with --brokers) or librdkafka (the real librdkafka, through Debian's python3-confluent-kafka); a real client without --brokers runs against an in-process kfake cluster")
}

// real reports whether the run is on a real client: --brokers, or a
// --client other than sim.
func (f *realFlags) real() bool {
	return len(f.brokers) > 0 || (f.library != "" && f.library != clientSim)
}

// lib checks --client and returns the real client library to use ("" for
// the simulator).
func (f *realFlags) lib() (string, error) {
	switch f.library {
	case "":
		if len(f.brokers) > 0 {
			return realkafka.FranzGo, nil
		}
		return "", nil
	case clientSim:
		if len(f.brokers) > 0 {
			return "", invalid(errors.New("--client sim: the simulator cannot run against --brokers; use --client franz-go or librdkafka"))
		}
		return "", nil
	case realkafka.FranzGo, realkafka.Librdkafka:
		return f.library, nil
	}
	return "", invalid(fmt.Errorf("--client: expected sim, franz-go or librdkafka, got %q", f.library))
}

// conf parses --config: key=value, values env:NAME read from the
// environment. Values never appear in errors, nor does anything of a
// malformed argument but a known key.
func (f *realFlags) conf() (client.ConfigMap, error) {
	m := client.ConfigMap{}
	for i, kv := range f.configs {
		k, v, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.IndexFunc(k, func(r rune) bool { return r > 0x7f || !isKeyChar(byte(r)) }) >= 0 {
			return nil, invalid(malformedConfig(i+1, kv))
		}
		if v == "" {
			// "--config sasl.password= hunter2": the shell split the
			// value off, and it would come back as an argument.
			return nil, invalid(fmt.Errorf("--config %s: the value is empty (a space after = makes the value a separate argument): write %s=VALUE, or %s=env:NAME", k, k, k))
		}
		if name, isEnv := strings.CutPrefix(v, "env:"); isEnv {
			val, set := os.LookupEnv(name)
			if !set && envName(name) {
				return nil, invalid(fmt.Errorf("--config %s: environment variable %s is not set", k, name))
			}
			if !set {
				return nil, invalid(fmt.Errorf("--config %s: env: must be followed by the name of an environment variable, like env:KAFKA_PASSWORD; no variable has the name given (not shown: it may be the secret itself)", k))
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
	lib, err := f.lib()
	if err != nil {
		return realkafka.Config{}, err
	}
	if lib == realkafka.Librdkafka {
		if _, err := rdkafka.Find(); err != nil {
			return realkafka.Config{}, failed(err)
		}
	}
	if f.lateness < 0 {
		return realkafka.Config{}, invalid(fmt.Errorf("--max-lateness: must be 0 (no limit) or more, got %s", f.lateness))
	}
	late := f.lateness
	if late == 0 {
		late = -1
	}
	return realkafka.Config{Brokers: brokers, Client: m, KeepTopics: f.keepTopics, ConnectTimeout: f.connect, Log: os.Stderr, Library: lib, MaxLateness: late}, nil
}

// run runs s on the simulator, or on the cluster when --brokers is set.
func (f *realFlags) run(s *scenarios.Scenario, opts scenarios.Options) (*scenarios.Result, error) {
	if !f.real() {
		r, err := scenarios.Run(s, opts)
		if err != nil {
			return nil, runFailed(err)
		}
		return r, nil
	}
	cfg, err := f.config()
	if err != nil {
		return nil, err
	}
	if len(cfg.Brokers) == 0 {
		// A real client and no cluster: an in-process kfake, with Kafka's
		// group.initial.rebalance.delay.ms emulated.
		k, err := fidelity.StartKfake(fidelity.KfakeOptions{})
		if err != nil {
			return nil, failed(fmt.Errorf("start kfake: %w", err))
		}
		defer k.Close()
		cfg.Brokers, cfg.Broker = k.Brokers(), k
		cfg.RunID = fmt.Sprintf("ks%06x", rand.Uint32()&0xffffff)
		k.PrepareRun(s, cfg.RunID)
		fmt.Fprintf(os.Stderr, "running %s on %s clients against an in-process kfake cluster at %s, in real time (%s)\n",
			s.Name, cfg.Library, strings.Join(cfg.Brokers, ","), scenarios.FormatDuration(s.Duration))
	}
	// Ctrl-C or SIGTERM end a real run early: its topics are deleted and
	// what happened so far is printed, marked incomplete.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg.Context = ctx
	r, err := realkafka.Run(s, opts, cfg)
	if errors.Is(err, client.ErrInvalidArg) {
		// A malformed address or client key: bad input, not a failed run.
		return nil, invalid(err)
	}
	if err != nil {
		err = runFailed(err)
	}
	return r, err
}
