package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Input limits. A scenario file is checked against them on its raw bytes,
// before the YAML parser sees it: the parser's time and memory grow with
// the file's size, its node count and (faster than linearly) its nesting,
// so a hostile file must be turned away before it is parsed. The built-in
// scenarios are under 5 KB, 6 levels deep and under 1,000 nodes.
const (
	// MaxFileSize is the largest scenario file Load and Parse accept.
	MaxFileSize = 1 << 20 // 1 MiB
	// MaxDepth is the deepest nesting of mappings and lists (block or
	// flow, counted together) a scenario file may have; a scenario needs
	// 6.
	MaxDepth = 32
	// MaxNodes is the most YAML nodes (keys, values, list items) a
	// scenario file may have.
	MaxNodes = 100_000
)

// ErrTooLarge is wrapped by the LoadError of a file over an input limit
// (MaxFileSize, MaxDepth, MaxNodes): errors.Is(err, ErrTooLarge).
var ErrTooLarge = errors.New("scenario file over an input limit")

// bom is the UTF-8 byte order mark some editors write at the start of a
// file; it is accepted and skipped.
var bom = []byte{0xEF, 0xBB, 0xBF}

// preflight checks what can be checked before parsing: the size, the
// encoding, the nesting and the node count. It returns data without a
// leading UTF-8 byte order mark, or the error.
func preflight(file string, data []byte) ([]byte, *LoadError) {
	at := func(line, col int, err error, format string, args ...any) *LoadError {
		return &LoadError{Pos: Pos{File: file, Line: line, Col: col}, Msg: fmt.Sprintf(format, args...), Err: err}
	}
	if len(data) > MaxFileSize {
		return nil, at(1, 1, ErrTooLarge, "the file is larger than %s (%s): scenario files are limited to %s", sizeText(MaxFileSize), sizeText(int64(len(data))), sizeText(MaxFileSize))
	}
	data = bytes.TrimPrefix(data, bom)
	if bytes.HasPrefix(data, []byte{0xFE, 0xFF}) || bytes.HasPrefix(data, []byte{0xFF, 0xFE}) {
		return nil, at(1, 1, nil, "the file is UTF-16: save it as UTF-8")
	}
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		return nil, at(1, 1, nil, "not a YAML file: it contains binary data")
	}
	sc := limitScanner{data: data}
	if e := sc.scan(); e != nil {
		e.Pos.File = file
		return nil, e
	}
	return data, nil
}

// sizeText writes a byte count for messages: "1 MiB", "3.2 MiB", "900 B".
func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// limitScanner measures a YAML text's nesting and node count in one pass
// over its bytes, without building anything: just enough of YAML's
// structure (indentation, "- " entries, "key:", flow brackets, quoted and
// block scalars, comments, documents) to tell structure from text. Where
// in doubt it counts: only what the parser certainly takes as text (quoted
// and block scalars, comments, a plain scalar's brackets after its first
// character) is skipped, so nothing the parser would nest slips past it.
type limitScanner struct {
	data []byte
	// block is the stack of open block collections: the column of each,
	// and whether it is a list (a mapping otherwise).
	block []blockLevel
	nodes int
	// deepest is the deepest nesting seen.
	deepest int
	// flow is the stack of open flow collections ('[' or '{'), pair
	// how many implicit single-pair mappings ("[a: b]", "{a: b: c}") the
	// entry being scanned in each has opened, pairs how many in all;
	// flowCol is the column of the outermost one and flowMax the deepest
	// nesting seen in it.
	flow             []byte
	pair             []int
	colons           []int
	pairs            int
	flowCol, flowMax int
	// textAbove: lines indented more than textAbove are the text of a
	// block scalar (noText: none), textIndent the indentation of its
	// first line (-1: not seen yet).
	textAbove, textIndent int
	// tagged: the last line ended with a tag or an anchor whose node is
	// still to come; the parser takes the next line's node as it, at
	// any indentation, so the next line nests under the last.
	tagged bool
	// props counts the tags and anchors in a row, across lines, before
	// the node they belong to.
	props int
	// emptyDash and emptyKey are the column of a "-" or of a "key:"
	// that ended the last line, an entry whose node is still to come:
	// the parser takes the next line as it, even in line with the "-"
	// or the key, unless it is an entry itself (-1: none).
	emptyDash, emptyKey int
	// line and lineStart locate the line being scanned, for errors.
	line, lineStart int
}

