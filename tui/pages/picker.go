package pages

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/kafkasim/kafkasim/tui/common"
)

// Item is one scenario the picker offers.
type Item struct {
	Name, Summary string
	Teaches       []string
}

// Picker lists the built-in scenarios: type to filter, enter to open,
// ctrl+o (or a filter that looks like a path) to open a file.
type Picker struct {
	common.Common
	Items []Item
	// Err is shown under the list (a file that did not load).
	Err string

	filter   string
	search   bool // "/" opened the search field: every key is text
	sel      int
	fileMode bool
	path     string
}

// NewPicker returns a picker over items.
func NewPicker(c common.Common, items []Item) *Picker {
	return &Picker{Common: c, Items: items}
}

// Filter is the current filter text.
func (p *Picker) Filter() string { return p.filter }

// Visible lists the items matching the filter.
func (p *Picker) Visible() []Item {
	if p.filter == "" {
		return p.Items
	}
	// Name matches first, then matches in the summary only.
	f := strings.ToLower(p.filter)
	var out, more []Item
	for _, it := range p.Items {
		switch {
		case strings.Contains(strings.ToLower(it.Name), f):
			out = append(out, it)
		case strings.Contains(strings.ToLower(it.Summary), f):
			more = append(more, it)
		}
	}
	return append(out, more...)
}

// LoadFailed shows why opening a scenario failed and leaves file mode.
func (p *Picker) LoadFailed(err string) {
	p.Err = err
	p.fileMode = false
}

// Typing reports whether keys go to a text field, so the root must not
// read q or ? as commands.
func (p *Picker) Typing() bool { return p.fileMode || p.search || p.filter != "" }

// Searching reports whether the search field ("/") is open.
func (p *Picker) Searching() bool { return p.search }

func looksLikePath(s string) bool {
	return strings.ContainsAny(s, "/\\") || strings.HasSuffix(s, ".yaml") || strings.HasSuffix(s, ".yml")
}

// Update handles keys.
func (p *Picker) Update(msg tea.Msg) (*Picker, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return p, nil
	}
	k := p.Keys
	if p.fileMode {
		switch {
		case key.Matches(km, k.OpenFile):
			p.path = ""
		case km.Type == tea.KeyEnter:
			if strings.TrimSpace(p.path) != "" {
				return p, send(OpenMsg{strings.TrimSpace(p.path)})
			}
		case km.Type == tea.KeyEsc:
			p.fileMode = false
		case km.Type == tea.KeyBackspace:
			if r := []rune(p.path); len(r) > 0 {
				p.path = string(r[:len(r)-1])
			}
		case km.Type == tea.KeyRunes || km.Type == tea.KeySpace:
			p.path += string(km.Runes)
		}
		return p, nil
	}
	vis := p.Visible()
	typing := p.search || p.filter != ""
	switch {
	case key.Matches(km, k.OpenFile):
		p.fileMode, p.Err = true, ""
		p.path = ""
		if looksLikePath(p.filter) {
			p.path = p.filter
		}
	case km.Type == tea.KeyUp || km.Type == tea.KeyCtrlP || !typing && km.String() == "k":
		p.sel = max(0, p.sel-1)
	case km.Type == tea.KeyDown || km.Type == tea.KeyCtrlN || !typing && km.String() == "j":
		p.sel = min(len(vis)-1, p.sel+1)
	case km.Type == tea.KeyEnter:
		if p.sel >= 0 && p.sel < len(vis) {
			return p, send(OpenMsg{vis[p.sel].Name})
		}
		if looksLikePath(p.filter) {
			return p, send(OpenMsg{p.filter})
		}
	case km.Type == tea.KeyEsc:
		// Clear the search; with nothing to clear, esc does nothing
		// (q quits).
		p.filter, p.sel, p.search = "", 0, false
	case km.Type == tea.KeyBackspace:
		if r := []rune(p.filter); len(r) > 0 {
			p.filter = string(r[:len(r)-1])
			p.sel = 0
		} else {
			p.search = false
		}
	case !typing && key.Matches(km, k.Filter):
		// "/" opens the search field, as in less and k9s; from then on
		// every key, "/" included, is text (an absolute path works).
		p.search = true
	case km.Type == tea.KeyRunes || km.Type == tea.KeySpace && typing:
		p.filter += string(km.Runes)
		p.sel = 0
	}
	if n := len(p.Visible()); p.sel >= n {
		p.sel = max(0, n-1)
	}
	return p, nil
}

// View draws the picker.
func (p *Picker) View() string {
	W, H := p.Width, p.Height
	if W <= 0 || H <= 0 {
		return ""
	}
	s := p.Styles
	out := []string{titleBar(p.Common, " kafkasim · pick a scenario", fmt.Sprintf("%d built-in ", len(p.Items)), W)}
	switch {
	case p.fileMode:
		out = append(out, s.Filter.Render("open file: ")+p.path+"_")
	case p.filter != "" || p.search:
		out = append(out, s.Filter.Render("search: ")+p.filter+"_"+s.Dim.Render("   (esc clears; a path opens with enter)"))
	default:
		out = append(out, s.Dim.Render("/ searches (or just type) · j/k move · enter opens · ctrl+o opens a file"))
	}
	vis := p.Visible()
	nameW := 8
	for _, it := range vis {
		nameW = max(nameW, len(it.Name))
	}
	nameW = min(nameW, W/2)
	// An error is wrapped, not cut (its end usually says what to do: a
	// flag to raise a limit, the line of a file), under the list in the
	// room of the details, which it then replaces.
	var errLines []string
	if p.Err != "" {
		errLines = common.WrapAtMost(p.Err, W, H/4)
	}
	listH := H - 2 - 1 - max(4, len(errLines)) // title, filter, key bar, details or error
	if H < 12 {
		listH = H - 3 - len(errLines)
	}
	first := max(0, min(p.sel-listH/2, len(vis)-listH))
	for i := first; i < len(vis) && i < first+max(listH, 0); i++ {
		it := vis[i]
		sum := it.Summary
		if room := W - 2 - nameW - 2; ansi.StringWidth(sum) > room {
			sum = ansi.Truncate(sum, max(room-1, 0), "") + "…"
		}
		line := "  " + common.Pad(it.Name, nameW) + "  " + s.Summary.Render(sum)
		if i == p.sel {
			line = s.ItemSelected.Render("> "+common.Pad(it.Name, nameW)) + "  " + sum
		}
		out = append(out, common.Pad(line, W))
	}
	if len(vis) == 0 {
		msg := "no scenario matches"
		if looksLikePath(p.filter) {
			msg = "press enter to open " + p.filter
		}
		out = append(out, s.Dim.Render("  "+msg))
	}
	for _, l := range errLines {
		out = append(out, s.Error.Render(l))
	}
	body := common.Fit(strings.Join(out, "\n"), W, H-1)
	// Details of the selection, at the bottom of the body when room.
	if H >= 12 && p.sel < len(vis) && len(vis[p.sel].Teaches) > 0 {
		ls := strings.Split(body, "\n")
		det := []string{s.Bold.Render("teaches:")}
		for _, t := range vis[p.sel].Teaches {
			det = append(det, "  - "+t)
		}
		if len(det) > 4 {
			det = det[:4]
		}
		start := len(ls) - len(det)
		if start >= len(out) {
			copy(ls[start:], det)
		}
		body = common.Fit(strings.Join(ls, "\n"), W, H-1)
	}
	hb := help.New()
	hb.Width = W
	return common.Fit(body+"\n"+hb.ShortHelpView(p.Keys.Picker().ShortHelp()), W, H)
}
