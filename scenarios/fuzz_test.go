package scenarios

import (
	"errors"
	"testing"

	"github.com/goccy/go-yaml/parser"
)

// FuzzLoad checks that the loader never panics, that every rejection is
// a positioned LoadErrors, and that the input limits' scanner never counts
// less nesting than the parser then builds (so no deep file slips past
// it). The seed corpus is in testdata/fuzz/FuzzLoad plus the built-in
// library.
func FuzzLoad(f *testing.F) {
	for _, n := range Names() {
		data, err := libraryFS.ReadFile("library/" + n + ".yaml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err != nil {
			checkLoadErrors(t, err)
		} else if s == nil {
			t.Fatal("nil scenario without error")
		}
		clean, lerr := preflight("fuzz.yaml", data)
		if lerr != nil {
			return
		}
		if f, perr := parser.ParseBytes(clean, 0); perr == nil {
			sc := limitScanner{data: clean}
			_ = sc.scan()
			for _, d := range f.Docs {
				if got := astDepth(d); got > sc.deepest {
					t.Fatalf("the parser nests %d deep, the scanner counted %d", got, sc.deepest)
				}
			}
		}
	})
}

// checkLoadErrors fails t unless err is a non-empty, positioned
// LoadErrors, and not an internal error (a panic while parsing).
func checkLoadErrors(t *testing.T, err error) {
	t.Helper()
	if errors.Is(err, ErrInternal) {
		t.Fatalf("internal error: %v", err)
	}
	var le LoadErrors
	if !errors.As(err, &le) || len(le) == 0 || !errors.Is(err, ErrInvalid) {
		t.Fatalf("error is not a positioned LoadErrors: %T %v", err, err)
	}
	for _, e := range le {
		if e.Pos.Line < 1 || e.Pos.Col < 1 {
			t.Fatalf("error without a position: %v", e)
		}
	}
}