type blockLevel struct {
	col int
	seq bool
}

const noText = -2

// scan returns the first limit the text goes over, or nil.
func (s *limitScanner) scan() *LoadError {
	s.textAbove, s.emptyDash, s.emptyKey = noText, -1, -1
	for start := 0; start <= len(s.data); {
		// Lines end at "\n", "\r\n" or a lone "\r", as YAML's do.
		end := bytes.IndexAny(s.data[start:], "\r\n")
		next := 0
		if end < 0 {
			end, next = len(s.data), len(s.data)+1
		} else {
			end += start
			next = end + 1
			if s.data[end] == '\r' && next < len(s.data) && s.data[next] == '\n' {
				next++
			}
		}
		s.line++
		s.lineStart = start
		if e := s.scanLine(start, end); e != nil {
			return e
		}
		start = next
	}
	return nil
}

// errAt is a LoadError at byte i of the data.
func (s *limitScanner) errAt(i int, format string, args ...any) *LoadError {
	col := utf8.RuneCount(s.data[s.lineStart:min(i, len(s.data))]) + 1
	return &LoadError{Pos: Pos{Line: s.line, Col: col}, Msg: fmt.Sprintf(format, args...), Err: ErrTooLarge}
}

func (s *limitScanner) depthErr(i int) *LoadError {
	return s.errAt(i, "nested more than %d levels deep (mappings and lists inside each other): a scenario needs 6; scenario files are limited to %d", MaxDepth, MaxDepth)
}

// node counts one node starting at byte i.
func (s *limitScanner) node(i int) *LoadError {
	s.nodes++
	if s.nodes > MaxNodes {
		return s.errAt(i, "more than %d YAML nodes (keys, values and list items): scenario files are limited to %d", MaxNodes, MaxNodes)
	}
	return nil
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }

// scanLine scans the line data[start:end].
func (s *limitScanner) scanLine(start, end int) *LoadError {
	d := s.data
	i := start
	if len(s.flow) > 0 {
		return s.flowThen(i, end)
	}
	for i < end && isBlank(d[i]) {
		i++
	}
	ind := i - start
	if i == end || d[i] == '#' && s.textAbove == noText {
		return nil // a blank or comment line
	}
	if s.textAbove != noText {
		// The text of a block scalar: its first line sets its indentation,
		// and it goes on while lines are indented as much.
		if s.textIndent < 0 && ind > s.textAbove {
			s.textIndent = ind
		}
		if s.textIndent >= 0 && ind >= s.textIndent {
			return nil
		}
		s.textAbove = noText
		if d[i] == '#' {
			return nil
		}
	}
	if ind == 0 && (bytes.HasPrefix(d[i:end], []byte("---")) || bytes.HasPrefix(d[i:end], []byte("..."))) &&
		(i+3 == end || isBlank(d[i+3])) {
		s.block = s.block[:0]
		if e := s.node(i); e != nil {
			return e
		}
		return s.structure(i+3, end, start)
	}
	if ind == 0 && d[i] == '%' {
		return s.node(i) // a directive
	}
	// The node of a tag or anchor above nests under it, wherever it is
	// written: nothing closes before it.
	tagged, emptyDash, emptyKey := s.tagged, s.emptyDash, s.emptyKey
	s.tagged, s.emptyDash, s.emptyKey = false, -1, -1
	seqEntry := isIndicator(d, i, end, '-')
	if emptyKey == ind && !seqEntry && !isIndicator(d, i, end, '?') {
		if _, key := s.keyEnd(i, end); !key {
			tagged = true // the key's value, in line with it ("a:\n[]")
		}
	}
	// A line that starts with ": " makes a key of what comes before it,
	// for the parser even of a plain scalar on the line above: it nests
	// under that line.
	valueLine := isIndicator(d, i, end, ':')
	for n := len(s.block); n > 0 && !tagged && !valueLine; n-- {
		top := s.block[n-1]
		if top.col < ind || top.col == ind && !top.seq && seqEntry {
			break
		}
		// A line that is no entry, in line with a list's "-": the
		// parser takes it as the entry's node after an empty "-"
		// ("-\n  {}"); otherwise too, unless the list hangs under a key
		// in the same column ("a:\n- x\nb: 1"), where it is the next
		// key.
		if top.col == ind && top.seq && !seqEntry &&
			(emptyDash == ind || !(n >= 2 && !s.block[n-2].seq && s.block[n-2].col == ind)) {
			break
		}
		s.block = s.block[:n-1]
		if top.col == ind && !top.seq {
			// The line is this mapping's next key: a mapping in the same
			// column below it (one a tag or anchor nested it in) stays.
			break
		}
	}
	return s.structure(i, end, start)
}

