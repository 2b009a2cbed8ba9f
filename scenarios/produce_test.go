package scenarios

import (
	"strconv"
	"strings"
	"testing"
)

// TestProduceTexts checks the keys and values a produce step writes
// against the templates with every "{i}" replaced, over runs of
// consecutive numbers (carries, one digit more), jumps forwards and
// back, literal texts, no key, a key list, and the default value.
func TestProduceTexts(t *testing.T) {
	var nums []int
	for _, start := range []int{0, 7, 98, 995, 99_990, 123_456_789, 5, 3} {
		for i := start; i < start+25; i++ {
			nums = append(nums, i)
		}
	}
	expand := func(s string, i int) string { return strings.ReplaceAll(s, "{i}", strconv.Itoa(i)) }
	keys := []string{"k-{i}", "{i}", "{i}{i}-x", "plain", "", "a{i", "{i}}"}
	values := []string{"v{i}", "{i}{i}", "lit", "", "x-{i}-y"}
	for _, key := range keys {
		for _, value := range values {
			for _, list := range []bool{false, true} {
				ar := &produceArena{}
				txt := newMsgText("p{i", key, value, list)
				for _, i := range nums {
					k, v := txt.of(ar, i)
					wantV := expand(value, i)
					if value == "" {
						wantV = "p{i-" + strconv.Itoa(i)
					}
					if string(v) != wantV || v == nil {
						t.Fatalf("key %q value %q: message %d's value %q, want %q", key, value, i, v, wantV)
					}
					if key == "" || list {
						if k != nil {
							t.Fatalf("key %q value %q list %t: message %d has key %q, want none", key, value, list, i, k)
						}
					} else if string(k) != expand(key, i) || k == nil {
						t.Fatalf("key %q value %q: message %d's key %q, want %q", key, value, i, k, expand(key, i))
					}
					// Capped: appending to one text cannot reach another.
					if cap(k) != len(k) || cap(v) != len(v) {
						t.Fatalf("key %q value %q: message %d's texts are not capped", key, value, i)
					}
				}
			}
		}
	}
}

// TestProduceTextsStay checks that a message's key and value do not
// change when later messages are written (the arena hands out fresh
// bytes; line is a scratch copy).
func TestProduceTextsStay(t *testing.T) {
	ar := &produceArena{}
	txt := newMsgText("p", "k-{i}", "", false)
	var ks, vs [][]byte
	for i := range 3000 {
		k, v := txt.of(ar, i)
		ks, vs = append(ks, k), append(vs, v)
	}
	for i := range ks {
		if string(ks[i]) != "k-"+strconv.Itoa(i) || string(vs[i]) != "p-"+strconv.Itoa(i) {
			t.Fatalf("message %d now reads %q %q", i, ks[i], vs[i])
		}
	}
}
