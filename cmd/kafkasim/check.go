package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kafkasim/kafkasim/scenarios"
)

func newCheckCmd() *cobra.Command {
	var (
		seed   uint64
		budget budgetFlag
	)
	cmd := &cobra.Command{
		Use:   "check FILE|NAME...",
		Short: "Validate scenarios, run them and check their expect blocks",
		Long: `Validate each scenario, run it and check its expect block.

Exit status: 0 when every expectation holds, 1 when one fails (each failure
is printed with its file position, what was expected and what happened), 2
when an argument is not a valid scenario (bad YAML, unknown fields, unknown
consumer ids, unknown configuration keys, steps out of time order, a file
over the input limits or a run over its budget ...), 70 on an internal
error (a bug in kafkasim).`,
		Example: `  kafkasim check my-scenario.yaml
  kafkasim check scenarios/library/*.yaml`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			var invalidN, failedN, internalN int
			b, _ := budget.budget()
			for _, arg := range args {
				s, err := scenarios.Open(arg)
				if errors.Is(err, scenarios.ErrInternal) {
					internalN++
					fmt.Fprintf(out, "ERROR %s: internal error (a bug in kafkasim)\n%v\n", arg, err)
					continue
				}
				if err != nil {
					invalidN++
					fmt.Fprintf(out, "INVALID %s\n%v\n", arg, err)
					continue
				}
				opts := scenarios.Options{Budget: b}
				if cmd.Flags().Changed("seed") {
					opts.Seed, opts.SeedSet = seed, true
				}
				r, err := scenarios.Run(s, opts)
				if errors.Is(err, scenarios.ErrBudget) {
					invalidN++
					fmt.Fprintf(out, "INVALID %s\n%v\n", arg, err)
					continue
				}
				if err != nil {
					failedN++
					fmt.Fprintf(out, "FAIL %s: run failed: %v\n", arg, err)
					continue
				}
				fails := s.Check(r)
				r.Release() // (its memory serves the next scenario's run)
				if s.Expect == nil {
					fmt.Fprintf(out, "ok   %s (no expect block)\n", arg)
					continue
				}
				if len(fails) == 0 {
					fmt.Fprintf(out, "ok   %s\n", arg)
					continue
				}
				failedN++
				fmt.Fprintf(out, "FAIL %s\n", arg)
				for _, f := range fails {
					fmt.Fprintf(out, "  %s\n", f)
				}
			}
			switch {
			case internalN > 0:
				return fmt.Errorf("%d of %d scenarios hit an internal error: %w", internalN, len(args), scenarios.ErrInternal)
			case invalidN > 0:
				return invalid(fmt.Errorf("%d of %d scenarios invalid", invalidN, len(args)))
			case failedN > 0:
				return failed(errors.New(plural(failedN, "scenario") + " failed"))
			}
			return nil
		},
	}
	cmd.Flags().Uint64Var(&seed, "seed", 0, "seed for every run (default: each scenario's seed)")
	budget.add(cmd)
	return cmd
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
