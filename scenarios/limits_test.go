package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// astDepth is the deepest nesting of mappings and lists in a parsed file,
// as the scanner of limits.go counts it.
func astDepth(n ast.Node) int {
	switch x := n.(type) {
	case nil:
		return 0
	case *ast.DocumentNode:
		return astDepth(x.Body)
	case *ast.AnchorNode:
		return astDepth(x.Value)
	case *ast.TagNode:
		return astDepth(x.Value)
	case *ast.MappingNode:
		d := 0
		for _, v := range x.Values {
			d = max(d, astDepth(v.Key), astDepth(v.Value))
		}
		return 1 + d
	case *ast.MappingValueNode:
		return 1 + max(astDepth(x.Key), astDepth(x.Value))
	case *ast.MappingKeyNode:
		return astDepth(x.Value)
	case *ast.SequenceNode:
		d := 0
		for _, v := range x.Values {
			d = max(d, astDepth(v))
		}
		return 1 + d
	}
	return 0
}

// scanDepth is the scanner's measure of data (which must pass the limits).
func scanDepth(t *testing.T, data []byte) int {
	t.Helper()
	sc := limitScanner{data: data}
	if e := sc.scan(); e != nil {
		t.Fatalf("scanner refused: %v", e)
	}
	return sc.deepest
}

// TestLimitScannerMeasuresTheLibrary: on every built-in the scanner
// counts the nesting the parser builds, and no scenario needs more than
// the 6 levels the error message says.
func TestLimitScannerMeasuresTheLibrary(t *testing.T) {
	deepest := 0
	for _, n := range Names() {
		data, err := libraryFS.ReadFile("library/" + n + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseBytes(data, 0)
		if err != nil {
			t.Fatal(err)
		}
		want := astDepth(f.Docs[0])
		if got := scanDepth(t, data); got != want {
			t.Errorf("%s: scanner depth %d, parser %d", n, got, want)
		}
		deepest = max(deepest, want)
	}
	if deepest > 6 {
		t.Errorf("a built-in nests %d deep; the depth error says a scenario needs 6", deepest)
	}
}

// TestLimitScannerDepth: the scanner's depth on YAML shapes, against the
// parser's, where the text would fool a naive count, and where the parser
// reads YAML its own way (the cases FuzzLoad found).
func TestLimitScannerDepth(t *testing.T) {
	for _, src := range []string{
		"a: 1\n",
		"a:\n- x\n- y\nb: 2\n",
		"a:\n  - b:\n      - c: [1, {d: 2}]\n",
		"- - - x\n",
		"- a: 1\n  b: [x, [y]]\n- c\n",
		"say: |\n  text [[[[ {{{{ - - -\n  a: b\n\n  more\nnext: 1\n",
		"say: >-\n    folded [[[\n    text\nn: 1\n",
		"say: \"quoted [[[ {{{\n  on two lines\"\nn: {a: [1]}\n",
		"say: 'it''s [[[ here'\nn: 1\n",
		"k: v # comment [[[[\n",
		"k: orders[0] and {this}\n",
		"a: &x [1, 2]\nb: *x\nc: !!seq [3]\n",
		"? complex\n: value\n",
		"---\na: [1]\n---\nb: {c: {d: 1}}\n",
		"a: [1, 2,\n  [3, 4],\n  \"x]\"]\nb: 1\n",
		"a: {b: 'x}', c: \"y]\"}\n",
		"a:\n  b:\n    c:\n      d:\n        e: 1\n",
		"topics: [t]\nconsumers:\n  - {id: c1, group: g, topics: [t], processing: {fail_offsets: [1, 2]}}\n",
		// Found by FuzzLoad: an alias as a key, single-pair mappings in
		// flow lists.
		"0: !000000 |\n10:\n  - * 00: ",
		"a: *x\n*y : 1\n",
		"consumers:\n  - config:\n      enable.auto.commit: !0000\n0000000000000000000000000000: 0",
		"a: &x\n  b: 1\nc: *x\n",
		"000000000:\n  -\n  {}",
		"consumers:\n  - {c\"0000:{00\"00}}\n",
		"a:\n  b:\n  -\n  c: 1\n",
		"a:\n-\nb: 1\n",
		"0:\n  - {0:{00:\"0,\"}}\n  - - {0:{0}}",
		"0: |\n \n!: \n 0:",
		"a:\nconsumers:\n  ! 0:\n   0000000:\n      0: 0\nb: 0",
		"0: |\n \n\": \n 0:",
		"0: \n 00\n:",
		"000000:\n[]",
		"topics:\n  &00\n0: #0\n1:2:\n    #0\n      {0}",
		"topics:\n  & 0\n000000000:0000000000: 0",
		"a:\n  {0: \"\":0,} ",
		"\r  0:\n   0:",
		"a:\r\n  b: [1]\r\n",
		"0: !0: #0\n000000:000000: \n 0000: !00\n00",
		"{0]00:{0}}",
		"a: [b: c, d]\n",
		"a: [b: [c: d]]\n",
		"a: [\"k\": v]\n",
		"a: {b: [c: d]}\n",
	} {
		f, err := parser.ParseBytes([]byte(src), 0)
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		want := 0
		for _, d := range f.Docs {
			want = max(want, astDepth(d))
		}
		// The scanner may count one more where the parser's reading is
		// uncertain (": " at the start of a line), never less.
		if got := scanDepth(t, []byte(src)); got < want || got > want+1 {
			t.Errorf("%q: scanner depth %d, parser %d", src, got, want)
		}
	}
}

// TestInputLimits: files over a limit are refused before parsing, with a
// position and the limit, as ErrTooLarge (and ErrInvalid).
func TestInputLimits(t *testing.T) {
	deep := func(open, close string, n int) string {
		return "a: " + strings.Repeat(open, n) + strings.Repeat(close, n) + "\n"
	}
	cases := []struct {
		name, data, pos, want string
	}{
		{"flow lists", deep("[", "]", 50_000), "x.yaml:1:35:", "nested more than 32 levels deep"},
		{"flow maps", deep("{a: ", "}", 1000), "x.yaml:1:", "nested more than 32 levels deep"},
		{"block dashes", strings.Repeat("- ", 100_000) + "x\n", "x.yaml:1:65:", "nested more than 32 levels deep"},
		{"dashes after a key", "a: " + strings.Repeat("- ", 100_000) + "x\n", "x.yaml:1:", "nested more than 32 levels deep"},
		{"keys on one line", strings.Repeat("a: ", 50_000) + "x\n", "x.yaml:1:", "nested more than 32 levels deep"},
		{"indentation", func() string {
			var b strings.Builder
			for i := range 40 {
				b.WriteString(strings.Repeat(" ", i) + "k:\n")
			}
			return b.String()
		}(), "x.yaml:33:33:", "nested more than 32 levels deep"},
		{"wide list", "a: [" + strings.Repeat("1,", 150_000) + "1]\n", "x.yaml:1:", "more than 100000 YAML nodes"},
		{"many keys", strings.Repeat("- {at: 1s, do: say, say: hi}\n", 30_000), "x.yaml:", "more than 100000 YAML nodes"},
		{"too big", "#" + strings.Repeat("x", MaxFileSize), "x.yaml:1:1:", "the file is larger than 1 MiB"},
		// Each of these took the parser (or its error message) seconds to
		// minutes: a token each, counted as nodes.
		{"empty entries", "a: [" + strings.Repeat(",", 200_000) + "]\n", "x.yaml:1:", "more than 100000 YAML nodes"},
		{"aliases", "a: " + strings.Repeat("*a ", 200_000) + "\n", "x.yaml:1:", "more than 100000 YAML nodes"},
		{"documents", strings.Repeat("---\n", 200_000), "x.yaml:100001:1:", "more than 100000 YAML nodes"},
		{"tags", strings.Repeat("!t ", 200_000) + "\n", "x.yaml:1:7:", "more than a tag and an anchor in a row"},
		{"tags in a list", "a: [" + strings.Repeat("!t\n", 200_000) + "]\n", "x.yaml:3:1:", "more than a tag and an anchor in a row"},
	}
	for _, c := range cases {
		_, err := Parse("x.yaml", []byte(c.data))
		if !errors.Is(err, ErrTooLarge) || !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: got %v, want ErrTooLarge", c.name, err)
			continue
		}
		if msg := err.Error(); !strings.HasPrefix(msg, c.pos) || !strings.Contains(msg, c.want) {
			t.Errorf("%s: got %q, want %s... %s", c.name, msg, c.pos, c.want)
		}
	}
}

