package export

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/kafkasim/kafkasim/scenarios"
)

func steps(t testing.TB, name string) *scenarios.Steps {
	t.Helper()
	s, err := scenarios.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	r, err := scenarios.Run(s, scenarios.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return scenarios.NewSteps(r)
}

// validXML parses an SVG with a strict XML decoder.
func validXML(t *testing.T, data []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	root := ""
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
			if se.Name.Space != "http://www.w3.org/2000/svg" {
				t.Fatalf("root element in namespace %q", se.Name.Space)
			}
		}
	}
	if root != "svg" {
		t.Fatalf("root element %q, want svg", root)
	}
}

// Every built-in, at its start, its middle and its end: the SVG is valid
// XML, names the time, shows each group, and has no script or external
// reference; the same step gives the same bytes.
func TestSVGIsValidAndDeterministic(t *testing.T) {
	for _, name := range scenarios.Names() {
		x := steps(t, name)
		for _, i := range []int{-1, x.Len() / 2, x.Len() - 1} {
			var a, b bytes.Buffer
			if err := SVG(&a, x, i, Options{}); err != nil {
				t.Fatal(err)
			}
			validXML(t, a.Bytes())
			if err := SVG(&b, steps(t, name), i, Options{}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Fatalf("%s step %d: two runs give different SVG bytes", name, i)
			}
			s := a.String()
			for _, g := range x.Groups {
				if !strings.Contains(s, "group "+g+":") {
					t.Errorf("%s step %d: no group %s", name, i, g)
				}
			}
			if strings.Contains(s, "<script") || strings.Contains(s, "href") {
				t.Errorf("%s: the SVG has a script or a link", name)
			}
		}
	}
}

// The SVG of auto-commit-loss after its crash shows the lost message's
// cell (X), the committed marker and the crash in c1's lane.
func TestSVGShowsTheLoss(t *testing.T) {
	x := steps(t, "auto-commit-loss")
	crash := -1
	for i := 0; i < x.Len(); i++ {
		if x.Event(i).Kind == scenarios.KindCrash {
			crash = i
			break
		}
	}
	var b bytes.Buffer
	if err := SVG(&b, x, crash, Options{}); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	lost := ">" + scenarios.FateLost.Symbol() + "</text>"
	if !strings.Contains(s, FateColor(scenarios.FateLost)) || !strings.Contains(s, lost) {
		t.Errorf("no lost cell in the SVG after the crash")
	}
	if !strings.Contains(s, "orders[0]  end 5  committed 1") || !strings.Contains(s, "&gt; T=6s c1 crash") {
		t.Errorf("the SVG does not show the partition's header or the step:\n%.2000s", s)
	}
}

func htmlOf(t *testing.T, name string) string {
	t.Helper()
	var b strings.Builder
	if err := HTML(&b, steps(t, name), Options{}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// The HTML is one file: no network, no other file; its data parses; two
// runs give the same bytes.
func TestHTMLIsSelfContainedAndDeterministic(t *testing.T) {
	for _, name := range scenarios.Names() {
		h := htmlOf(t, name)
		if h != htmlOf(t, name) {
			t.Fatalf("%s: two runs give different HTML", name)
		}
		for _, bad := range []string{"http://", "https://", "src=", "href=", "@import", "url("} {
			if strings.Contains(h, bad) {
				t.Errorf("%s: the page refers to something outside it (%q)", name, bad)
			}
		}
		i := strings.Index(h, `<script id="data" type="application/json">`)
		j := strings.Index(h[i:], "</script>")
		if i < 0 || j < 0 {
			t.Fatalf("%s: no data", name)
		}
		var d htmlData
		if err := json.Unmarshal([]byte(h[i+len(`<script id="data" type="application/json">`):i+j]), &d); err != nil {
			t.Fatalf("%s: the embedded data does not parse: %v", name, err)
		}
		if len(d.Steps) != steps(t, name).Len() || len(d.Moments) == 0 {
			t.Errorf("%s: %d steps, %d moments", name, len(d.Steps), len(d.Moments))
		}
	}
}
