package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kafkasim/kafkasim/scenarios"
)

func newDescribeCmd() *cobra.Command {
	var (
		at   string
		seed runSeed
	)
	cmd := &cobra.Command{
		Use:   "describe NAME|FILE",
		Short: "Show each consumer group as kafka-consumer-groups.sh --describe would",
		Long: `Run a scenario up to a moment (--at, default: the end) and print each
consumer group as kafka-consumer-groups.sh --describe shows it:
committed offset, log end, lag and owner of every partition.`,
		Example: `  kafkasim describe auto-commit-loss --at 30s
  kafkasim describe scale-out`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeScenarioArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := open(args[0])
			if err != nil {
				return err
			}
			opts := seed.options(cmd)
			end := s.Duration
			if at != "" {
				d, err := scenarios.ParseDuration(at)
				if err != nil {
					return invalid(fmt.Errorf("--at: %w", err))
				}
				if d > s.Duration {
					return invalid(fmt.Errorf("--at: %s is after the end of the run (%s)", scenarios.FormatDuration(d), scenarios.FormatDuration(s.Duration)))
				}
				end = d
			}
			// The whole run once; the table at --at comes from its
			// timeline (scenarios.Steps, the TUI's model).
			r, err := scenarios.Run(s, opts)
			if err != nil {
				return runFailed(err)
			}
			x := scenarios.NewSteps(r)
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "T=%s\n", scenarios.FormatDuration(end))
			for i, g := range r.Groups {
				if i > 0 {
					fmt.Fprintln(out)
				}
				fmt.Fprint(out, x.DescribeAt(g.Group, end).Table())
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&at, "at", "", "virtual time to stop at, like 30s or 1m30s (default: the end of the run)")
	seed.add(cmd)
	seed.addBudget(cmd)
	return cmd
}
