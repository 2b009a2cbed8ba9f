package check_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/scenarios/check"
)

// docSamples are the failure reports docs/testing.md shows: each is the
// report of a counterexample kept in testdata/samples, replayed with the
// configuration that found it. The document names the file as a user's
// test would have saved it.
var docSamples = map[string]struct {
	file, shown string
	cfg         check.Config
}{
	"handler-before-process": {"testdata/samples/audit.yaml", "testdata/kafkasim/TestAudit.yaml",
		check.Config{Guarantee: check.AtLeastOnce, Handler: check.Handler{Strategy: check.CommitBeforeProcess}}},
	"app-worker-pool": {"testdata/samples/workerpool.yaml", "testdata/kafkasim/TestWorkerPool.yaml",
		check.Config{App: workerPoolApp, Topic: topic, Guarantee: check.AtLeastOnce, Consumer: client.ConfigMap{"enable.auto.commit": false}}},
	"app-hang": {"testdata/samples/ignorectx.yaml", "testdata/kafkasim/TestIgnoresCtx.yaml",
		check.Config{App: ignoresCtxApp, Topic: topic, Guarantee: check.AtLeastOnce, Consumer: client.ConfigMap{"enable.auto.commit": false}}},
}

var sampleBlock = regexp.MustCompile("(?s)<!-- sample: (\\S+) -->\n+```text\n(.*?)```")

// TestDocSamples: every sample output in docs/testing.md is what the check
// prints for it, byte for byte. KAFKASIM_UPDATE_DOCS=1 rewrites them.
func TestDocSamples(t *testing.T) {
	const path = "../../docs/testing.md"
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var failed []string
	out := sampleBlock.ReplaceAllStringFunc(string(doc), func(block string) string {
		m := sampleBlock.FindStringSubmatch(block)
		name, shown := m[1], m[2]
		seen[name] = true
		s, ok := docSamples[name]
		if !ok {
			failed = append(failed, "docs/testing.md has a sample this test does not know: "+name)
			return block
		}
		f := check.Replay(t, s.file, s.cfg)
		if f == nil {
			failed = append(failed, name+": the counterexample passes now")
			return block
		}
		got := strings.ReplaceAll(f.Error(), s.file, s.shown)
		if got != shown {
			failed = append(failed, "sample "+name+" differs from the real output:\n"+got+"\n--- docs/testing.md has:\n"+shown)
		}
		return "<!-- sample: " + name + " -->\n\n```text\n" + got + "```"
	})
	for name := range docSamples {
		if !seen[name] {
			failed = append(failed, "docs/testing.md does not show sample "+name)
		}
	}
	if os.Getenv("KAFKASIM_UPDATE_DOCS") != "" {
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	for _, f := range failed {
		t.Error(f)
	}
}
