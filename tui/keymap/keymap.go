// Package keymap is the one set of key bindings of the kafkasim terminal UI.
// Every screen reads its keys from a KeyMap and shows them through the help
// bubble, so the key bar and the ? screen never disagree with what the keys
// do.
package keymap

import "github.com/charmbracelet/bubbles/key"

// KeyMap holds every binding. Screens enable the subset they use.
type KeyMap struct {
	// Walkthrough.
	PlayPause  key.Binding
	Prev, Next key.Binding
	PrevNote   key.Binding
	NextNote   key.Binding
	Home, End  key.Binding
	Faster     key.Binding
	Slower     key.Binding
	Focus      key.Binding
	Compare    key.Binding
	Sandbox    key.Binding
	// Variant changes compare mode's right-hand run.
	Variant key.Binding
	Group   key.Binding
	// ZoomIn and ZoomOut narrow and widen the swimlanes' time window.
	ZoomIn, ZoomOut key.Binding

	// Sandbox actions.
	Crash     key.Binding
	StartCons key.Binding
	CloseCons key.Binding
	Produce   key.Binding
	Broker    key.Binding
	Stall     key.Binding
	Advance   key.Binding
	Select    key.Binding
	Export    key.Binding

	// Picker.
	Up, Down key.Binding
	Open     key.Binding
	OpenFile key.Binding
	Filter   key.Binding

	// Everywhere.
	Help key.Binding
	Back key.Binding
	Quit key.Binding
}

// Default is the default key map.
func Default() *KeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return &KeyMap{
		PlayPause: b([]string{" "}, "space", "play/pause"),
		Prev:      b([]string{"left", "h"}, "←", "previous step"),
		Next:      b([]string{"right", "l"}, "→", "next step"),
		PrevNote:  b([]string{"shift+left", "H", "["}, "⇧← [", "previous notable event"),
		NextNote:  b([]string{"shift+right", "L", "]"}, "⇧→ ]", "next notable event"),
		Home:      b([]string{"home", "g"}, "home", "before the first step"),
		End:       b([]string{"end", "G"}, "end", "last step (outcome)"),
		Faster:    b([]string{"+", "="}, "+", "play faster"),
		Slower:    b([]string{"-", "_"}, "-", "play slower"),
		Focus:     b([]string{"tab"}, "tab", "focus"),
		Compare:   b([]string{"c"}, "c", "compare"),
		Sandbox:   b([]string{"s"}, "s", "sandbox"),
		Variant:   b([]string{"v"}, "v", "next right-hand run"),
		Group:     b([]string{"ctrl+g"}, "ctrl+g", "next group"),
		ZoomIn:    b([]string{"i"}, "i", "zoom lanes in"),
		ZoomOut:   b([]string{"o"}, "o", "zoom lanes out"),

		Crash:     b([]string{"x"}, "x", "crash"),
		StartCons: b([]string{"r"}, "r", "start/restart"),
		CloseCons: b([]string{"C"}, "C", "close"),
		Produce:   b([]string{"p"}, "p", "produce 5"),
		Broker:    b([]string{"b"}, "b", "broker down/up"),
		Stall:     b([]string{"z"}, "z", "stall/resume"),
		Advance:   b([]string{"right", "l"}, "→ / ⇧→", "time +1s / +10s"),
		Select:    b([]string{"up", "down", "k", "j"}, "↑/↓", "choose consumer"),
		Export:    b([]string{"e"}, "e", "export as scenario YAML"),

		Up:       b([]string{"up", "ctrl+p"}, "↑", "up"),
		Down:     b([]string{"down", "ctrl+n"}, "↓", "down"),
		Open:     b([]string{"enter"}, "enter", "open"),
		OpenFile: b([]string{"ctrl+o"}, "ctrl+o", "open file"),
		Filter:   b([]string{"/"}, "type", "filter"),

		Help: b([]string{"?"}, "?", "help"),
		Back: b([]string{"esc"}, "esc", "back"),
		Quit: b([]string{"q", "ctrl+c"}, "q", "quit"),
	}
}

// Help is a help.KeyMap built from explicit rows: the short row is the key
// bar, the full rows are the ? screen.
type Help struct {
	Short []key.Binding
	Full  [][]key.Binding
}

// ShortHelp implements help.KeyMap.
func (h Help) ShortHelp() []key.Binding { return h.Short }

// FullHelp implements help.KeyMap.
func (h Help) FullHelp() [][]key.Binding { return h.Full }

// disp is a binding shown in the key bar only, naming a pair of keys.
func disp(keys, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(keys), key.WithHelp(keys, desc))
}

var (
	barStep    = disp("←/→", "step")
	barNote    = disp("⇧←/⇧→", "notable")
	barEnds    = disp("home/end", "first/last")
	barSpeed   = disp("+/-", "speed")
	barVariant = disp("v", "right side")
)

// Walkthrough is the help of the walkthrough screen.
func (k *KeyMap) Walkthrough() Help {
	return Help{
		// ? and q early: an 80-column bar shows about the first six.
		Short: []key.Binding{k.PlayPause, barStep, barNote, k.Help, k.Quit, barEnds, barSpeed, k.Focus, k.Compare, k.Sandbox, k.Back},
		// Three columns: four do not fit 80 columns.
		Full: [][]key.Binding{
			{k.PlayPause, k.Prev, k.Next, k.PrevNote, k.NextNote, k.Home, k.End},
			{k.Faster, k.Slower, k.ZoomIn, k.ZoomOut, k.Focus, k.Group},
			{k.Compare, k.Sandbox, k.Help, k.Back, k.Quit},
		},
	}
}

// CompareHelp is the help of the compare screen.
func (k *KeyMap) CompareHelp() Help {
	return Help{
		Short: []key.Binding{k.PlayPause, barVariant, barStep, k.Help, k.Quit, barNote, barEnds, barSpeed, k.Back},
		Full: [][]key.Binding{
			{k.Variant, k.PlayPause, k.Prev, k.Next, k.PrevNote, k.NextNote},
			{k.Home, k.End, k.Faster, k.Slower, k.ZoomIn, k.ZoomOut},
			{k.Help, k.Back, k.Quit},
		},
	}
}

// SandboxHelp is the help of the sandbox screen.
func (k *KeyMap) SandboxHelp() Help {
	return Help{
		Short: []key.Binding{k.Select, k.Crash, k.StartCons, k.CloseCons, k.Help, k.Back, k.Produce, k.Broker, k.Stall, k.Advance, k.Quit},
		Full: [][]key.Binding{
			{k.Select, k.Crash, k.StartCons, k.CloseCons, k.Stall},
			{k.Produce, k.Broker, k.Advance, k.ZoomIn, k.ZoomOut},
			{k.Export, k.Focus, k.Help, k.Back, k.Quit},
		},
	}
}

// Picker is the help of the scenario picker.
func (k *KeyMap) Picker() Help {
	return Help{
		Short: []key.Binding{disp("↑/↓", "move"), k.Open, k.Filter, k.OpenFile, k.Help, k.Quit},
		Full: [][]key.Binding{
			{k.Up, k.Down, k.Open},
			{k.Filter, k.OpenFile, k.Back},
			{k.Help, k.Quit},
		},
	}
}
