package pages

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kafkasim/kafkasim/scenarios"
)

// e writes the session as a file that `kafkasim run` replays to the
// timeline the sandbox showed, on every built-in; a second e does not
// overwrite the first file.
func TestSandboxExportReplays(t *testing.T) {
	for _, name := range scenarios.Names() {
		t.Run(name, func(t *testing.T) {
			sb := openSandbox(t, name)
			sb.ExportDir = t.TempDir()
			sb = press(sb, lesson...)
			msg := sb.ExportYAML()().(sandboxExportedMsg)
			if msg.err != nil {
				t.Fatal(msg.err)
			}
			sb, _ = sb.Update(msg)
			if !strings.HasSuffix(sb.Log(), "wrote "+msg.path) || !strings.HasSuffix(msg.path, name+"-sandbox.yaml") {
				t.Fatalf("log %q, path %q", sb.Log(), msg.path)
			}
			s, err := scenarios.Load(msg.path)
			if err != nil {
				t.Fatal(err)
			}
			if s.Expect == nil || s.Expect.Lost == nil || s.Name != name+"-sandbox" {
				t.Errorf("name %q, expect %v", s.Name, s.Expect)
			}
			if !filepath.IsAbs(msg.path) {
				t.Errorf("the status says %q, not the full path", msg.path)
			}
			r, err := scenarios.Run(s, scenarios.Options{})
			if err != nil {
				t.Fatal(err)
			}
			// The frozen expectations hold (kafkasim check passes) ...
			if fails := s.Check(r); len(fails) > 0 {
				t.Fatalf("the exported expect block fails: %v", fails)
			}
			// ... and say something: a run that differs fails them.
			if r.Outcome.Counts.Lost+r.Outcome.Counts.Duplicated > 0 {
				other := *r
				other.Outcome.Counts.Lost, other.Outcome.Counts.Duplicated = 0, 0
				if len(s.Check(&other)) == 0 {
					t.Errorf("the expect block does not notice a run without its losses and duplicates")
				}
			}
			got := sb.Walk.X.R.Events()
			if len(r.Events()) < len(got) || !sameTimeline(got, r.Events()[:len(got)]) {
				t.Fatalf("the exported file replays to another timeline")
			}
			again := sb.ExportYAML()().(sandboxExportedMsg)
			if again.err != nil || !strings.HasSuffix(again.path, name+"-sandbox-2.yaml") {
				t.Fatalf("second export: %q %v", again.path, again.err)
			}
		})
	}
}

// sameTimeline compares a sandbox's timeline with its script's replay:
// the same events, but for what a crash's detail says of who asked for it.
func sameTimeline(sandbox, script []scenarios.Event) bool {
	if len(sandbox) != len(script) {
		return false
	}
	norm := func(e scenarios.Event) scenarios.Event {
		if e.Kind == scenarios.KindCrash {
			e.Detail = strings.Replace(e.Detail, SandboxNote, "scripted crash", 1)
		}
		return e
	}
	for i := range sandbox {
		if !reflect.DeepEqual(norm(sandbox[i]), norm(script[i])) {
			return false
		}
	}
	return true
}

func TestTopLevelKeepsCommentsAndColumnZeroLists(t *testing.T) {
	src := "---\n# the lesson\nname: x\nteaches:\n- a\n- b\n\n# where\ntopics:\n  - orders\nscript:\n- {at: 1s, do: crash, consumer: c1}\n"
	bs, err := topLevel(src)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, b := range bs {
		keys = append(keys, b.key)
	}
	if strings.Join(keys, ",") != "name,teaches,topics,script" {
		t.Fatalf("keys %v", keys)
	}
	if bs[0].text != "# the lesson\nname: x\n" || bs[1].text != "teaches:\n- a\n- b\n\n" || bs[2].text != "# where\ntopics:\n  - orders\n" {
		t.Fatalf("blocks %q", bs)
	}
	if _, err := topLevel("{name: x}\n"); err == nil {
		t.Fatal("a flow mapping should not split")
	}
}
