package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/scenarios/export"
)

func newRunCmd() *cobra.Command {
	var (
		seed   runSeed
		format string
		at     string
		rf     realFlags
	)
	cmd := &cobra.Command{
		Use:   "run NAME|FILE",
		Short: "Run a scenario and print its timeline, outcome and group table",
		Long: `Run a built-in scenario (see "kafkasim list") or a scenario file.

The text format prints the timeline, one "T=…" line per event, then what
happened to every message (OK, REDELIVERED, DUPLICATED, LOST, PENDING, with
the cause of each LOST or DUPLICATED one), then each group as
kafka-consumer-groups.sh --describe shows it. The json format prints the
whole result in the schema of docs/json-schema.md; the same scenario and
seed always print the same bytes. The jsonl format prints the same as JSON
Lines, one compact object per line (a line per event, per message, per
group), for big runs and line tools (grep, jq -c). Every format is written
as it is read from the run's recording: a run of a million messages prints
without holding its output in memory.

For slides and handouts: the svg format prints an image of the partitions
(a cell per message, by fate) and the consumers' swimlanes at --at (the
end by default); the html format prints one self-contained web page with
the whole timeline, stepped with the arrow keys in a browser (no network
needed). Redirect either to a file.

With --brokers the scenario runs against a real Kafka cluster instead, in
real time (a 90 s scenario takes 90 s), with the same output format. Its
topics and groups are named "<name>-<run id>" and the topics deleted
afterwards (unless --keep-topics). Security settings go in --config
(values env:NAME come from the environment; no value is ever printed).
See docs/real-kafka.md.

Exit status: 0 when the run completes, 1 when it fails (an unreachable
cluster, say), 2 when the input is wrong (a scenario file, a flag, a
client key, a broker address, a scenario over its run budget: see
--budget), 70 on an internal error (a bug in kafkasim).`,
		Example: `  kafkasim run auto-commit-loss
  kafkasim run manual-commit-duplicates --seed 7 --format json
  kafkasim run ./big.yaml --budget messages=1000000 --format jsonl > big.jsonl
  kafkasim run auto-commit-loss --format svg --at 6s > crash.svg
  kafkasim run close-vs-crash --format html > close-vs-crash.html
  kafkasim run ./my-scenario.yaml
  kafkasim run auto-commit-loss --brokers localhost:9092
  kafkasim run scale-out --brokers broker:9093 --config security.protocol=SASL_SSL \
      --config sasl.mechanisms=PLAIN --config sasl.username=env:KAFKA_USER --config sasl.password=env:KAFKA_PASSWORD`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeScenarioArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch format {
			case "text", "json", "jsonl", "svg", "html":
			default:
				return invalid(fmt.Errorf("--format: expected text, json, jsonl, svg or html, got %q", format))
			}
			var until time.Duration
			if at != "" {
				if format != "svg" {
					return invalid(errors.New("--at: only for --format svg (the html page has every step)"))
				}
				d, err := scenarios.ParseDuration(at)
				if err != nil {
					return invalid(fmt.Errorf("--at: %w", err))
				}
				until = d
			}
			s, err := open(args[0])
			if err != nil {
				return err
			}
			// A run's whole timeline is held until it is printed: the
			// collector runs at half the default heap growth (GOGC=50,
			// unless GOGC is set), which keeps a million-message run near
			// 1.5x what it holds instead of 2x, for a few percent of CPU.
			if os.Getenv("GOGC") == "" {
				debug.SetGCPercent(50)
			}
			opts := seed.options(cmd)
			// The text names only LOST, DUPLICATED and flagged messages:
			// the rest need not be kept (a big run's OK messages are
			// most of its memory).
			opts.OnlyNotable = format == "text"
			r, err := rf.run(s, opts)
			if err != nil && r != nil {
				// A real run interrupted, behind its schedule, or without
				// its cluster: what happened is shown (marked incomplete
				// where it is), and the run fails.
				if werr := writeResult(cmd.OutOrStdout(), r, format, at, until); werr != nil {
					return failed(werr)
				}
			}
			if err != nil {
				var ee *exitError
				if errors.As(err, &ee) {
					return err
				}
				return failed(err)
			}
			return writeResult(cmd.OutOrStdout(), r, format, at, until)
		},
	}
	seed.add(cmd)
	seed.addBudget(cmd)
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, json, jsonl (JSON Lines), svg (an image at --at) or html (a page that steps through the run)")
	cmd.Flags().StringVar(&at, "at", "", "with --format svg: the virtual time to draw, like 6s (default: the end of the run)")
	rf.add(cmd, "run against this Kafka cluster (bootstrap.servers: host:port[,host:port]) instead of the simulator")
	rf.addClient(cmd)
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"text", "json", "jsonl", "svg", "html"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// writeResult writes a run in the chosen format: text, json, jsonl, svg
// (at --at, or the end) or html. text, json and jsonl stream: nothing of
// the output is held but a buffer.
func writeResult(out io.Writer, r *scenarios.Result, format, at string, until time.Duration) error {
	switch format {
	case "svg":
		x := scenarios.NewSteps(r)
		step := x.Len() - 1
		if at != "" {
			if until > r.Duration {
				return invalid(fmt.Errorf("--at: %s is after the end of the run (%s)", scenarios.FormatDuration(until), scenarios.FormatDuration(r.Duration)))
			}
			step = x.StepAtTime(until)
		}
		return export.SVG(out, x, step, export.Options{})
	case "html":
		return export.HTML(out, scenarios.NewSteps(r), export.Options{})
	case "json":
		return r.WriteJSON(out)
	case "jsonl":
		return r.WriteJSONL(out)
	}
	return r.WriteText(out)
}
