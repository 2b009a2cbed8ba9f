package scenarios

import (
	"encoding/json"
	"runtime"
	"runtime/debug"
	"testing"
	"unsafe"
)

// TestReleaseReusesMemory: a released Result is empty, the next run reuses
// its timeline's and its outcome's memory, and that run's output is the
// same as a fresh one's; strings read from the released result stay.
func TestReleaseReusesMemory(t *testing.T) {
	// A sync.Pool may drop what it holds at a garbage collection: none
	// runs during this test. It keeps what it is given per P, and a
	// goroutine moved to another P between the release and the next run
	// misses it (on a busy machine, now and then): one P.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			s, err := Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			run := func() *Result {
				t.Helper()
				r, err := Run(s, Options{Seed: 7, SeedSet: true})
				if err != nil {
					t.Fatal(err)
				}
				return r
			}
			jsonOf := func(r *Result) string {
				t.Helper()
				b, err := json.Marshal(r)
				if err != nil {
					t.Fatal(err)
				}
				return string(b)
			}
			first := run()
			want := jsonOf(first)
			var key string
			if n := len(first.Outcome.Messages()); n > 0 {
				key = first.Outcome.Messages()[n-1].Key
			}
			keyCopy := string([]byte(key))
			log, msgs := unsafe.SliceData(first.tape.log), unsafe.SliceData(first.Outcome.Messages())
			first.Release()
			if first.Events() != nil || first.Outcome.Messages() != nil || first.Groups != nil || first.Scenario != "" {
				t.Errorf("a released result is not empty: %d events, %d messages, %d groups, scenario %q", len(first.Events()), len(first.Outcome.Messages()), len(first.Groups), first.Scenario)
			}
			second := run()
			if got := jsonOf(second); got != want {
				t.Errorf("the run after a release differs from a fresh one")
			}
			// (Under -race, sync.Pool drops items at random.)
			if !raceEnabled && (unsafe.SliceData(second.tape.log) != log || (cap(second.Outcome.Messages()) > 0 && unsafe.SliceData(second.Outcome.Messages()) != msgs)) {
				t.Errorf("the run after a release did not reuse its timeline and outcome")
			}
			if key != keyCopy {
				t.Errorf("a key read before the release changed: %q, want %q", key, keyCopy)
			}
			second.Release()
			second.Release() // twice is harmless
			third := run()
			if got := jsonOf(third); got != want {
				t.Errorf("the second reuse differs from a fresh run")
			}
		})
	}
}
