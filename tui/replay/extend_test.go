package replay

import (
	"reflect"
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/scenarios"
)

// A live session indexed step by step with Extend gives the same index as
// New on the whole run, after every step, on every built-in.
func TestExtendIsNew(t *testing.T) {
	for _, name := range scenarios.Names() {
		t.Run(name, func(t *testing.T) {
			s, err := scenarios.Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			ss, err := scenarios.Start(s, scenarios.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer ss.Close()
			var x *Index
			extended := 0
			for d := time.Duration(0); d <= min(s.Duration, 3*time.Minute); d += 700 * time.Millisecond {
				if err := ss.RunUntil(d); err != nil {
					t.Fatal(err)
				}
				r := &scenarios.Result{Scenario: s.Name, Duration: d}
				r.SetEvents(ss.Events())
				r.Outcome = scenarios.Classify(r.Events())
				if x == nil {
					x = New(r)
					continue
				}
				before := x
				x = x.Extend(r)
				if x == before {
					extended++
				}
				if want := New(r); !reflect.DeepEqual(x, want) {
					t.Fatalf("at %s (%d events): Extend differs from New", d, len(r.Events()))
				}
			}
			if extended == 0 {
				t.Errorf("Extend never extended in place")
			}
		})
	}
}

func TestTimesToTheMillisecond(t *testing.T) {
	e := scenarios.Event{At: 6*time.Second + 2*time.Microsecond, Actor: "c1", Kind: scenarios.KindCrash, Partition: -1, Offset: -1, Generation: -1}
	if got := EventString(&e); got[:6] != "T=6s c" {
		t.Errorf("EventString = %q", got)
	}
	if e.At != 6*time.Second+2*time.Microsecond {
		t.Error("EventString changed the event")
	}
	if got := FormatTime(1500 * time.Millisecond); got != "1.5s" {
		t.Errorf("FormatTime = %q", got)
	}
}
