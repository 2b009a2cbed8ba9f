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

// runSeed is the flags that shape a command's run of one scenario:
// --seed, and for the commands that add it, --budget (budgetFlag).
type runSeed struct {
	v      uint64
	budget budgetFlag
}

func (s *runSeed) add(cmd *cobra.Command) {
	cmd.Flags().Uint64Var(&s.v, "seed", 0, "seed for everything random in the run (default: the scenario's seed)")
}

// addBudget adds --budget.
func (s *runSeed) addBudget(cmd *cobra.Command) { s.budget.add(cmd) }

// options are the run options the flags ask for: --seed's seed when
// given (the scenario's own otherwise), and --budget's budget (checked
// before the command ran: see budgetFlag.add).
func (s *runSeed) options(cmd *cobra.Command) scenarios.Options {
	var o scenarios.Options
	if cmd.Flags().Changed("seed") {
		o.Seed, o.SeedSet = s.v, true
	}
	o.Budget, _ = s.budget.budget()
	return o
}
