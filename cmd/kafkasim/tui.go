package main

import (
	"os"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/tui"
)

// Plain `kafkasim` on a terminal opens the TUI's scenario picker; with
// stdout not a terminal (pipes, scripts, tests) it prints help as before.
func init() {
	openTUI = func(cmd *cobra.Command, args []string) error {
		if !term.IsTerminal(os.Stdout.Fd()) || !term.IsTerminal(os.Stdin.Fd()) {
			return cmd.Help()
		}
		return tui.Run(tui.Options{})
	}
}

func newTUICmd() *cobra.Command {
	var (
		seed    runSeed
		noColor bool
		rf      realFlags
	)
	cmd := &cobra.Command{
		Use:   "tui [NAME|FILE]",
		Short: "Open the classroom terminal UI: pick a scenario, step through it, compare, sandbox",
		Long: `Open the terminal UI. Without an argument it shows the scenario picker;
with a built-in name or a scenario file it opens the walkthrough of that
scenario. Keys: space play/pause, t play by step or by virtual time,
←/→ step, ]/[ (shift+←/→) lesson moments, home/end, +/- speed, i/o zoom
the swimlanes, tab focus (j/k scroll the outcome), ctrl+g next group, p
presenter view, w write the frame as SVG, c compare (v there picks the
right-hand variant), s sandbox (u undo, e export the session as a
scenario file with its outcome as expectations), ? help, esc back, q
quit. NO_COLOR (or --no-color) draws without colour.`,
		Example: `  kafkasim tui
  kafkasim tui auto-commit-loss
  kafkasim tui ./my-scenario.yaml --seed 7
  kafkasim tui ./big.yaml --budget messages=1000000`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeScenarioArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			so := seed.options(cmd)
			opts := tui.Options{NoColor: noColor, Budget: so.Budget}
			if rf.real() {
				if _, err := rf.config(); err != nil {
					return err
				}
				opts.Runner = func(s *scenarios.Scenario, seed uint64, seedSet bool, until time.Duration) (*scenarios.Result, error) {
					return rf.run(s, scenarios.Options{Seed: seed, SeedSet: seedSet, Until: until, Budget: so.Budget})
				}
			}
			if len(args) == 1 {
				if _, err := open(args[0]); err != nil {
					return err
				}
				opts.Scenario = args[0]
			}
			opts.Seed, opts.SeedSet = so.Seed, so.SeedSet
			if err := tui.Run(opts); err != nil {
				return failed(err)
			}
			return nil
		},
	}
	seed.add(cmd)
	seed.addBudget(cmd)
	cmd.Flags().BoolVar(&noColor, "no-color", false, "draw without colour (as NO_COLOR does)")
	rf.add(cmd, "run scenarios against this Kafka cluster (host:port[,host:port]) instead of the simulator; each run takes its scenario's duration in real time")
	rf.addClient(cmd)
	return cmd
}
