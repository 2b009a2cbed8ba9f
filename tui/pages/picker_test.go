package pages

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/kafkasim/kafkasim/tui/common"
)

// TestPickerShowsWhatTheSelectionTeaches: at 80x24, with more scenarios
// than fit, the list leaves the bottom rows to what the selected scenario
// teaches (they used to stay blank when the list was full).
func TestPickerShowsWhatTheSelectionTeaches(t *testing.T) {
	var items []Item
	for i := range 30 {
		items = append(items, Item{Name: fmt.Sprintf("scenario-%02d", i), Summary: "a summary",
			Teaches: []string{fmt.Sprintf("lesson one of %d", i), "lesson two", "lesson three"}})
	}
	c := common.New()
	c.Width, c.Height = 80, 24
	p := NewPicker(c, items)
	view := ansi.Strip(p.View())
	lines := strings.Split(view, "\n")
	if len(lines) != 24 {
		t.Fatalf("view has %d lines, want 24", len(lines))
	}
	for _, want := range []string{"teaches:", "- lesson one of 0", "- lesson three", "scenario-00", "scenario-16"} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q:\n%s", want, view)
		}
	}
}
