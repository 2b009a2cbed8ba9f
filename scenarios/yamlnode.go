package scenarios

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/kafkasim/kafkasim/internal/suggest"
)

// This file decodes the YAML syntax tree by hand, so that every error names
// the file, line and column and says what was expected in words, and unknown
// fields are reported where they are written.

// Pos is a position in a scenario file.
type Pos struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
}

// String is "file:line:col" (or "line:col" without a file).
func (p Pos) String() string {
	if p.File == "" {
		return fmt.Sprintf("%d:%d", p.Line, p.Col)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// LoadError is one problem in a scenario file.
type LoadError struct {
	Pos Pos
	Msg string
	// Err, when set, is a sentinel saying what kind of problem it is
	// (ErrTooLarge), for errors.Is.
	Err error
}

// Error is "file:line:col: message".
func (e *LoadError) Error() string { return e.Pos.String() + ": " + e.Msg }

// LoadErrors is every problem found in a scenario file, in file order.
type LoadErrors []*LoadError

// Error lists the problems, one per line.
func (es LoadErrors) Error() string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// ErrInvalid is wrapped by every error Load returns for bad input (as
// opposed to an I/O error), so callers can tell them apart with errors.Is.
var ErrInvalid = errors.New("invalid scenario")

// Unwrap lets errors.Is(err, ErrInvalid) match, and errors.Is and
// errors.As see each problem.
func (es LoadErrors) Unwrap() []error {
	out := make([]error, 0, len(es)+1)
	out = append(out, ErrInvalid)
	for _, e := range es {
		out = append(out, e)
	}
	return out
}

// Unwrap lets errors.Is(err, ErrInvalid) match, and errors.Is(err,
// e.Err) when the problem has a kind.
func (e *LoadError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrInvalid, e.Err}
	}
	return []error{ErrInvalid}
}

type decoder struct {
	file string
	errs LoadErrors
	// durationPos is where the scenario's duration is written.
	durationPos Pos
}

func (d *decoder) pos(n ast.Node) Pos {
	// A mapping is where its first key is written.
	switch x := n.(type) {
	case *ast.MappingNode:
		if len(x.Values) > 0 && x.Values[0].Key != nil {
			n = x.Values[0].Key
		}
	case *ast.MappingValueNode:
		if x.Key != nil {
			n = x.Key
		}
	case *ast.DocumentNode:
		// A document is where its "---" is, or its body; an empty one
		// has no body (and its GetToken would dereference it).
		if x.Start != nil && x.Start.Position != nil {
			return Pos{File: d.file, Line: x.Start.Position.Line, Col: x.Start.Position.Column}
		}
		n = x.Body
	}
	if n == nil || reflect.ValueOf(n).IsNil() {
		return Pos{File: d.file, Line: 1, Col: 1}
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return Pos{File: d.file, Line: 1, Col: 1}
	}
	return Pos{File: d.file, Line: tk.Position.Line, Col: tk.Position.Column}
}

