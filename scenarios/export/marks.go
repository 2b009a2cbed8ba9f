package export

import "github.com/kafkasim/kafkasim/scenarios"

// Mark is the swimlane mark of an event: one character, its priority
// when several events share a column (the highest shows), and its tone.
// The terminal UI draws the same marks.
type Mark struct {
	Ch   string
	Prio int
	// Bad and Good colour the mark (a crash, a start); neither: neutral.
	Bad, Good bool
}

// LaneMark is the swimlane mark of an event; Ch is "" for events the
// lanes do not show (store, commit requests, produce).
func LaneMark(e *scenarios.Event) Mark {
	switch e.Kind {
	case scenarios.KindCrash:
		return Mark{"X", 100, true, false}
	case scenarios.KindMemberExpired:
		return Mark{"x", 95, true, false}
	case scenarios.KindClose, scenarios.KindClosed:
		return Mark{"Q", 90, false, false}
	case scenarios.KindStart:
		return Mark{"S", 85, false, true}
	case scenarios.KindRestart:
		return Mark{"R", 85, false, true}
	case scenarios.KindMaxPoll:
		return Mark{"T", 80, true, false}
	case scenarios.KindLost:
		return Mark{"L", 78, true, false}
	case scenarios.KindCommitFailed:
		return Mark{"!", 75, true, false}
	case scenarios.KindBrokerDown:
		return Mark{"D", 75, true, false}
	case scenarios.KindBrokerUp:
		return Mark{"U", 74, false, true}
	case scenarios.KindJoin:
		return Mark{"J", 70, false, false}
	case scenarios.KindGroupState:
		switch e.State {
		case "PreparingRebalance":
			return Mark{"R", 70, false, false}
		case "CompletingRebalance":
			return Mark{"r", 65, false, false}
		case "Stable":
			return Mark{"S", 60, false, true}
		case "Empty":
			return Mark{"E", 60, false, false}
		}
		return Mark{"?", 50, false, false}
	case scenarios.KindOffsetsExpired:
		return Mark{"o", 70, true, false}
	case scenarios.KindRevoke:
		return Mark{"v", 66, false, false}
	case scenarios.KindAssign:
		return Mark{"A", 65, false, false}
	case scenarios.KindStall:
		return Mark{"Z", 64, true, false}
	case scenarios.KindResume:
		return Mark{"W", 63, false, false}
	case scenarios.KindProcessFailed:
		return Mark{"f", 60, true, false}
	case scenarios.KindHeartbeat, scenarios.KindClientErr:
		return Mark{"h", 55, true, false}
	case scenarios.KindCommitOK:
		switch {
		case e.Commit == scenarios.CommitAuto || e.Commit == scenarios.CommitJavaPoll:
			return Mark{"a", 50, false, false}
		case e.Async:
			return Mark{"y", 50, false, false}
		}
		return Mark{"c", 50, false, false}
	case scenarios.KindEffect:
		return Mark{"+", 40, false, true}
	case scenarios.KindEffectSkipped:
		return Mark{"s", 40, false, false}
	case scenarios.KindDeliver:
		return Mark{">", 35, false, false}
	case scenarios.KindEOF:
		return Mark{"e", 30, false, false}
	}
	return Mark{"", 0, false, false}
}
