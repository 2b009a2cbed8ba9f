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
// parser's, where the text would fool a naive count.
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
	} {
		f, err := parser.ParseBytes([]byte(src), 0)
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		want := 0
		for _, d := range f.Docs {
			want = max(want, astDepth(d))
		}
		if got := scanDepth(t, []byte(src)); got != want {
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
