package fidelity

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/scenarios/realkafka"
)

//go:embed checks/*.yaml
var checksFS embed.FS

// Checks lists the fidelity checks, sorted: scenario files in checks/
// that are not lessons but cases the lessons do not reach, kept for
// comparing the simulator with a real client (today the choices of the
// cooperative-sticky assignor: scaling out and in, a static member
// returning, a member claiming partitions under an old generation, and
// librdkafka 2.0.2's balance check). They are not built-ins: kafkasim
// list does not show them; kafkasim fidelity runs them by name, and with
// --required those in RequiredChecks. Each file's description says what
// it checks and what the real librdkafka did.
func Checks() []string {
	ents, _ := fs.ReadDir(checksFS, "checks")
	var out []string
	for _, e := range ents {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// RequiredChecks lists, sorted, the fidelity checks kafkasim fidelity
// --required runs: all but those Explained documents as differing on the
// real librdkafka. Those cannot fail there (any difference is explained),
// and each would add a real-time run with its agents to CI's librdkafka
// check; they run by name.
func RequiredChecks() []string {
	return slices.DeleteFunc(Checks(), func(n string) bool { return Explained[realkafka.Librdkafka][n] != "" })
}

// RequiredLibrary lists, in library order, the built-ins kafkasim
// fidelity --required runs: every one a real cluster can run
// (RunnableLibrary) but those Explained documents as differing on both
// real clients. Those cannot fail on agreement (any difference is
// explained); they can only fail to run, and sticky-rebalance-cost, the
// one there is, sometimes does: its commits race cooperative rebalances,
// and kfake has been seen to leave such an OffsetCommit unanswered until
// librdkafka's request timed out (48 s), which stops the run's schedule.
// They run by name.
func RequiredLibrary() []string {
	return slices.DeleteFunc(RunnableLibrary(), func(n string) bool {
		return Explained[realkafka.Librdkafka][n] != "" && Explained[realkafka.FranzGo][n] != ""
	})
}

// Scenario loads the named built-in scenario or fidelity check (a name
// is never both).
func Scenario(name string) (*scenarios.Scenario, error) {
	s, err := scenarios.Builtin(name)
	if !errors.Is(err, scenarios.ErrNotFound) {
		return s, err
	}
	data, cerr := checksFS.ReadFile(path.Join("checks", name+".yaml"))
	if cerr != nil {
		return nil, fmt.Errorf("no built-in scenario or fidelity check %q (see kafkasim list and kafkasim fidelity --help): %w", name, scenarios.ErrNotFound)
	}
	return scenarios.Parse("scenarios/fidelity/checks/"+name+".yaml", data)
}
