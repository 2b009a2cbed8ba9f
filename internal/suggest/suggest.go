// Package suggest finds the nearest known word to a misspelt one, for "did
// you mean" hints in configuration and scenario errors.
package suggest

// maxLen bounds the inputs compared: longer strings are never suggested
// (and fuzzed input cannot make a comparison expensive).
const maxLen = 64

// Closest returns the candidate nearest to s by edit distance, if that
// distance is below limit; ties go to the alphabetically first candidate.
// It returns "" when nothing is close enough.
func Closest(s string, candidates []string, limit int) string {
	best, bestD := "", limit
	for _, c := range candidates {
		if d := Distance(s, c); d < bestD || (d == bestD && best != "" && c < best) {
			best, bestD = c, d
		}
	}
	return best
}

// Distance is the Levenshtein distance between a and b, in bytes. Strings
// longer than 64 bytes are treated as far from everything.
func Distance(a, b string) int {
	if len(a) > maxLen || len(b) > maxLen {
		return maxLen + 1
	}
	var prevBuf, curBuf [maxLen + 1]int
	prev, cur := prevBuf[:len(b)+1], curBuf[:len(b)+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
