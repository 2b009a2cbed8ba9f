package check

import (
	"bufio"
	"bytes"
	"fmt"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kafkasim/kafkasim/scenarios"
)

// Hangs and leaks. Every goroutine of an incarnation carries a pprof label
// (goroutineLabel: "case-N c1#2"), inherited by the goroutines the app
// starts, so that a report can name them: the goroutine profile lists each
// with its stack.

const goroutineLabel = "kafkasim.check"

// waitFunc is testing/synctest's Wait, for sim.Cluster.DriveInBubble.
var waitFunc = synctest.Wait

var caseCounter atomic.Uint64

// caseLabel numbers a case, for its goroutines' labels.
func caseLabel() string { return fmt.Sprintf("case-%d", caseCounter.Add(1)) }

// bubble is a testing/synctest bubble serving a case's world: the
// harness (rapid's property, on its own goroutine, where rapid's draws and
// failures must happen) hands it one function at a time (do); the bubble
// runs it and stands still until the next. Its main goroutine waits for
// work on a channel made outside the bubble, which does not count as
// blocked: virtual time moves only inside do.
type bubble struct {
	cmds     chan func()
	done     chan any
	exited   chan struct{}
	panicked any
}

// startBubble starts a bubble for t.
func startBubble(t *testing.T) *bubble {
	if t == nil {
		panic(fmt.Errorf("%w: an App runs in a testing/synctest bubble, which needs the test's *testing.T: use TestConsumer, Search or Replay", ErrConfig))
	}
	b := &bubble{cmds: make(chan func()), done: make(chan any), exited: make(chan struct{})}
	go func() {
		defer close(b.exited)
		defer func() {
			// synctest's deadlock panic: goroutines left blocked when the
			// case ended, which leaks has reported.
			if r := recover(); r != nil && !isDeadlock(r) {
				b.panicked = r
			}
		}()
		synctest.Test(t, func(*testing.T) {
			for fn := range b.cmds {
				b.done <- b.run(fn)
			}
		})
	}()
	return b
}

// run runs fn, returning what it panicked with.
func (b *bubble) run(fn func()) (p any) {
	defer func() { p = recover() }()
	fn()
	return nil
}

// do runs fn in the bubble and waits for it (a panic in it comes out
// here).
func (b *bubble) do(fn func()) {
	b.cmds <- fn
	if p := <-b.done; p != nil {
		panic(p)
	}
}

// stop ends the bubble.
func (b *bubble) stop() {
	close(b.cmds)
	<-b.exited
	if b.panicked != nil {
		panic(b.panicked)
	}
}

// isDeadlock reports whether r is synctest's panic about goroutines left
// blocked in a bubble whose main goroutine returned.
func isDeadlock(r any) bool {
	err, ok := r.(error)
	return ok && strings.HasPrefix(err.Error(), "deadlock: ")
}

// watch looks for incarnations told to close that have not returned
// within Config.CloseTimeout of it (time while the broker is down does not
// count: the app may be waiting for the coordinator, as librdkafka's
// synchronous commits do): a hang, reported once, naming the goroutines
// still running.
func (w *world) watch() {
	if !w.bubble {
		return
	}
	if w.brokerDown {
		return // closing waits for the coordinator meanwhile (librdkafka's commits do)
	}
	now := w.now()
	for _, m := range w.members {
		inc := m.cur
		if inc == nil || !inc.closing || inc.crashed || inc.hung || inc.returned.Load() || now-max(inc.closeAt, w.brokerUpAt) < w.cfg.closeTimeout() {
			continue
		}
		inc.hung = true
		w.found = append(w.found, problem{rule: "hang",
			text: fmt.Sprintf("the app of %s did not return within %s of being told to stop (its context was cancelled at T=%s)%s",
				m.spec.ID, scenarios.FormatDuration(w.cfg.closeTimeout()), scenarios.FormatDuration(inc.closeAt), w.named(inc.label)),
			seq: -1, off: -1})
	}
}

// problem is the first problem the world found itself, if any.
func (w *world) problem() *problem {
	p := (*problem)(nil)
	w.do(func() {
		if len(w.found) > 0 {
			q := w.found[0]
			p = &q
		}
	})
	return p
}

// leaks reports goroutines of incarnations that did not crash still
// alive when the case is over (a crashed process's goroutines die with
// it: they are only ended). In a bubble only.
func (w *world) leaks() *problem {
	if !w.bubble {
		return nil
	}
	var p *problem
	w.call(func() { p = w.leaksNow() })
	return p
}

