package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kafkasim/kafkasim/scenarios"
)

// budgetFlag is --budget NAME=N (repeatable): the limits of a run's
// budget (scenarios.Budget) that the command line raises or lowers.
type budgetFlag struct{ specs []string }

// add adds --budget to cmd and checks it before the command runs.
func (b *budgetFlag) add(cmd *cobra.Command) {
	d := scenarios.DefaultBudget()
	cmd.Flags().StringArrayVar(&b.specs, "budget", nil, fmt.Sprintf(
		"change a limit of the run's budget, NAME=N (repeatable): messages (default %d), bytes (%d), partitions (%d), events (%d) or steps (%d); a scenario over its budget is refused (exit 2)",
		d.Messages, d.Bytes, d.Partitions, d.Events, d.Steps))
	next := cmd.PreRunE
	cmd.PreRunE = func(c *cobra.Command, args []string) error {
		if _, err := b.budget(); err != nil {
			return invalid(err)
		}
		if next != nil {
			return next(c, args)
		}
		return nil
	}
}

// budget is the budget the flags ask for (fields not given: 0, the
// defaults).
func (b *budgetFlag) budget() (scenarios.Budget, error) {
	var out scenarios.Budget
	for _, spec := range b.specs {
		name, num, ok := strings.Cut(spec, "=")
		name = strings.TrimSpace(name)
		if !ok {
			return out, fmt.Errorf("--budget %q: expected NAME=N, like events=5000000 (NAME: %s)", spec, strings.Join(scenarios.BudgetNames, ", "))
		}
		n, err := budgetNumber(num)
		if err != nil {
			return out, fmt.Errorf("--budget %s: %w", name, err)
		}
		if err := out.Set(name, n); err != nil {
			return out, fmt.Errorf("--budget: %w", err)
		}
	}
	return out, nil
}

// budgetNumber reads a whole number above 0: 5000000, 5_000_000 or 5e6.
func budgetNumber(s string) (int64, error) {
	t := strings.ReplaceAll(strings.TrimSpace(s), "_", "")
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(t, 64)
		if ferr != nil || f != math.Trunc(f) || f >= math.MaxInt64 {
			return 0, fmt.Errorf("expected a whole number like 5000000 or 5e6, got %q", s)
		}
		n = int64(f)
	}
	if n <= 0 {
		return 0, fmt.Errorf("expected a number above 0, got %q", s)
	}
	return n, nil
}
