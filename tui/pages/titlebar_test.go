package pages

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/kafkasim/kafkasim/tui/common"
)

// A title bar keeps its status (time, step, play state) whole and cuts the
// title when both do not fit; it is always exactly the width.
func TestTitleBarKeepsTheStatus(t *testing.T) {
	c := common.New()
	status := "T=1m3.1s  18/18  paused 2 steps/s "
	for _, w := range []int{80, 60, 50} {
		got := ansi.Strip(titleBar(c, " kafkasim · compare · manual-commit-duplicates", status, w))
		if n := ansi.StringWidth(got); n != w {
			t.Errorf("width %d: bar is %d wide: %q", w, n, got)
		}
		if !strings.HasSuffix(got, status) {
			t.Errorf("width %d: status lost: %q", w, got)
		}
		if !strings.HasPrefix(got, " kafkasim") {
			t.Errorf("width %d: title lost: %q", w, got)
		}
	}
	// Too narrow for a useful title beside the status: the title wins.
	if got := ansi.Strip(titleBar(c, " kafkasim · compare", status, 30)); !strings.HasPrefix(got, " kafkasim · compare") {
		t.Errorf("narrow: %q", got)
	}
}
