package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/kafkasim/kafkasim/tui/pages"
)

// At 80x24 compare mode on a protocol lesson opens on the consumer
// protocol, with the scenario as written on the left; ctrl+g goes through
// the groups, each column showing that group's consumers' lanes (all
// three of "eager": e1, e2, e3), and the two runs part on the crash:
// classic eager against KIP-848.
func TestCompareProtocolsAt80x24(t *testing.T) {
	m := open(t, Options{Scenario: "protocols-crash"}, 80, 24)
	drive(t, m, keys("c")...)
	if m.top() != screenCompare {
		t.Fatalf("c did not open compare mode:\n%s", m.View())
	}
	v := m.View()
	if got := pages.CompareVariants[m.cmp.Right].Label; got != pages.VariantKIP848 || !strings.Contains(v, "as written, auto-commit") || !strings.Contains(v, "KIP-848 (group.protocol=consumer)") {
		t.Fatalf("compare opened on %q:\n%s", got, v)
	}
	if m.cmp.Group() != "coop" || !strings.Contains(v, "group coop (1 of 3, ctrl+g: next group)") {
		t.Fatalf("first group %q:\n%s", m.cmp.Group(), v)
	}
	drive(t, m, tea.KeyMsg{Type: tea.KeyCtrlG})
	drive(t, m, keys("end")...)
	v = m.View()
	checkFrame(t, v, 80, 24)
	if m.cmp.Group() != "eager" {
		t.Fatalf("ctrl+g: group %q", m.cmp.Group())
	}
	for _, lane := range []string{" e1 ", " e2 ", " e3 "} {
		if strings.Count(v, lane) < 2 {
			t.Errorf("lane%qnot in both columns:\n%s", lane, v)
		}
	}
	if strings.Contains(v, " k1 ") || strings.Contains(v, " n1 ") {
		t.Errorf("another group's lanes in compare mode:\n%s", v)
	}
	// The eager group's crash: on the left e3's partitions waited for a
	// classic rebalance, on the right for the broker's session under
	// KIP-848; both runs' timelines say so.
	var leftRebalance, rightReconcile bool
	for _, e := range m.cmp.Left().Events() {
		leftRebalance = leftRebalance || (e.Group == "eager" && e.Kind == "revoke" && e.Actor == "e1" && e.At > 60e9)
	}
	for _, e := range m.cmp.RightResult().Events() {
		rightReconcile = rightReconcile || (e.Group == "eager" && strings.HasPrefix(e.Detail, "reconcile: "))
	}
	if !leftRebalance || !rightReconcile {
		t.Errorf("left eager rebalance %v, right KIP-848 reconciliation %v", leftRebalance, rightReconcile)
	}
}

// At 80x24 a lesson with nine consumers in three groups has no room for
// every lane: the walk shows the lanes of the group its partitions panel
// shows, and ctrl+g changes both.
func TestWalkLanesOfTheGroupShown(t *testing.T) {
	m := open(t, Options{Scenario: "protocols-scale-out"}, 80, 24)
	drive(t, m, tea.KeyMsg{Type: tea.KeyCtrlG}, tea.KeyMsg{Type: tea.KeyCtrlG})
	drive(t, m, keys("]", "]", "]", "]", "]", "]", "]", "]", "]", "]")...)
	v := m.View()
	checkFrame(t, v, 80, 24)
	if !strings.Contains(v, "group next (3 of 3") {
		t.Fatalf("ctrl+g twice:\n%s", v)
	}
	for _, lane := range []string{" n1 ", " n2 ", " n3 ", " g:next "} {
		if !strings.Contains(v, lane) {
			t.Errorf("no lane%q:\n%s", lane, v)
		}
	}
	if strings.Contains(v, " e1 ") || strings.Contains(v, " k2 ") {
		t.Errorf("lanes of other groups:\n%s", v)
	}
}
