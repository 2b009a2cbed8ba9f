package check_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestGettingStartedGo runs docs/getting-started-go.md as a reader would:
// the page's Go files (audit.go, cmd/audit/main.go, audit_test.go) in a
// fresh module that requires this repository through a replace
// directive, its commands, and compares what they print with what the
// page shows. The failure report it shows is a checked sample
// (TestDocSamples); here the test only has to fail with the same rule.
// The kafkasim check step runs on that sample's counterexample, so that
// its output (a line and column in the file) is the page's.
//
// Offline: the module cache has every module this repository needs, and
// the new module needs no other (GOPROXY=off).
func TestGettingStartedGo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a module of its own with the go command (seconds): the full run checks it")
	}
	const page = "../../docs/getting-started-go.md"
	raw, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "audit")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command: %v", err)
	}
	run := func(wantFail bool, env []string, name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "KAFKASIM_") { // the page's commands run with none set
				cmd.Env = append(cmd.Env, kv)
			}
		}
		cmd.Env = append(cmd.Env, "GOPROXY=off", "GOSUMDB=off", "GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local")
		cmd.Env = append(cmd.Env, env...)
		out, err := cmd.CombinedOutput()
		if (err != nil) != wantFail {
			t.Fatalf("%s %s: %v (want failure: %v)\n%s", name, strings.Join(args, " "), err, wantFail, out)
		}
		return string(out)
	}
	gocmd := func(args ...string) string { t.Helper(); return run(false, nil, goCmd, args...) }

	// Section 1: the module, its replace pointing at this repository.
	gocmd("mod", "init", "example.com/audit")
	gocmd("mod", "edit", "-require=github.com/kafkasim/kafkasim@v0.0.0", "-replace=github.com/kafkasim/kafkasim="+repo)
	// Sections 2 and 3: the files, as the page gives them.
	for _, f := range []string{"audit.go", "cmd/audit/main.go", "audit_test.go"} {
		src := codeAfter(t, doc, "`"+f+"`:\n", "go")
		path := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gocmd("mod", "tidy")
	if got, want := gocmd("run", "./cmd/audit"), outputAfter(t, doc, "go run ./cmd/audit\n"); got != want {
		t.Errorf("go run ./cmd/audit printed\n%s\nthe page shows\n%s", got, want)
	}
	elapsed := regexp.MustCompile(`\t([0-9.]+s|\(cached\))\n`)
	if got, want := gocmd("test", "./..."), outputAfter(t, doc, "go mod tidy\ngo test ./...\n"); elapsed.ReplaceAllString(got, "\tTIME\n") != elapsed.ReplaceAllString(want, "\tTIME\n") {
		t.Errorf("go test ./... printed\n%s\nthe page shows\n%s", got, want)
	}

	// "When a guarantee breaks": the strategy line the page gives, in
	// place of the test's own.
	line := strings.TrimSpace(codeAfter(t, doc, "still claims at-least-once:\n", "go"))
	test := filepath.Join(dir, "audit_test.go")
	src, err := os.ReadFile(test)
	if err != nil {
		t.Fatal(err)
	}
	strategy := regexp.MustCompile(`Strategy: +check\.\w+,`)
	if !strategy.Match(src) || !strategy.MatchString(line) {
		t.Fatalf("no strategy line to change (page: %q)", line)
	}
	if err := os.WriteFile(test, strategy.ReplaceAll(src, []byte(line)), 0o644); err != nil {
		t.Fatal(err)
	}
	failures := filepath.Join(dir, "failures")
	out := run(true, []string{"KAFKASIM_FAILURES=" + failures}, goCmd, "test", "./...")
	report := sampleIn(t, doc, "getting-started-audit")
	rule, _, _ := strings.Cut(strings.Split(report, "\n")[1], " c1 committed")
	if !strings.Contains(out, "--- FAIL: TestAuditIsAtLeastOnce") || !strings.Contains(out, strings.TrimSpace(rule)) {
		t.Errorf("the failing test did not break %q:\n%s", strings.TrimSpace(rule), out)
	}
	saved := filepath.Join(failures, "TestAuditIsAtLeastOnce.yaml")
	if _, err := os.Stat(saved); err != nil {
		t.Fatalf("no counterexample saved: %v\n%s", err, out)
	}

	// Section 4: kafkasim as a tool of the module, on the sample's
	// counterexample (the one whose report the page shows).
	sample, err := os.ReadFile("testdata/samples/audit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(saved, sample, 0o644); err != nil {
		t.Fatal(err)
	}
	cmds := strings.Split(strings.TrimSpace(codeAfter(t, doc, "**A tool of your module**", "sh")), "\n")
	if len(cmds) != 3 || cmds[0] != "go mod edit -tool=github.com/kafkasim/kafkasim/cmd/kafkasim" || cmds[1] != "go mod tidy" {
		t.Fatalf("the page's tool commands changed: %q", cmds)
	}
	gocmd("mod", "edit", "-tool=github.com/kafkasim/kafkasim/cmd/kafkasim")
	gocmd("mod", "tidy")
	args := strings.Fields(cmds[2])
	got := run(true, nil, goCmd, args[1:]...)
	if want := outputAfter(t, doc, cmds[2]+"\n"); got != want {
		t.Errorf("%s printed\n%s\nthe page shows\n%s", cmds[2], got, want)
	}
}

// codeAfter is the first fenced block of language lang after marker.
func codeAfter(t *testing.T, doc, marker, lang string) string {
	t.Helper()
	i := strings.Index(doc, marker)
	if i < 0 {
		t.Fatalf("the page has no %q", marker)
	}
	open := "```" + lang + "\n"
	j := strings.Index(doc[i:], open)
	if j < 0 {
		t.Fatalf("no ```%s block after %q", lang, marker)
	}
	body := doc[i+j+len(open):]
	k := strings.Index(body, "```")
	if k < 0 {
		t.Fatalf("unterminated block after %q", marker)
	}
	return body[:k]
}

// outputAfter is the output block (``` or ```text) that follows the
// ```sh block whose last lines are cmds.
func outputAfter(t *testing.T, doc, cmds string) string {
	t.Helper()
	i := strings.Index(doc, cmds+"```\n")
	if i < 0 {
		t.Fatalf("the page has no command block ending %q", cmds)
	}
	rest := doc[i+len(cmds)+4:]
	for _, open := range []string{"\n```\n", "\n```text\n"} {
		if strings.HasPrefix(rest, open) {
			body := rest[len(open):]
			return body[:strings.Index(body, "```")]
		}
	}
	t.Fatalf("no output block right after %q", cmds)
	return ""
}

// sampleIn is the body of the page's sample NAME (docsample_test.go).
func sampleIn(t *testing.T, doc, name string) string {
	t.Helper()
	for _, m := range sampleBlock.FindAllStringSubmatch(doc, -1) {
		if m[1] == name {
			return m[2]
		}
	}
	t.Fatalf("the page has no sample %s", name)
	return ""
}
