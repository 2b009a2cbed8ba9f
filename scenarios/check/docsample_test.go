package check_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/scenarios/check"
)

// docSamples are the failure reports docs/ shows (docs/testing.md, and
// docs/getting-started-go.md, whose commands TestGettingStartedGo runs):
// each is the report of a counterexample kept in testdata/samples,
// replayed with the configuration that found it. The document names the
// file as a user's test would have saved it.
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
	// The same counterexample as handler-before-process, saved where the
	// getting-started page's KAFKASIM_FAILURES puts it.
	"getting-started-audit": {"testdata/samples/audit.yaml", "/home/you/work/audit/failures/TestAuditIsAtLeastOnce.yaml",
		check.Config{Guarantee: check.AtLeastOnce, Handler: check.Handler{Strategy: check.CommitBeforeProcess}}},
}

var sampleBlock = regexp.MustCompile("(?s)<!-- sample: (\\S+) -->\n+```text\n(.*?)```")

// TestDocSamples: every sample output in docs/ marked
// "<!-- sample: NAME -->" is what the check prints for it, byte for byte,
// and every sample is shown. KAFKASIM_UPDATE_DOCS=1 rewrites them.
func TestDocSamples(t *testing.T) {
	files, err := filepath.Glob("../../docs/*.md")
	if err != nil || len(files) == 0 {
		t.Fatalf("no docs: %v", err)
	}
	seen := map[string]bool{}
	for _, path := range files {
		doc, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var failed []string
		out := sampleBlock.ReplaceAllStringFunc(string(doc), func(block string) string {
			m := sampleBlock.FindStringSubmatch(block)
			name, shown := m[1], m[2]
			seen[name] = true
			s, ok := docSamples[name]
			if !ok {
				failed = append(failed, path+" has a sample this test does not know: "+name)
				return block
			}
			f := check.Replay(t, s.file, s.cfg)
			if f == nil {
				failed = append(failed, name+": the counterexample passes now")
				return block
			}
			got := strings.ReplaceAll(f.Error(), s.file, s.shown)
			if got != shown {
				failed = append(failed, "sample "+name+" in "+path+" differs from the real output:\n"+got+"\n--- the document has:\n"+shown)
			}
			return "<!-- sample: " + name + " -->\n\n```text\n" + got + "```"
		})
		if os.Getenv("KAFKASIM_UPDATE_DOCS") != "" {
			if out != string(doc) {
				if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			continue
		}
		for _, f := range failed {
			t.Error(f)
		}
		// Reports shown without a marker are not checked: say so.
		for _, block := range fence.FindAllString(string(doc), -1) {
			if strings.Contains(block, "broke a rule") && !strings.Contains(out, "-->\n\n"+block) {
				t.Logf("%s shows a report that no test checks (mark it <!-- sample: NAME --> and add it to docSamples)", path)
			}
		}
	}
	for name := range docSamples {
		if !seen[name] {
			t.Errorf("no page of docs/ shows sample %s", name)
		}
	}
}

var fence = regexp.MustCompile("(?s)```[a-z]*\n.*?```")