// structure scans the block structure from byte i of the line that
// starts at start: "- ", "? " and ": " entries and "key:"s, as many as the
// line has (valid YAML has at most a few; every one is counted, as the
// parser would take each), then the value.
func (s *limitScanner) structure(i, end, start int) *LoadError {
	d := s.data
	tag := -1 // where a tag or anchor of the node that follows is
	for {
		for i < end && isBlank(d[i]) {
			i++
		}
		if i == end || d[i] == '#' {
			return nil
		}
		if d[i] == '!' || d[i] == '&' {
			// A tag or an anchor: the node follows, on this line or the
			// next.
			t := i
			if tag < 0 {
				tag = i
			}
			// A node takes one tag and one anchor; the parser nests
			// each in the next, at a cost that grows with the square of
			// their number.
			if s.props++; s.props > 2 {
				return s.errAt(i, "more than a tag and an anchor in a row: a node takes at most one of each; scenario files are limited to that")
			}
			if e := s.node(i); e != nil {
				return e
			}
			for i < end && !isBlank(d[i]) {
				i++
			}
			if i-t == 1 && d[t] == '&' {
				// "& name": the parser takes the name after the blank.
				for i = skipBlanks(d, i, end); i < end && !isBlank(d[i]); i++ {
				}
			}
			if i-t > 1 && d[i-1] == ':' {
				// "!:" or "&a:": the tag or anchor of an empty key. At the
				// end of the line, the next line is its value, wherever
				// it is written (see tagged).
				if e := s.open(t, start, false); e != nil {
					return e
				}
				if j := skipBlanks(d, i, end); j == end || d[j] == '#' {
					s.tagged = true
					return nil
				}
				continue
			}
			for i < end && isBlank(d[i]) {
				i++
			}
			if i == end || d[i] == '#' {
				s.tagged = true
				return nil
			}
			continue
		}
		if isIndicator(d, i, end, '-') || isIndicator(d, i, end, '?') || isIndicator(d, i, end, ':') {
			if e := s.open(i, start, d[i] == '-'); e != nil {
				return e
			}
			dash := d[i] == '-'
			col := i - start
			i++
			for i < end && isBlank(d[i]) {
				i++
			}
			if dash && (i == end || d[i] == '#') {
				s.emptyDash = col
			}
			tag = -1
			continue
		}
		if k, ok := s.keyEnd(i, end); ok {
			// A tagged mapping starts where its tag is, for the parser.
			at := i
			if tag >= 0 {
				at = tag
			}
			if e := s.open(at, start, false); e != nil {
				return e
			}
			i, tag = k+1, -1
			if j := skipBlanks(d, i, end); j == end || d[j] == '#' {
				s.emptyKey = at - start
			}
			continue
		}
		break
	}
	parent := -1
	if n := len(s.block); n > 0 {
		parent = s.block[n-1].col
	}
	return s.value(i, end, parent)
}

// open opens a block collection (a list when seq) at byte i of the line
// that starts at start.
func (s *limitScanner) open(i, start int, seq bool) *LoadError {
	s.props = 0
	s.block = append(s.block, blockLevel{col: i - start, seq: seq})
	s.deepest = max(s.deepest, len(s.block))
	if len(s.block) > MaxDepth {
		return s.depthErr(i)
	}
	return s.node(i)
}

