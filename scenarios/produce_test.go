package scenarios

import (
	"strconv"
	"strings"
	"testing"

	"github.com/kafkasim/kafkasim/client"
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
				for n, i := range nums {
					k, v := of(txt, ar, i, n%5+1)
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

// of is message i's key and value, written by fill as the last of n
// messages (the ones before it numbered i-n+1 on, when they are numbers).
func of(txt *msgText, ar *produceArena, i, n int) (key, value []byte) {
	if i-n+1 < 0 {
		n = 1
	}
	ms := make([]client.Message, n)
	txt.fill(ar, ms, i-n+1)
	return ms[n-1].Key, ms[n-1].Value
}

// TestProduceTextsStay checks that a message's key and value do not
// change when later messages are written (the arena hands out fresh
// bytes; line is a scratch copy).
func TestProduceTextsStay(t *testing.T) {
	ar := &produceArena{}
	txt := newMsgText("p", "k-{i}", "", false)
	var ks, vs [][]byte
	for i := 0; i < 3000; i += 7 {
		ms := make([]client.Message, 7)
		txt.fill(ar, ms, i)
		for _, m := range ms {
			ks, vs = append(ks, m.Key), append(vs, m.Value)
		}
	}
	for i := range ks {
		if string(ks[i]) != "k-"+strconv.Itoa(i) || string(vs[i]) != "p-"+strconv.Itoa(i) {
			t.Fatalf("message %d now reads %q %q", i, ks[i], vs[i])
		}
	}
}
