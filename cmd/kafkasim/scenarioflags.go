package main

import (
	"github.com/spf13/cobra"

	"github.com/kafkasim/kafkasim/scenarios"
)

// completeScenarioArg completes the one NAME|FILE argument of run,
// describe and tui: the built-in scenario names, or a file.
func completeScenarioArg(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return scenarios.Names(), cobra.ShellCompDirectiveDefault
}

// runSeed is the --seed flag of a command that runs one scenario.
type runSeed struct{ v uint64 }

func (s *runSeed) add(cmd *cobra.Command) {
	cmd.Flags().Uint64Var(&s.v, "seed", 0, "seed for everything random in the run (default: the scenario's seed)")
}

// options are the run options --seed asks for: its seed when given, the
// scenario's own otherwise.
func (s *runSeed) options(cmd *cobra.Command) scenarios.Options {
	if cmd.Flags().Changed("seed") {
		return scenarios.Options{Seed: s.v, SeedSet: true}
	}
	return scenarios.Options{}
}