// isIndicator reports whether d[i] is c followed by a blank or the end of
// the line: a block entry indicator, not the start of a scalar like -5.
func isIndicator(d []byte, i, end int, c byte) bool {
	return d[i] == c && (i+1 == end || isBlank(d[i+1]))
}

// keyEnd finds the ':' of a block mapping key starting at i: after a
// quoted key, or the first ": " (or ':' at the end) of a plain one
// before any comment.
func (s *limitScanner) keyEnd(i, end int) (int, bool) {
	d := s.data
	j := i
	switch d[i] {
	case '"', '\'':
		k, ok := s.skipQuoted(i+1, end, d[i])
		if !ok {
			break // taken as plain text (see skipQuoted)
		}
		for k < end && isBlank(d[k]) {
			k++
		}
		if k < end && isIndicator(d, k, end, ':') {
			return k, true
		}
		return 0, false
	case '[', '{', '#':
		return 0, false // a flow collection as a key: see flowThen
	}
	for ; j < end; j++ {
		switch {
		case d[j] == ':' && (j+1 == end || isBlank(d[j+1])):
			return j, true
		case d[j] == '#' && isBlank(d[j-1]):
			return 0, false
		}
	}
	return 0, false
}

// value scans the value that starts at byte i of a line; parent is the
// column of the collection it belongs to (-1 at the top).
func (s *limitScanner) value(i, end, parent int) *LoadError {
	d := s.data
	s.props = 0
	if e := s.node(i); e != nil {
		return e
	}
	switch d[i] {
	case '[', '{':
		s.flowCol, s.flowMax = i-s.lineStart, 0
		return s.flowThen(i, end)
	case '|', '>':
		s.textAbove, s.textIndent = parent, -1
		return nil
	}
	// Quoted scalars and aliases are a token each, however many the line
	// has (more than one is a mistake the parser spends time on).
	for {
		switch d[i] {
		case '"', '\'':
			k, ok := s.skipQuoted(i+1, end, d[i])
			if !ok {
				return nil // plain text to the end of the line (see skipQuoted)
			}
			i = k
		case '*':
			for i < end && !isBlank(d[i]) {
				i++
			}
		default:
			return nil // plain text, to the end of the line
		}
		for i < end && isBlank(d[i]) {
			i++
		}
		if i == end || d[i] == '#' {
			return nil
		}
		if e := s.node(i); e != nil {
			return e
		}
	}
}

// skipQuoted skips the rest of a quoted scalar from byte i of a line; it
// returns the index after the closing quote, or false when the scalar
// goes on past the line. A quoted scalar over several lines is scanned
// as if it were not quoted, its text line by line like any other: the
// parser does not always take a quote for one (after a block scalar it
// takes '"' for plain text), and text counted as structure can only make
// the count higher.
func (s *limitScanner) skipQuoted(i, end int, q byte) (int, bool) {
	d := s.data
	for ; i < end; i++ {
		switch {
		case q == '"' && d[i] == '\\':
			i++ // an escape: the next character is text
		case d[i] == q && q == '\'' && i+1 < end && d[i+1] == '\'':
			i++ // '' is a quote in a single-quoted scalar
		case d[i] == q:
			return i + 1, true
		}
	}
	return end, false
}

// flowThen scans flow collections from byte i of a line (see scanFlow)
// and, when the outermost one closes on the line, what follows it: ": "
// makes it a key, so it was nested one deeper than counted, and the
// value follows.
func (s *limitScanner) flowThen(i, end int) *LoadError {
	k, e := s.scanFlow(i, end)
	if e != nil || len(s.flow) > 0 {
		return e
	}
	for k < end && isBlank(s.data[k]) {
		k++
	}
	if k == end || !isIndicator(s.data, k, end, ':') && s.data[k] != ':' {
		return nil
	}
	// A key: the mapping it belongs to holds it.
	s.deepest = max(s.deepest, s.flowMax+1)
	if s.flowMax+1 > MaxDepth {
		return s.depthErr(k)
	}
	if e := s.open(s.lineStart+s.flowCol, s.lineStart, false); e != nil {
		return e
	}
	return s.structure(k+1, end, s.lineStart)
}

// depthNow is the nesting at the current point of a flow collection.
func (s *limitScanner) depthNow() int { return len(s.block) + len(s.flow) + s.pairs }

