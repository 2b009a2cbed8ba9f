package fidelity

import (
	"os"
	"strings"
	"testing"
	"testing/synctest"

	"go.uber.org/goleak"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/scenarios/realkafka"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// checkInBubble runs the fidelity check of one scenario against kfake on
// its virtual network inside a synctest bubble: session timeouts of 45 s
// cost no wall time.
func checkInBubble(t *testing.T, name string) Report {
	t.Helper()
	var rep Report
	synctest.Test(t, func(t *testing.T) {
		k, err := StartKfake(KfakeOptions{Virtual: true})
		if err != nil {
			t.Fatal(err)
		}
		defer k.Close()
		s, err := scenarios.Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		rep = Check(s, Target{Kfake: k, Config: realkafka.Config{Brokers: k.Brokers(), Dialer: k.Dialer()}})
	})
	return rep
}

// TestRequired is the fidelity check of issue 7: the simulator and kfake
// (through client/kafka and the runner's real backend) agree on every
// message's verdict, the committed offsets and the assignments.
func TestRequired(t *testing.T) {
	names := Required
	if env := os.Getenv("FIDELITY"); env != "" {
		names = strings.Split(env, ",")
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			rep := checkInBubble(t, name)
			var b strings.Builder
			rep.Print(&b)
			t.Log("\n" + b.String())
			if !rep.OK() || rep.Status != Agree {
				t.Errorf("%s: %s", name, rep.Status)
			}
		})
	}
}
