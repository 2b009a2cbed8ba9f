package export

import (
	"strings"
	"time"

	"github.com/kafkasim/kafkasim/scenarios"
)

// LaneKind says what a swimlane follows.
type LaneKind int

// Swimlane kinds.
const (
	LaneConsumer LaneKind = iota
	LaneGroup
	LaneBroker
)

// Lane is one swimlane: a consumer, a group's coordinator side, or the
// broker.
type Lane struct {
	// Name is the label: the consumer id, "group" (one group) or
	// "g:NAME", "broker".
	Name string
	// Actor is the events' actor it shows: a consumer id, "group:<id>",
	// "broker".
	Actor string
	Kind  LaneKind
}

// Lanes lists a run's swimlanes: its consumers in order of appearance,
// then its groups, then the broker if it ever went down.
func Lanes(x *scenarios.Steps) []Lane {
	var ls []Lane
	for _, id := range x.Consumers {
		ls = append(ls, Lane{id, id, LaneConsumer})
	}
	for _, g := range x.Groups {
		name := "group"
		if len(x.Groups) > 1 {
			// "g:" tells a group's lane from a consumer's of the same
			// name (the lesson's consumers are named after their groups).
			name = "g:" + g
		}
		ls = append(ls, Lane{name, "group:" + g, LaneGroup})
	}
	if x.HasBroker {
		ls = append(ls, Lane{"broker", "broker", LaneBroker})
	}
	return ls
}

// Tone is how a lane cell is coloured.
type Tone int

// Lane cell tones.
const (
	ToneBlank Tone = iota // not running, or in the future
	ToneIdle              // running, nothing happening
	ToneBusy              // processing, rebalancing
	ToneEvent             // a neutral event
	ToneBad               // a crash, an expiry, a rejected commit, a stall
	ToneGood              // a start, an effect, the broker back
)

// Cell is one column of a swimlane: a mark, or the background state.
type Cell struct {
	Ch   string
	Tone Tone
}

// maxScan bounds how many events one swimlane column looks at, so a
// column costs the same however many events fall into it.
const maxScan = 32

// MaxZoom is the deepest swimlane zoom: 1/64 of the run.
const MaxZoom = 3

// Window is the stretch of virtual time the lanes show: the whole run
// (dur) at zoom 0, a quarter of it per zoom level around now (three
// quarters of it before now: what is after now is blank anyway), kept
// within the run.
func Window(dur, now time.Duration, zoom int) (from, span time.Duration) {
	zoom = min(max(zoom, 0), MaxZoom)
	span = max(dur>>(2*zoom), time.Millisecond)
	if zoom == 0 || span >= dur {
		return 0, dur
	}
	from = max(now, 0) - span*3/4
	from = min(max(from, 0), dur-span)
	return from, span
}

// LaneCells draws lane l up to step (the future stays blank, so a class
// cannot read ahead) in cols columns of dt each from virtual time from:
// the highest-priority mark of the events in a column, else the lane's
// state (idle, processing, rebalancing, down).
func LaneCells(x *scenarios.Steps, l Lane, step int, from, dt time.Duration, cols int) []Cell {
	out := make([]Cell, cols)
	now := time.Duration(-1)
	if step >= 0 {
		now = x.Event(step).At
	}
	for k := range out {
		t0 := from + time.Duration(k)*dt
		if now < 0 || t0 > now {
			out[k] = Cell{" ", ToneBlank}
			continue
		}
		t1 := t0 + dt
		best := Mark{}
		for n, s := range x.ActorEvents(l.Actor, t0, t1) {
			if int(s) > step || n >= maxScan {
				break
			}
			if m := LaneMark(x.Event(int(s))); m.Prio > best.Prio {
				best = m
			}
		}
		if best.Ch == "" {
			out[k] = background(x, l, min(step, x.StepAtTime(t1-1)))
			continue
		}
		tone := ToneEvent
		switch {
		case best.Bad:
			tone = ToneBad
		case best.Good:
			tone = ToneGood
		}
		out[k] = Cell{best.Ch, tone}
	}
	return out
}