func (d *decoder) errAt(p Pos, format string, args ...any) {
	d.errs = append(d.errs, &LoadError{Pos: p, Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) errf(n ast.Node, format string, args ...any) {
	d.errAt(d.pos(n), format, args...)
}

// unwrap strips anchors, tags and comments.
func unwrap(n ast.Node) ast.Node {
	for range 64 {
		switch x := n.(type) {
		case *ast.AnchorNode:
			n = x.Value
		case *ast.TagNode:
			n = x.Value
		case *ast.DocumentNode:
			n = x.Body
		default:
			return n
		}
	}
	return n
}

// describe names a node's kind for "got ..." in messages.
func describe(n ast.Node) string {
	switch x := unwrap(n).(type) {
	case nil, *ast.NullNode:
		return "nothing"
	case *ast.StringNode:
		return fmt.Sprintf("the text %q", x.Value)
	case *ast.LiteralNode:
		return "a block of text"
	case *ast.IntegerNode:
		return fmt.Sprintf("the number %v", x.Value)
	case *ast.FloatNode:
		return fmt.Sprintf("the number %v", x.Value)
	case *ast.BoolNode:
		return fmt.Sprintf("%v", x.Value)
	case *ast.SequenceNode:
		return "a list"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.AliasNode:
		return "an alias"
	case *ast.InfinityNode, *ast.NanNode:
		return "a special number"
	}
	return "a " + unwrap(n).Type().String()
}

// obj is a YAML mapping being decoded. Every getter records the key as
// known; finish reports the keys no getter asked for.
type obj struct {
	d      *decoder
	node   ast.Node
	what   string
	keys   []string
	vals   map[string]*ast.MappingValueNode
	known  []string
	ok     bool
	seenKs map[string]bool
}

func (d *decoder) object(n ast.Node, what string) *obj {
	o := &obj{d: d, node: n, what: what, vals: map[string]*ast.MappingValueNode{}, seenKs: map[string]bool{}}
	var pairs []*ast.MappingValueNode
	switch x := unwrap(n).(type) {
	case *ast.MappingNode:
		pairs = x.Values
	case *ast.MappingValueNode:
		pairs = []*ast.MappingValueNode{x}
	default:
		d.errf(n, "%s: expected a mapping (key: value lines), got %s", what, describe(n))
		return o
	}
	o.ok = true
	for _, kv := range pairs {
		k, ok := scalarText(kv.Key)
		if !ok {
			d.errf(kv.Key, "%s: expected a plain key, got %s", what, describe(kv.Key))
			continue
		}
		if _, dup := o.vals[k]; dup {
			d.errf(kv.Key, "%s: key %q appears twice", what, k)
			continue
		}
		o.keys = append(o.keys, k)
		o.vals[k] = kv
	}
	return o
}

func scalarText(n ast.Node) (string, bool) {
	switch x := unwrap(n).(type) {
	case *ast.StringNode:
		return x.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		return x.GetToken().Value, true
	case *ast.MappingKeyNode:
		return scalarText(x.Value)
	}
	return "", false
}

func (o *obj) get(key string) (ast.Node, bool) {
	o.known = append(o.known, key)
	kv, ok := o.vals[key]
	if !ok {
		return nil, false
	}
	v := unwrap(kv.Value)
	if _, null := v.(*ast.NullNode); null || v == nil {
		return nil, false
	}
	return kv.Value, true
}

func (o *obj) has(key string) bool {
	_, ok := o.vals[key]
	return ok
}

func (o *obj) keyPos(key string) Pos {
	if kv, ok := o.vals[key]; ok {
		return o.d.pos(kv.Key)
	}
	return o.d.pos(o.node)
}

func (o *obj) valPos(key string) Pos {
	if kv, ok := o.vals[key]; ok && kv.Value != nil {
		return o.d.pos(kv.Value)
	}
	return o.keyPos(key)
}

func (o *obj) finish() {
	if !o.ok {
		return
	}
	for _, k := range o.keys {
		if slices.Contains(o.known, k) {
			continue
		}
		msg := fmt.Sprintf("%s: unknown field %q", o.what, k)
		if s := closest(k, o.known); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		known := slices.Clone(o.known)
		slices.Sort(known)
		known = slices.Compact(known)
		msg += "; expected one of: " + strings.Join(known, ", ")
		o.d.errAt(o.keyPos(k), "%s", msg)
	}
}

func closest(s string, cands []string) string { return suggest.Closest(s, cands, 3) }

func (o *obj) field(key string) string { return o.what + "." + key }

// str reads a string (numbers and booleans are taken as written).
func (o *obj) str(key string) string {
	n, ok := o.get(key)
	if !ok {
		return ""
	}
	switch x := unwrap(n).(type) {
	case *ast.StringNode:
		return x.Value
	case *ast.LiteralNode:
		if x.Value != nil {
			return x.Value.Value
		}
		return ""
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		return x.GetToken().Value
	}
	o.d.errf(n, "%s: expected text, got %s", o.field(key), describe(n))
	return ""
}

// strs reads a list of strings; a single string is a list of one.
func (o *obj) strs(key string) []string {
	n, ok := o.get(key)
	if !ok {
		return nil
	}
	if s, ok := unwrap(n).(*ast.SequenceNode); ok {
		out := make([]string, 0, len(s.Values))
		for _, v := range s.Values {
			t, ok := scalarText(v)
			if !ok {
				o.d.errf(v, "%s: expected a list of names, got %s in it", o.field(key), describe(v))
				continue
			}
			out = append(out, t)
		}
		return out
	}
	if t, ok := scalarText(n); ok {
		return []string{t}
	}
	o.d.errf(n, "%s: expected a list of names, got %s", o.field(key), describe(n))
	return nil
}

// integer reads an integer in [lo, hi]; def when absent.
func (o *obj) integer(key string, def, lo, hi int64) int64 {
	n, ok := o.get(key)
	if !ok {
		return def
	}
	v, ok := intValue(n)
	if !ok {
		o.d.errf(n, "%s: expected a whole number, got %s", o.field(key), describe(n))
		return def
	}
	if v < lo || v > hi {
		if lo == 0 && v < 0 {
			o.d.errf(n, "%s: must not be negative, got %d", o.field(key), v)
		} else {
			o.d.errf(n, "%s: expected a number from %d to %d, got %d", o.field(key), lo, hi, v)
		}
		return def
	}
	return v
}

func intValue(n ast.Node) (int64, bool) {
	switch x := unwrap(n).(type) {
	case *ast.IntegerNode:
		switch v := x.Value.(type) {
		case int64:
			return v, true
		case uint64:
			if v <= math.MaxInt64 {
				return int64(v), true
			}
		}
	case *ast.StringNode:
		v, err := strconv.ParseInt(strings.TrimSpace(x.Value), 10, 64)
		return v, err == nil
	}
	return 0, false
}

func (o *obj) boolean(key string, def bool) bool {
	n, ok := o.get(key)
	if !ok {
		return def
	}
	if b, ok := unwrap(n).(*ast.BoolNode); ok {
		return b.Value
	}
	o.d.errf(n, "%s: expected true or false, got %s", o.field(key), describe(n))
	return def
}

func (o *obj) float(key string, lo, hi float64) float64 {
	n, ok := o.get(key)
	if !ok {
		return 0
	}
	var v float64
	switch x := unwrap(n).(type) {
	case *ast.FloatNode:
		v = x.Value
	case *ast.IntegerNode:
		i, _ := intValue(x)
		v = float64(i)
	default:
		o.d.errf(n, "%s: expected a number from %g to %g, got %s", o.field(key), lo, hi, describe(n))
		return 0
	}
	if !(v >= lo && v <= hi) {
		o.d.errf(n, "%s: expected a number from %g to %g, got %g", o.field(key), lo, hi, v)
		return 0
	}
	return v
}

// duration reads a duration written like 5s, 300ms, 1m30s, 7d; a bare 0 is
// allowed.
func (o *obj) duration(key string, def time.Duration) time.Duration {
	n, ok := o.get(key)
	if !ok {
		return def
	}
	d, err := durationValue(n)
	if err != nil {
		o.d.errf(n, "%s: %v", o.field(key), err)
		return def
	}
	return d
}

func durationValue(n ast.Node) (time.Duration, error) {
	switch x := unwrap(n).(type) {
	case *ast.IntegerNode:
		if v, ok := intValue(x); ok && v == 0 {
			return 0, nil
		}
		return 0, fmt.Errorf("expected a duration with a unit, like 5s or 300ms, got the bare number %v", x.Value)
	case *ast.StringNode:
		return ParseDuration(x.Value)
	}
	return 0, fmt.Errorf("expected a duration like 5s or 300ms, got %s", describe(n))
}

// ParseDuration parses a duration as written in scenario files: Go's
// syntax ("5s", "300ms", "1m30s", "1h") plus days ("7d"). Negative
// durations, and durations longer than MaxDuration (30d, the longest a
// scenario can run), are rejected.
func ParseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("expected a duration like 5s or 300ms, got empty text")
	}
	tooLong := fmt.Errorf("a duration must be at most %s (the longest a scenario can run), got %q", durationText(MaxDuration), s)
	var days time.Duration
	if i := strings.IndexByte(t, 'd'); i > 0 {
		digits := t[:i]
		n, err := strconv.ParseUint(digits, 10, 64)
		if err != nil && !allDigits(digits) {
			return 0, fmt.Errorf("expected a duration like 5s, 300ms or 7d, got %q", s)
		}
		if err != nil || n > uint64(MaxDuration/(24*time.Hour)) {
			return 0, tooLong
		}
		days = time.Duration(n) * 24 * time.Hour
		t = t[i+1:]
		if t == "" {
			return days, nil
		}
		if t[0] == '-' || t[0] == '+' {
			return 0, fmt.Errorf("expected a duration like 5s, 300ms or 1d12h, got %q", s)
		}
	}
	d, err := time.ParseDuration(t)
	if err != nil {
		if durationSyntax.MatchString(t) {
			return 0, tooLong // well written, too large for time.Duration
		}
		return 0, fmt.Errorf("expected a duration like 5s, 300ms or 1m30s, got %q", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("a duration must not be negative, got %q", s)
	}
	if d > MaxDuration || days+d > MaxDuration {
		return 0, tooLong
	}
	return days + d, nil
}

// durationText is a duration for messages, in days when it is whole days
// ("30d"), as FormatDuration otherwise.
func durationText(d time.Duration) string {
	if day := 24 * time.Hour; d >= day && d%day == 0 {
		return fmt.Sprintf("%dd", d/day)
	}
	return FormatDuration(d)
}

// durationSyntax is Go's duration syntax without a sign: a text that
// matches it and still fails to parse is too large.
var durationSyntax = regexp.MustCompile(`^(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$`)

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// list calls fn for each element of a list.
func (o *obj) list(key string, fn func(i int, n ast.Node)) {
	n, ok := o.get(key)
	if !ok {
		return
	}
	s, ok := unwrap(n).(*ast.SequenceNode)
	if !ok {
		o.d.errf(n, "%s: expected a list (lines starting with \"- \"), got %s", o.field(key), describe(n))
		return
	}
	for i, v := range s.Values {
		fn(i, v)
	}
}

// sub decodes a nested mapping.
func (o *obj) sub(key string) (*obj, bool) {
	n, ok := o.get(key)
	if !ok {
		return nil, false
	}
	return o.d.object(n, o.field(key)), true
}

// scalarAny converts a scalar to a Go value for a ConfigMap.
func scalarAny(n ast.Node) (any, bool) {
	switch x := unwrap(n).(type) {
	case *ast.StringNode:
		return x.Value, true
	case *ast.IntegerNode:
		if v, ok := intValue(x); ok {
			return v, true
		}
		return x.GetToken().Value, true
	case *ast.FloatNode:
		return x.Value, true
	case *ast.BoolNode:
		return x.Value, true
	}
	return nil, false
}
