package scenarios

import (
	"bytes"
	"errors"
	"fmt"
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
	// flow is the nesting of the flow collection being scanned (0: none).
	flow int
	// quote is the quote character of a quoted scalar that goes on to
	// the next line (0: none).
	quote byte
	// textAbove: lines indented more than textAbove are the text of a
	// block scalar (noText: none), textIndent the indentation of its
	// first line (-1: not seen yet).
	textAbove, textIndent int
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
	s.textAbove = noText
	for start := 0; start <= len(s.data); {
		end := bytes.IndexByte(s.data[start:], '\n')
		if end < 0 {
			end = len(s.data)
		} else {
			end += start
		}
		s.line++
		s.lineStart = start
		if e := s.scanLine(start, end); e != nil {
			return e
		}
		start = end + 1
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
	if s.quote != 0 {
		var ok bool
		if i, ok = s.skipQuoted(i, end, s.quote); !ok {
			return nil
		}
		s.quote = 0
		if s.flow == 0 {
			return s.structure(i, end, start) // what follows a closing quote
		}
		return s.scanFlow(i, end)
	}
	if s.flow > 0 {
		return s.scanFlow(i, end)
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
		return s.structure(i+3, end, start)
	}
	if ind == 0 && d[i] == '%' {
		return nil // a directive
	}
	seqEntry := isIndicator(d, i, end, '-')
	for n := len(s.block); n > 0; n-- {
		top := s.block[n-1]
		if top.col < ind || top.col == ind && !top.seq && seqEntry {
			break
		}
		s.block = s.block[:n-1]
	}
	return s.structure(i, end, start)
}

// structure scans the block structure from byte i of the line that
// starts at start: "- ", "? " and ": " entries and "key:"s, as many as the
// line has (valid YAML has at most a few; every one is counted, as the
// parser would take each), then the value.
func (s *limitScanner) structure(i, end, start int) *LoadError {
	d := s.data
	for {
		for i < end && isBlank(d[i]) {
			i++
		}
		if i == end || d[i] == '#' {
			return nil
		}
		if d[i] == '!' || d[i] == '&' {
			// A tag or an anchor: the node follows.
			for i < end && !isBlank(d[i]) {
				i++
			}
			continue
		}
		if isIndicator(d, i, end, '-') || isIndicator(d, i, end, '?') || isIndicator(d, i, end, ':') {
			if e := s.open(i, start, true); e != nil {
				return e
			}
			i++
			continue
		}
		if k, ok := s.keyEnd(i, end); ok {
			if e := s.open(i, start, false); e != nil {
				return e
			}
			i = k + 1
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
			return 0, false
		}
		for k < end && isBlank(d[k]) {
			k++
		}
		if k < end && isIndicator(d, k, end, ':') {
			return k, true
		}
		return 0, false
	case '[', '{', '|', '>', '*', '&', '!', '#', '@', '`':
		return 0, false
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
	if e := s.node(i); e != nil {
		return e
	}
	switch d[i] {
	case '[', '{':
		return s.scanFlow(i, end)
	case '|', '>':
		s.textAbove, s.textIndent = parent, -1
	case '"', '\'':
		if _, ok := s.skipQuoted(i+1, end, d[i]); !ok {
			s.quote = d[i]
		}
	}
	return nil
}

// skipQuoted skips the rest of a quoted scalar from byte i of a line; it
// returns the index after the closing quote, or false when the scalar
// goes on past the line.
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

// scanFlow scans flow collections ([...] and {...}) from byte i of a line
// to its end or to where the outermost one closes.
func (s *limitScanner) scanFlow(i, end int) *LoadError {
	d := s.data
	inScalar := false
	for ; i < end; i++ {
		c := d[i]
		switch {
		case c == '[' || c == '{':
			s.flow++
			s.deepest = max(s.deepest, len(s.block)+s.flow)
			if len(s.block)+s.flow > MaxDepth {
				return s.depthErr(i)
			}
			if s.flow > 1 {
				if e := s.node(i); e != nil {
					return e
				}
			}
			inScalar = false
		case c == ']' || c == '}':
			s.flow--
			inScalar = false
			if s.flow <= 0 {
				s.flow = 0
				return nil // the rest of the line: a comment, or ": value" of a flow key
			}
		case c == ',':
			inScalar = false
		case c == '#' && (i == s.lineStart || isBlank(d[i-1])):
			return nil // a comment to the end of the line
		case c == '"' || c == '\'':
			if e := s.node(i); e != nil {
				return e
			}
			k, ok := s.skipQuoted(i+1, end, c)
			if !ok {
				s.quote = c
				return nil
			}
			i = k - 1
			inScalar = false
		case c == ':' && (i+1 == end || isBlank(d[i+1]) || d[i+1] == ',' || d[i+1] == ']' || d[i+1] == '}'):
			inScalar = false
		case isBlank(c):
		default:
			if !inScalar {
				inScalar = true
				if e := s.node(i); e != nil {
					return e
				}
			}
		}
	}
	return nil
}
