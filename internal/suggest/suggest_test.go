package suggest

import (
	"strings"
	"testing"
)

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "abc", 3}, {"kitten", "sitting", 3},
		{"group.id", "group.idd", 1}, {"enable.auto.comit", "enable.auto.commit", 1},
		{strings.Repeat("a", 65), "a", maxLen + 1},
	} {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestClosest(t *testing.T) {
	keys := []string{"group.id", "client.id", "enable.auto.commit", "auto.offset.reset"}
	if got := Closest("enable.auto.comit", keys, 4); got != "enable.auto.commit" {
		t.Errorf("got %q", got)
	}
	if got := Closest("completely.different", keys, 4); got != "" {
		t.Errorf("far word suggested %q", got)
	}
	// Ties go to the alphabetically first candidate, whatever the order given.
	if a, b := Closest("ab", []string{"ac", "aa"}, 3), Closest("ab", []string{"aa", "ac"}, 3); a != "aa" || b != "aa" {
		t.Errorf("tie broken as %q / %q, want aa", a, b)
	}
}
