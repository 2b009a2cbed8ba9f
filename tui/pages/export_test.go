package pages

import (
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
			if s.Expect != nil || s.Name != name+"-sandbox" {
				t.Errorf("name %q, expect %v", s.Name, s.Expect)
			}
			r, err := scenarios.Run(s, scenarios.Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := sb.Walk.X.R.Events()
			if len(r.Events()) < len(got) || !reflect.DeepEqual(got, r.Events()[:len(got)]) {
				t.Fatalf("the exported file replays to another timeline")
			}
			again := sb.ExportYAML()().(sandboxExportedMsg)
			if again.err != nil || !strings.HasSuffix(again.path, name+"-sandbox-2.yaml") {
				t.Fatalf("second export: %q %v", again.path, again.err)
			}
		})
	}
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
