package scenarios

import (
	"errors"
	"testing"
)

// FuzzLoad checks that the loader never panics and that every rejection is
// a positioned LoadErrors. The seed corpus is in testdata/fuzz/FuzzLoad
// plus the built-in library.
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
			var le LoadErrors
			if !errors.As(err, &le) || len(le) == 0 || !errors.Is(err, ErrInvalid) {
				t.Fatalf("error is not a positioned LoadErrors: %T %v", err, err)
			}
			for _, e := range le {
				if e.Pos.Line < 1 || e.Pos.Col < 1 {
					t.Fatalf("error without a position: %v", e)
				}
			}
			return
		}
		if s == nil {
			t.Fatal("nil scenario without error")
		}
	})
}
