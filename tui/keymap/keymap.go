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
	// PrevNote and NextNote jump between lesson moments (crash, loss,
	// duplicate, rebalance, narration), not every commit.
	PrevNote key.Binding
	NextNote key.Binding
	Home     key.Binding
	End      key.Binding
	Faster   key.Binding
	Slower   key.Binding
	// PlayMode switches playback between one step at a time and virtual
	// time at a steady pace.
	PlayMode key.Binding
	Focus    key.Binding
	// ScrollUp and ScrollDown scroll the focused panel (the outcome, the
	// timeline) or a list.
	ScrollUp, ScrollDown key.Binding
	Compare              key.Binding
	Sandbox              key.Binding
	// Variant changes compare mode's right-hand run.
	Variant key.Binding
	Group   key.Binding
	// ZoomIn and ZoomOut narrow and widen the swimlanes' time window.
	ZoomIn, ZoomOut key.Binding
	// Presenter toggles the projector view: big cells, one group, the
	// narration.
	Presenter key.Binding
	// Frame writes the current frame as an SVG file.
	Frame key.Binding

	// Sandbox actions.
	Crash     key.Binding
	StartCons key.Binding
	CloseCons key.Binding
	Produce   key.Binding
	Broker    key.Binding
	Stall     key.Binding
	Advance   key.Binding
	Advance10 key.Binding
	Undo      key.Binding
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
		PlayPause:  b([]string{" "}, "space", "play/pause"),
		Prev:       b([]string{"left", "h"}, "← h", "previous step"),
		Next:       b([]string{"right", "l"}, "→ l", "next step"),
		PrevNote:   b([]string{"shift+left", "H", "["}, "⇧← H [", "previous lesson moment"),
		NextNote:   b([]string{"shift+right", "L", "]"}, "⇧→ L ]", "next lesson moment"),
		Home:       b([]string{"home", "g"}, "home g", "before the first step"),
		End:        b([]string{"end", "G"}, "end G", "last step (outcome)"),
		Faster:     b([]string{"+", "="}, "+", "play faster"),
		Slower:     b([]string{"-", "_"}, "-", "play slower"),
		PlayMode:   b([]string{"t"}, "t", "play by step / by time"),
		Focus:      b([]string{"tab"}, "tab", "focus next panel"),
		ScrollUp:   b([]string{"k", "up"}, "k ↑", "scroll focused panel"),
		ScrollDown: b([]string{"j", "down"}, "j ↓", "scroll focused panel"),
		Compare:    b([]string{"c"}, "c", "compare"),
		Sandbox:    b([]string{"s"}, "s", "sandbox"),
		Variant:    b([]string{"v"}, "v", "next right-hand run"),
		Group:      b([]string{"ctrl+g"}, "ctrl+g", "next group"),
		ZoomIn:     b([]string{"i"}, "i", "zoom lanes in"),
		ZoomOut:    b([]string{"o"}, "o", "zoom lanes out"),
		Presenter:  b([]string{"p"}, "p", "presenter view"),
		Frame:      b([]string{"w"}, "w", "write frame as SVG"),

		Crash:     b([]string{"x"}, "x", "crash"),
		StartCons: b([]string{"r"}, "r", "start/restart"),
		CloseCons: b([]string{"C"}, "C", "close"),
		Produce:   b([]string{"p"}, "p", "produce 5"),
		Broker:    b([]string{"b"}, "b", "broker down/up"),
		Stall:     b([]string{"z"}, "z", "stall/resume"),
		Advance:   b([]string{"right", "l"}, "→ l", "time +1s"),
		Advance10: b([]string{"shift+right", "L", "]"}, "⇧→ L", "time +10s"),
		Undo:      b([]string{"u", "left", "h"}, "u ←", "undo last action"),
		Select:    b([]string{"up", "down", "k", "j"}, "↑/↓", "choose consumer"),
		Export:    b([]string{"e"}, "e", "export as scenario YAML"),

		Up:       b([]string{"up", "ctrl+p", "k"}, "↑ k", "up"),
		Down:     b([]string{"down", "ctrl+n", "j"}, "↓ j", "down"),
		Open:     b([]string{"enter"}, "enter", "open"),
		OpenFile: b([]string{"ctrl+o"}, "ctrl+o", "open file"),
		Filter:   b([]string{"/"}, "/", "search"),

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
	barNote    = disp("⇧←/⇧→", "moment")
	barEnds    = disp("home/end", "first/last")
	barSpeed   = disp("+/-", "speed")
	barVariant = disp("v", "right side")
	barTime    = disp("→/⇧→", "time +1s/+10s")
)

// Walkthrough is the help of the walkthrough screen.
func (k *KeyMap) Walkthrough() Help {
	return Help{
		// ? and q early: an 80-column bar shows about the first six.
		Short: []key.Binding{k.PlayPause, barStep, barNote, k.Help, k.Quit, barEnds, k.PlayMode, barSpeed, k.Presenter, k.Focus, k.Compare, k.Sandbox, k.Frame, k.Back},
		// Two long columns: three of these do not fit 80 columns.
		Full: [][]key.Binding{
			{k.PlayPause, k.Prev, k.Next, k.PrevNote, k.NextNote, k.Home, k.End, k.PlayMode, k.Faster, k.Slower, k.ZoomIn},
			{k.ZoomOut, k.Focus, k.ScrollDown, k.Group, k.Presenter, k.Frame, k.Compare, k.Sandbox, k.Help, k.Back, k.Quit},
		},
	}
}

// CompareHelp is the help of the compare screen.
func (k *KeyMap) CompareHelp() Help {
	return Help{
		Short: []key.Binding{k.PlayPause, barVariant, barStep, k.Help, k.Quit, barNote, barEnds, barSpeed, k.Back},
		Full: [][]key.Binding{
			{k.Variant, k.PlayPause, k.Prev, k.Next, k.PrevNote, k.NextNote, k.Home},
			{k.End, k.Faster, k.Slower, k.ZoomIn, k.ZoomOut, k.ScrollDown, k.Group},
			{k.Help, k.Back, k.Quit},
		},
	}
}

// SandboxHelp is the help of the sandbox screen.
func (k *KeyMap) SandboxHelp() Help {
	return Help{
		Short: []key.Binding{k.Select, k.Crash, k.StartCons, k.CloseCons, k.Help, k.Back, k.Undo, barTime, k.Produce, k.Broker, k.Stall, k.Export, k.Quit},
		Full: [][]key.Binding{
			{k.Select, k.Crash, k.StartCons, k.CloseCons, k.Stall, k.Produce},
			{k.Broker, k.Advance, k.Advance10, k.Undo, k.ZoomIn, k.ZoomOut},
			{k.Export, k.Frame, k.Focus, k.Help, k.Back, k.Quit},
		},
	}
}

// Picker is the help of the scenario picker.
func (k *KeyMap) Picker() Help {
	return Help{
		Short: []key.Binding{disp("↑/↓ j/k", "move"), k.Open, k.Filter, k.OpenFile, k.Help, k.Quit},
		Full: [][]key.Binding{
			{k.Up, k.Down, k.Open},
			{k.Filter, k.OpenFile, k.Back},
			{k.Help, k.Quit},
		},
	}
}

// HelpScreen is the help of the ? screen itself.
func (k *KeyMap) HelpScreen() Help {
	return Help{Short: []key.Binding{disp("j/k", "scroll"), disp("any other key", "close")}}
}