func (w *world) leaksNow() *problem {
	if runtime.NumGoroutine() <= w.base {
		return nil
	}
	var live []string
	for _, m := range w.members {
		for _, inc := range m.all {
			if inc.crashed || inc.hung {
				continue
			}
			if g := goroutines(inc.label); len(g) > 0 {
				live = append(live, fmt.Sprintf("%s (incarnation %d): %s", m.spec.ID, inc.n, strings.Join(g, "; ")))
			}
		}
	}
	if len(live) == 0 {
		return nil
	}
	return &problem{rule: "leak", text: "goroutines of the app still running after it returned and the case ended: " + strings.Join(live, " | "), seq: -1, off: -1}
}

// named is ": goroutines ..." naming the goroutines labelled label, or "".
func (w *world) named(label string) string {
	g := goroutines(label)
	if len(g) == 0 {
		return ""
	}
	return "; still running: " + strings.Join(g, "; ")
}

// goroutines describes the goroutines whose label is label: where each
// is in the app's code, and what it waits for.
func goroutines(label string) []string {
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		return nil
	}
	var out []string
	sc := bufio.NewScanner(&buf)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var count string
	var labels string
	var frames []string
	flush := func() {
		if count != "" && strings.Contains(labels, fmt.Sprintf("%q:%q", goroutineLabel, label)) {
			out = append(out, describeStack(count, frames))
		}
		count, labels, frames = "", "", nil
	}
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			flush()
		case strings.HasPrefix(line, "# labels:"):
			labels = line
		case strings.HasPrefix(line, "#\t"):
			f := strings.Fields(line)
			if len(f) >= 4 {
				frames = append(frames, f[2]+" "+f[3])
			}
		case !strings.HasPrefix(line, "#") && strings.Contains(line, " @ "):
			flush()
			count = strings.Fields(line)[0]
		}
	}
	flush()
	return out
}

// describeStack is "goroutine in pkg.fn (file.go:12), waiting in chan
// receive": the first frame of the app's code, and what the runtime
// frames above it say it waits for.
func describeStack(count string, frames []string) string {
	wait := ""
	app := ""
	for _, f := range frames {
		fn, file, _ := strings.Cut(f, " ")
		switch {
		case strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "internal/") || strings.HasPrefix(fn, "sync."):
			if wait == "" {
				wait = waitName(fn)
			}
		case strings.HasPrefix(fn, "time.Sleep"):
			if wait == "" {
				wait = "time.Sleep"
			}
		case strings.Contains(fn, "kafkasim/client/sim."):
			if app == "" {
				// the outermost frame of the client: the call the app made
				wait = "a call to the consumer (" + strings.TrimPrefix(shortFn(fn), "sim.") + ")"
			}
		case strings.Contains(fn, "kafkasim/scenarios/check.") && !strings.Contains(fn, "_test"):
			// the engine's own frames
		default:
			if app == "" {
				app = fmt.Sprintf("%s (%s)", shortFn(fn), shortFile(file))
			}
		}
	}
	s := "goroutine"
	if count != "1" {
		s = count + " goroutines"
	}
	if app != "" {
		s += " in " + app
	}
	if wait != "" {
		s += ", waiting in " + wait
	}
	return s
}

func waitName(fn string) string {
	switch {
	case strings.Contains(fn, "chanrecv"):
		return "a channel receive"
	case strings.Contains(fn, "chansend"):
		return "a channel send"
	case strings.Contains(fn, "selectgo"):
		return "a select"
	case strings.Contains(fn, "WaitGroup"), strings.Contains(fn, "Semacquire"):
		return "sync.WaitGroup.Wait"
	case strings.Contains(fn, "Cond"):
		return "sync.Cond.Wait"
	case strings.Contains(fn, "Mutex"):
		return "a sync.Mutex"
	}
	return ""
}

func shortFn(fn string) string {
	if i := strings.LastIndex(fn, "/"); i >= 0 {
		fn = fn[i+1:]
	}
	if i := strings.Index(fn, "+0x"); i >= 0 {
		fn = fn[:i]
	}
	return fn
}

func shortFile(file string) string {
	if i := strings.LastIndex(file, "/"); i >= 0 {
		return file[i+1:]
	}
	return file
}

// settle lets what is left of a case end in a bubble: the world runs on,
// in steps of a second of virtual time, until no more than base goroutines
// are left (every goroutine the apps started has returned), for at most
// limit.
func (w *world) settle(base int, limit time.Duration) {
	for t := time.Duration(0); t < limit; t += time.Second {
		waitFunc()
		if runtime.NumGoroutine() <= base {
			return
		}

		w.d.RunFor(time.Second)
	}
}