// deeper records the nesting at byte i of a flow collection.
func (s *limitScanner) deeper(i int) *LoadError {
	d := s.depthNow()
	s.deepest = max(s.deepest, d)
	s.flowMax = max(s.flowMax, d)
	if d > MaxDepth {
		return s.depthErr(i)
	}
	return nil
}

// scanFlow scans flow collections ([...] and {...}) from byte i of a line
// to its end or to where the outermost one closes, and returns where it
// stopped.
func (s *limitScanner) scanFlow(i, end int) (int, *LoadError) {
	d := s.data
	inScalar, afterQuote := false, false
	for ; i < end; i++ {
		c := d[i]
		top := len(s.flow) - 1
		if !inScalar && (c == '!' || c == '&') {
			// A tag or an anchor (see structure).
			if s.props++; s.props > 2 {
				return i, s.errAt(i, "more than a tag and an anchor in a row: a node takes at most one of each; scenario files are limited to that")
			}
			if e := s.node(i); e != nil {
				return i, e
			}
			for i+1 < end && !isBlank(d[i+1]) && strings.IndexByte(",[]{}", d[i+1]) < 0 {
				i++
			}
			continue
		}
		if !isBlank(c) {
			s.props = 0
		}
		switch {
		case c == '[' || c == '{':
			s.flow, s.pair, s.colons = append(s.flow, c), append(s.pair, 0), append(s.colons, 0)
			if e := s.deeper(i); e != nil {
				return i, e
			}
			if len(s.flow) > 1 {
				if e := s.node(i); e != nil {
					return i, e
				}
			}
			inScalar, afterQuote = false, false
		case (c == ']' || c == '}') && top >= 0 && c != s.flow[top]+2:
			// "]" closing a "{" (or "}" a "["): the parser passes over
			// it, and so does the count.
			inScalar, afterQuote = false, false
		case c == ']' || c == '}':
			if top >= 0 {
				s.pairs -= s.pair[top]
				s.flow, s.pair, s.colons = s.flow[:top], s.pair[:top], s.colons[:top]
			}
			if len(s.flow) == 0 {
				return i + 1, nil
			}
			inScalar, afterQuote = false, false
		case c == ',':
			if top >= 0 {
				s.pairs -= s.pair[top]
				s.pair[top], s.colons[top] = 0, 0
			}
			inScalar, afterQuote = false, false
			// An entry, empty or not ("[,,,]" costs the parser too).
			if e := s.node(i); e != nil {
				return i, e
			}
		case c == '#' && (i == s.lineStart || isBlank(d[i-1])):
			return end, nil // a comment to the end of the line
		case (c == '"' || c == '\'') && !inScalar:
			if e := s.node(i); e != nil {
				return i, e
			}
			k, ok := s.skipQuoted(i+1, end, c)
			if !ok {
				inScalar = true // scanned on as plain text (see skipQuoted)
				continue
			}
			i = k - 1
			inScalar, afterQuote = false, true
		case c == ':' && (afterQuote || i+1 == end || isBlank(d[i+1]) || strings.IndexByte(",[]{}\"'", d[i+1]) >= 0):
			// A value indicator: in a list it opens a single-pair
			// mapping ("[a: b]"), one level deeper, and so does a second
			// one in a mapping's entry ("{a: b: c}").
			if top >= 0 {
				s.colons[top]++
				own := 0
				if s.flow[top] == '{' {
					own = 1
				}
				if s.colons[top] > own {
					s.pair[top]++
					s.pairs++
					if e := s.deeper(i); e != nil {
						return i, e
					}
				}
			}
			inScalar, afterQuote = false, false
			if e := s.node(i); e != nil {
				return i, e
			}
		case isBlank(c):
		default:
			afterQuote = false
			if !inScalar {
				inScalar = true
				if e := s.node(i); e != nil {
					return i, e
				}
			}
		}
	}
	return end, nil
}

// skipBlanks is the index of the first non-blank byte of d[i:end], or end.
func skipBlanks(d []byte, i, end int) int {
	for i < end && isBlank(d[i]) {
		i++
	}
	return i
}
