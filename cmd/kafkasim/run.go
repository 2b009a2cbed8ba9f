package main

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

func newRunCmd() *cobra.Command {
	var (
		seed   runSeed
		format string
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
seed always print the same bytes.

With --brokers the scenario runs against a real Kafka cluster instead, in
real time (a 90 s scenario takes 90 s), with the same output format. Its
topics and groups are named "<name>-<run id>" and the topics deleted
afterwards (unless --keep-topics). Security settings go in --config
(values env:NAME come from the environment; no value is ever printed).
See docs/real-kafka.md.

Exit status: 0 when the run completes, 1 when it fails (an unreachable
cluster, say), 2 when the input is wrong (a scenario file, a flag, a
client key, a broker address).`,
		Example: `  kafkasim run auto-commit-loss
  kafkasim run manual-commit-duplicates --seed 7 --format json
  kafkasim run ./my-scenario.yaml
  kafkasim run auto-commit-loss --brokers localhost:9092
  kafkasim run scale-out --brokers broker:9093 --config security.protocol=SASL_SSL \
      --config sasl.mechanisms=PLAIN --config sasl.username=env:KAFKA_USER --config sasl.password=env:KAFKA_PASSWORD`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeScenarioArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return invalid(fmt.Errorf("--format: expected text or json, got %q", format))
			}
			s, err := open(args[0])
			if err != nil {
				return err
			}
			opts := seed.options(cmd)
			r, err := rf.run(s, opts)
			if err != nil {
				var ee *exitError
				if errors.As(err, &ee) {
					return err
				}
				return failed(err)
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(r)
			}
			return r.WriteText(out)
		},
	}
	seed.add(cmd)
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	rf.add(cmd, "run against this Kafka cluster (bootstrap.servers: host:port[,host:port]) instead of the simulator")
	rf.addClient(cmd)
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}
