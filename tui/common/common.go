// Package common holds what every component and page of the kafkasim
// terminal UI shares: the screen size, the style sheet and the key map.
package common

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/kafkasim/kafkasim/tui/keymap"
	"github.com/kafkasim/kafkasim/tui/styles"
)

// Common is embedded in every page.
type Common struct {
	Width, Height int
	Styles        *styles.Styles
	Keys          *keymap.KeyMap
}

// New returns a Common with the default styles and keys.
func New() Common {
	return Common{Styles: styles.DefaultStyles(), Keys: keymap.Default()}
}

// Fit clips s to at most w columns and h lines and pads it to exactly h
// lines. It never panics: w or h of zero or less give "".
func Fit(s string, w, h int) string {
	s = Clip(s, w, h)
	if w <= 0 || h <= 0 {
		return ""
	}
	if n := strings.Count(s, "\n") + 1; n < h {
		s += strings.Repeat("\n", h-n)
	}
	return s
}

// Clip clips every line of s to w columns and keeps at most h lines
// (without padding).
func Clip(s string, w, h int) string {
	if w <= 0 || h <= 0 {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "")
		}
	}
	return strings.Join(lines, "\n")
}

// Pad pads a single line with spaces to w columns (or clips it).
func Pad(s string, w int) string {
	if w <= 0 {
		return ""
	}
	n := ansi.StringWidth(s)
	if n > w {
		return ansi.Truncate(s, w, "")
	}
	return s + strings.Repeat(" ", w-n)
}

// WrapAtMost is Wrap keeping at most most lines, the last one ending
// "…" when text was left out.
func WrapAtMost(s string, w, most int) []string {
	ls := Wrap(s, w)
	if most = max(1, most); len(ls) > most {
		ls = append(ls[:most-1], ansi.Truncate(strings.Join(ls[most-1:], " "), max(1, w), "…"))
	}
	return ls
}

// Wrap wraps plain text to w columns.
func Wrap(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	var out []string
	for _, para := range strings.Split(s, "\n") {
		words := strings.Fields(para)
		line := ""
		for _, wd := range words {
			for ansi.StringWidth(wd) > w {
				if line != "" {
					out = append(out, line)
					line = ""
				}
				out = append(out, ansi.Truncate(wd, w, ""))
				wd = ansi.TruncateLeft(wd, w, "")
			}
			switch {
			case line == "":
				line = wd
			case ansi.StringWidth(line)+1+ansi.StringWidth(wd) <= w:
				line += " " + wd
			default:
				out = append(out, line)
				line = wd
			}
		}
		if line != "" || len(words) == 0 {
			out = append(out, line)
		}
	}
	return out
}