func background(x *scenarios.Steps, l Lane, at int) Cell {
	switch l.Kind {
	case LaneGroup:
		switch x.GroupStateAt(strings.TrimPrefix(l.Actor, "group:"), at) {
		case "Stable":
			return Cell{"-", ToneIdle}
		case "Empty", "Dead":
			return Cell{" ", ToneIdle}
		}
		return Cell{"~", ToneBusy}
	case LaneBroker:
		if x.BrokerUpAt(at) {
			return Cell{"-", ToneIdle}
		}
		return Cell{"#", ToneBad}
	}
	switch x.StatusAt(l.Actor, at) {
	case scenarios.StatusNew, scenarios.StatusCrashed, scenarios.StatusClosed:
		return Cell{" ", ToneIdle}
	case scenarios.StatusStalled:
		return Cell{"~", ToneBad}
	}
	if x.BusyAt(l.Actor, at) {
		return Cell{"=", ToneBusy}
	}
	return Cell{"-", ToneIdle}
}

// laneWords names each mark for legends, by lane kind.
var laneWords = [3]map[string]string{
	{"S": "start", "R": "restart", "X": "crash", "Q": "close", "J": "join", "A": "assign", "v": "revoke", "L": "lost",
		">": "deliver", "=": "processing", "+": "effect", "s": "skipped", "a": "auto-commit", "c": "commit", "y": "async commit",
		"!": "commit rejected", "T": "max.poll", "Z": "stall", "W": "resume", "f": "failed", "e": "EOF", "h": "heartbeat/error",
		"-": "idle", "~": "stalled"},
	{"R": "rebalance", "r": "completing", "S": "stable", "E": "empty", "x": "expired", "o": "offsets expired", "~": "rebalancing", "-": "stable", "?": "other"},
	{"D": "down", "U": "up", "#": "down", "-": "up"},
}

// laneOrder is the order marks appear in legends.
const laneOrder = "SRJAv>=+sacy!LXQTZWfeh-~xoEDU#?"

// LaneLegend explains the marks this run's lanes can show (over all its
// events, not only those drawn so far, so it does not change while
// stepping), as "S start" items; the first item of the group and broker
// lanes says which lanes they are for.
func LaneLegend(x *scenarios.Steps) []string {
	var used [3]map[string]bool
	for i := range used {
		used[i] = map[string]bool{}
	}
	used[0]["-"], used[0]["="] = true, true
	if len(x.Groups) > 0 {
		used[1]["~"], used[1]["-"] = true, true
	}
	for i := 0; i < x.Len(); i++ {
		e := x.Event(i)
		m := LaneMark(e)
		if m.Ch == "" {
			continue
		}
		switch {
		case e.Actor == "broker":
			used[2][m.Ch] = true
			used[2]["#"], used[2]["-"] = true, true
		case strings.HasPrefix(e.Actor, "group:"):
			used[1][m.Ch] = true
		default:
			used[0][m.Ch] = true
			if e.Kind == scenarios.KindStall {
				used[0]["~"] = true
			}
		}
	}
	var items []string
	for k, label := range []string{"", "group: ", "broker: "} {
		first := true
		for _, r := range laneOrder {
			ch := string(r)
			if !used[k][ch] {
				continue
			}
			it := ch + " " + laneWords[k][ch]
			if first {
				it = label + it
				first = false
			}
			items = append(items, it)
		}
	}
	return items
}

// AxisStep is how many columns lie between two labels of a time axis.
const AxisStep = 10

// AxisUnit is the rounding of a time axis's labels for columns of dt.
func AxisUnit(dt time.Duration) time.Duration {
	switch {
	case dt*AxisStep < 20*time.Millisecond:
		return time.Millisecond
	case dt*AxisStep < 2*time.Second:
		return 100 * time.Millisecond
	}
	return time.Second
}