// TestInputLimitsLeaveText: brackets, dashes and keys inside text (block,
// quoted and plain scalars, comments) are not structure.
func TestInputLimitsLeaveText(t *testing.T) {
	brackets := strings.Repeat("[", 100)
	src := "name: text\n" +
		"description: |\n  " + brackets + "\n  - - - - a: b: c:\n" +
		"summary: \"" + brackets + "\"\n" +
		"teaches: ['" + brackets + "', x]\n" +
		"# " + brackets + "\n" +
		"topics: [t] # " + brackets + "\n"
	if _, err := Parse("x.yaml", []byte(src)); err != nil {
		t.Fatal(err)
	}
}

// TestLoadReadsAtMostTheLimit: an endless file is refused after
// MaxFileSize bytes, not read to the end.
func TestLoadReadsAtMostTheLimit(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	_, err := Load("/dev/zero")
	if !errors.Is(err, ErrTooLarge) || !strings.HasPrefix(err.Error(), "/dev/zero:1:1: the file is larger than 1 MiB") {
		t.Fatalf("got %v", err)
	}
}

// TestByteOrderMark: a UTF-8 byte order mark at the start is skipped, and
// positions after it are unchanged; UTF-16 is named.
func TestByteOrderMark(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bom.yaml")
	if err := os.WriteFile(file, []byte("\uFEFFname: bom\ntopics: [t]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "bom" {
		t.Errorf("name %q", s.Name)
	}
	_, err = Parse("bom.yaml", []byte("\uFEFFname: bom\nbogus: 1\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "bom.yaml:2:1: scenario: unknown field \"bogus\"") {
		t.Errorf("got %v", err)
	}
	_, err = Parse("u16.yaml", []byte{0xFF, 0xFE, 'n', 0, 'a', 0})
	if err == nil || !strings.Contains(err.Error(), "UTF-16: save it as UTF-8") {
		t.Errorf("got %v", err)
	}
}

// TestEmptyExtraDocument: an empty second document is a mistake in the
// file at its "---" (finding the position panicked: found by FuzzLoad).
func TestEmptyExtraDocument(t *testing.T) {
	_, err := Parse("x.yaml", []byte("0\n---"))
	if errors.Is(err, ErrInternal) || err == nil || !strings.Contains(err.Error(), "x.yaml:2:1: expected one YAML document, found 2") {
		t.Fatalf("got %v", err)
	}
}
