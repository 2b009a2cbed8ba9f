package tui_test

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/kafkasim/kafkasim/tui"
)

// Run is what the CLI calls: `kafkasim` opens the picker, `kafkasim tui
// NAME|FILE` opens the walkthrough of a scenario. It needs a terminal, so
// this example is compiled but not run.
func ExampleRun() {
	if err := tui.Run(tui.Options{Scenario: "auto-commit-loss"}); err != nil {
		fmt.Println(err)
	}
}

// New returns the root model, which can be driven without a terminal:
// give it a size, run its Init command (it loads and runs the scenario),
// press keys and read the screen.
func ExampleNew() {
	m := tui.New(tui.Options{Scenario: "auto-commit-loss"})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m.Update(m.Init()())                   // the loaded run
	m.Update(tea.KeyMsg{Type: tea.KeyEnd}) // the last step
	screen := m.View()
	fmt.Println(strings.Contains(screen, "-- Outcome --"))
	fmt.Println(strings.Contains(screen, "LOST orders[0]@0"))
	// Output:
	// true
	// true
}
