package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/kafkasim/kafkasim/client/rdkafka"
	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/scenarios/fidelity"
	"github.com/kafkasim/kafkasim/scenarios/realkafka"
)

// saveRuns writes a report's two runs as text timelines.
func saveRuns(dir string, r fidelity.Report) error {
	for _, x := range []struct {
		res  *scenarios.Result
		name string
	}{{r.SimResult, "sim"}, {r.RealResult, r.Library}} {
		if x.res == nil {
			continue
		}
		f, err := os.Create(filepath.Join(dir, r.Scenario+"."+x.name+".txt"))
		if err != nil {
			return fmt.Errorf("--save: %w", err)
		}
		werr := x.res.WriteText(f)
		if err := f.Close(); werr == nil {
			werr = err
		}
		if werr != nil {
			return fmt.Errorf("--save: %w", werr)
		}
	}
	return nil
}

// fidelityStagger separates the starts of the runs of one fidelity check.
const fidelityStagger = 300 * time.Millisecond

// fidelityClients checks --client. Left at its default (both libraries)
// on a machine without librdkafka, it falls back to franz-go alone and
// says so; asked for explicitly, a missing librdkafka is an error.
func fidelityClients(explicit bool, clients []string) (libs []string, note string, err error) {
	for _, c := range clients {
		c = strings.TrimSpace(c)
		switch c {
		case realkafka.FranzGo, realkafka.Librdkafka:
			if !slices.Contains(libs, c) {
				libs = append(libs, c)
			}
		default:
			return nil, "", invalid(fmt.Errorf("--client: expected franz-go or librdkafka, got %q", c))
		}
	}
	if len(libs) == 0 {
		return nil, "", invalid(errors.New("--client: name at least one client library"))
	}
	if slices.Contains(libs, realkafka.Librdkafka) {
		if _, err := rdkafka.Find(); err != nil {
			if explicit {
				return nil, "", failed(err)
			}
			libs = slices.DeleteFunc(libs, func(l string) bool { return l == realkafka.Librdkafka })
			note = "note: the real librdkafka is not installed here, so only franz-go is compared (" + err.Error() + ")"
		}
	}
	return libs, note, nil
}

func newFidelityCmd() *cobra.Command {
	var (
		rf       realFlags
		seed     uint64
		parallel int
		required bool
		delay    time.Duration
		clients  []string
		save     string
	)
	cmd := &cobra.Command{
		Use:   "fidelity [NAME...]",
		Short: "Check that the simulator agrees with a real Kafka cluster, scenario by scenario",
		Long: `Run built-in scenarios on the simulator and on a real cluster and compare
what matters: every message's verdict (LOST, DUPLICATED, ... with its cause),
the final committed offsets, and the assignment after each rebalance (as
sets per consumer id; for cooperative groups on franz-go the number of
partitions each consumer owns and keeps, since kgo's balancer is not
librdkafka's). Timestamps are not compared. Differences are printed as
go-cmp diffs (-sim +kafka).

--required runs every built-in a real cluster can run, but
sticky-rebalance-cost: documented to differ on both clients, it cannot fail
on agreement, only on schedule, and runs by name.

Besides the built-ins, NAME can be a fidelity check: a scenario kept for
this command (scenarios/fidelity/checks in the source) for a case the
lessons do not reach. --required runs those that agree with the real
librdkafka; those documented to differ from it run by name. They are:
  ` + strings.Join(fidelity.Checks(), "\n  ") + `

Without --brokers the command starts an in-process kfake cluster itself
(github.com/twmb/franz-go/pkg/kfake: the real wire protocol, no JVM), with
group.initial.rebalance.delay.ms emulated as each scenario sets it.

Runs are in real time: each scenario takes its duration (60 s to 3 min), up
to --parallel at once; the seven --required ones take 2 minutes, the whole
library about 6. The same check runs in "go test" in a second, on
kfake's virtual network inside a testing/synctest bubble.

Exit status: 0 when every scenario agrees (or differs in a way
docs/real-kafka.md explains), 1 on a disagreement or a failed run.`,
		Example: `  kafkasim fidelity --required
  kafkasim fidelity auto-commit-loss close-vs-crash
  kafkasim fidelity scale-out --brokers localhost:9092`,
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			return append(scenarios.Names(), fidelity.Checks()...), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			names := args
			if required {
				names = append(names, fidelity.RequiredLibrary()...)
				names = append(names, fidelity.RequiredChecks()...)
			}
			names = fidelity.Names(names)
			libs, note, err := fidelityClients(cmd.Flags().Changed("client"), clients)
			if err != nil {
				return err
			}
			var ss []*scenarios.Scenario
			for _, n := range names {
				s, err := fidelity.Scenario(n)
				if err != nil {
					return invalid(err)
				}
				ss = append(ss, s)
			}
			if parallel < 1 {
				return invalid(errors.New("--parallel: must be at least 1"))
			}
			if rf.library != "" {
				return invalid(errors.New("fidelity: choose the client libraries with --client franz-go,librdkafka"))
			}
			cfg, err := rf.config()
			if err != nil {
				return err
			}
			cfg.Log = nil
			t := fidelity.Target{Config: cfg}
			if cmd.Flags().Changed("seed") {
				t.Seed, t.SeedSet = seed, true
			}
			where := strings.Join(rf.brokers, ",")
			if !rf.real() {
				k, err := fidelity.StartKfake(fidelity.KfakeOptions{})
				if err != nil {
					return failed(fmt.Errorf("start kfake: %w", err))
				}
				defer k.Close()
				t.Kfake = k
				t.Config.Brokers = k.Brokers()
				where = "an in-process kfake cluster at " + strings.Join(k.Brokers(), ",")
			} else if cmd.Flags().Changed("initial-rebalance-delay") {
				t.InitialRebalanceDelay = &delay
			}
			out := cmd.OutOrStdout()
			var longest time.Duration
			for _, s := range ss {
				longest = max(longest, s.Duration)
			}
			fmt.Fprintf(out, "fidelity: %d scenario(s) on the simulator and on %s clients against %s, in real time, %d at once (longest %s)\n",
				len(ss), strings.Join(libs, " and "), where, parallel, scenarios.FormatDuration(longest))
			if note != "" {
				fmt.Fprintln(out, note)
			}
			fmt.Fprintln(out)
			n := len(ss) * len(libs)
			reps := make([]fidelity.Report, n)
			done := make([]chan struct{}, n)
			sem := make(chan struct{}, parallel)
			var wg sync.WaitGroup
			start := time.Now()
			for i := range n {
				s, lib := ss[i/len(libs)], libs[i%len(libs)]
				done[i] = make(chan struct{})
				wg.Go(func() {
					sem <- struct{}{}
					defer func() { <-sem }()
					// Runs start a little apart: dozens of clients
					// starting in the same instant on a small machine
					// delay each other by more than the lessons' margins.
					time.Sleep(time.Until(start.Add(time.Duration(i) * fidelityStagger)))
					tl := t
					tl.Config.Library = lib
					reps[i] = fidelity.Check(s, tl)
					close(done[i])
				})
			}
			if save != "" {
				if err := os.MkdirAll(save, 0o755); err != nil {
					return failed(fmt.Errorf("--save: %w", err))
				}
			}
			bad := 0
			for i := range n {
				<-done[i]
				if save != "" {
					if err := saveRuns(save, reps[i]); err != nil {
						return failed(err)
					}
				}
				reps[i].Print(out)
				if !reps[i].OK() {
					bad++
				}
			}
			wg.Wait()
			counts := map[fidelity.Status]int{}
			for _, r := range reps {
				counts[r.Status]++
			}
			fmt.Fprintf(out, "\n%d agree, %d documented difference, %d cannot run for real, %d differ, %d failed\n",
				counts[fidelity.Agree], counts[fidelity.Documented], counts[fidelity.CannotRun], counts[fidelity.Differ], counts[fidelity.Failed])
			if bad > 0 {
				return failed(fmt.Errorf("fidelity: %d scenario(s) disagree or failed", bad))
			}
			return nil
		},
	}
	rf.add(cmd, "check against this Kafka cluster (host:port[,host:port]) instead of an in-process kfake cluster")
	cmd.Flags().Uint64Var(&seed, "seed", 0, "seed for both runs (default: each scenario's seed)")
	cmd.Flags().IntVar(&parallel, "parallel", 16, "runs (scenario and client library) at once")
	cmd.Flags().BoolVar(&required, "required", false, "check every built-in scenario a real cluster can run, and the fidelity checks that agree with the real librdkafka")
	cmd.Flags().StringVar(&save, "save", "", "write each run's timeline and outcome to this directory (NAME.sim.txt, NAME.CLIENT.txt), for a closer look at a difference")
	cmd.Flags().StringSliceVar(&clients, "client", []string{realkafka.FranzGo, realkafka.Librdkafka}, "the client libraries to compare the simulator with: franz-go, librdkafka (the real librdkafka, through Debian's python3-confluent-kafka), or both")
	cmd.Flags().DurationVar(&delay, "initial-rebalance-delay", 3*time.Second, "with --brokers: the cluster's group.initial.rebalance.delay.ms, which the simulator then uses (a real broker's setting cannot change per run)")
	return cmd
}
