package replay

import (
	"fmt"
	"strings"
	"time"

	"github.com/kafkasim/kafkasim/scenarios"
)

// Explain says in plain words what step i did and why, for the narration
// panel: "auto-commit at T=5s committed offset 2 of orders[0] while offset
// 1 was still being processed". before and after are the states around
// the step.
func (x *Index) Explain(i int, before, after *State) string {
	if i < 0 || i >= x.Len() {
		return ""
	}
	e := x.Event(i)
	t := "T=" + FormatTime(e.At)
	tp := e.TP().String()
	p := x.PartIndex(e.TP())
	ci := x.ConsumerIndex(e.Actor)
	var s string
	switch e.Kind {
	case scenarios.KindNarration:
		s = "The teacher's note for this part of the run."
	case scenarios.KindPause:
		s = "A teaching breakpoint: playback stops here."
	case scenarios.KindProduce:
		s = fmt.Sprintf("%s wrote %s to %s at offset %d; the log end is now %d.", e.Actor, keyOr(e.Key, "a message"), tp, e.Offset, e.Offset+1)
	case scenarios.KindStart:
		s = fmt.Sprintf("%s starts and subscribes: it will join group %s.", e.Actor, e.Group)
	case scenarios.KindRestart:
		s = fmt.Sprintf("%s starts again as a new client: it must join %s again and resumes from the committed offsets.", e.Actor, e.Group)
	case scenarios.KindSubscribed:
		s = fmt.Sprintf("%s subscribed to %s.", e.Actor, strings.Join(e.Topics, ", "))
	case scenarios.KindCrash:
		s = fmt.Sprintf("%s crashed: no commit, no LeaveGroup, heartbeats stop. The coordinator notices only at session.timeout.ms.", e.Actor)
		if ci >= 0 && before != nil && len(before.Cons[ci].InFlight) > 0 {
			s += " It was still processing " + x.msgList(before.Cons[ci].InFlight) + ": that work is gone."
		}
	case scenarios.KindClose:
		s = fmt.Sprintf("%s closes gracefully: it commits what auto-commit would commit, leaves the group, and a rebalance starts at once.", e.Actor)
	case scenarios.KindClosed:
		s = fmt.Sprintf("%s has closed.", e.Actor)
	case scenarios.KindStall:
		s = fmt.Sprintf("%s stops polling (stuck in processing): heartbeats go on, but max.poll.interval.ms is ticking.", e.Actor)
	case scenarios.KindResume:
		s = fmt.Sprintf("%s polls again.", e.Actor)
	case scenarios.KindJoin:
		s = fmt.Sprintf("%s joined %s as member %s in generation %d", e.Actor, e.Group, ShortMember(e.Member), e.Generation)
		if e.Detail != "" {
			s += " (" + e.Detail + ")"
		}
		s += "."
	case scenarios.KindAssign:
		s = fmt.Sprintf("%s was assigned %s: it will start from the committed offset, or auto.offset.reset if none.", e.Actor, tpList(e.Partitions))
	case scenarios.KindRevoke:
		s = fmt.Sprintf("%s gives up %s in an orderly rebalance.", e.Actor, tpList(e.Partitions))
	case scenarios.KindLost:
		s = fmt.Sprintf("%s lost %s: it is no longer a member, so anything it commits for them will be rejected.", e.Actor, tpList(e.Partitions))
	case scenarios.KindLeave:
		s = fmt.Sprintf("%s sent LeaveGroup: the coordinator rebalances without waiting for a timeout.", e.Actor)
	case scenarios.KindRejoin:
		s = fmt.Sprintf("%s will rejoin the group.", e.Actor)
	case scenarios.KindPosition:
		how := e.Detail
		switch how {
		case "committed":
			how = "the committed offset"
		case "reset":
			how = "auto.offset.reset, since nothing was committed"
		}
		s = fmt.Sprintf("%s will read %s from offset %d (%s).", e.Actor, tp, e.Offset, how)
	case scenarios.KindMaxPoll:
		s = fmt.Sprintf("%s did not call poll within max.poll.interval.ms: it leaves the group, and its partitions move.", e.Actor)
	case scenarios.KindHeartbeat:
		s = fmt.Sprintf("%s's heartbeat failed %s.", e.Actor, e.Error)
	case scenarios.KindClientErr:
		s = fmt.Sprintf("%s got error %s.", e.Actor, e.Error)
	case scenarios.KindEOF:
		s = fmt.Sprintf("%s reached the end of %s at offset %d (_PARTITION_EOF: informational, not an error).", e.Actor, tp, e.Offset)
	case scenarios.KindDeliver:
		d, _ := x.Deliveries(x.GroupIndex(e.Group), p, e.Offset, i)
		s = fmt.Sprintf("poll handed offset %d of %s to %s", e.Offset, tp, e.Actor)
		if d > 1 {
			s += fmt.Sprintf(" — delivery number %d of this message", d)
		}
		s += "."
	case scenarios.KindStore:
		s = fmt.Sprintf("%s stored offset %d of %s for the next commit. librdkafka stores offset+1 as soon as poll returns a message, before processing.", e.Actor, e.Offset, tp)
	case scenarios.KindEffect:
		_, eff := x.Deliveries(x.GroupIndex(e.Group), p, e.Offset, i)
		s = fmt.Sprintf("%s finished processing offset %d of %s: its side effect happened.", e.Actor, e.Offset, tp)
		if eff > 1 {
			s = fmt.Sprintf("%s finished processing offset %d of %s: its side effect happened for the %s time — DUPLICATED.", e.Actor, e.Offset, tp, ordinal(eff))
		}
	case scenarios.KindEffectSkipped:
		s = fmt.Sprintf("%s saw offset %d of %s again; the idempotent store skipped it, so no second effect.", e.Actor, e.Offset, tp)
	case scenarios.KindProcessFailed:
		s = fmt.Sprintf("processing of offset %d of %s failed in %s: no side effect.", e.Offset, tp, e.Actor)
	case scenarios.KindCommit:
		s = fmt.Sprintf("%s asks to commit offset %d of %s (%s).", e.Actor, e.Offset, tp, commitName(e))
	case scenarios.KindCommitOK:
		s = fmt.Sprintf("%s at %s committed offset %d of %s: the group resumes %s there after a restart or rebalance.", commitName(e), t, e.Offset, tp, tp)
		if ci >= 0 {
			var open []Msg
			for _, m := range after.Cons[ci].InFlight {
				if m.P == p && m.Off < e.Offset {
					open = append(open, m)
				}
			}
			if len(open) > 0 {
				s = fmt.Sprintf("%s at %s committed offset %d of %s while %s was still being processed: if %s dies now, that message is lost.",
					commitName(e), t, e.Offset, tp, x.msgList(open), e.Actor)
			}
		}
	case scenarios.KindCommitFailed:
		s = fmt.Sprintf("%s of offset %d of %s was rejected: %s.", commitName(e), e.Offset, tp, errWords(e.Error))
	case scenarios.KindGroupState:
		s = fmt.Sprintf("group %s is now %s (generation %d).", e.Group, e.State, e.Generation)
		switch e.State {
		case "PreparingRebalance":
			s += " Members must rejoin; consumption pauses."
		case "CompletingRebalance":
			s += " The leader computes the assignment."
		case "Stable":
			s += " Every partition has one owner."
		}
	case scenarios.KindMemberExpired:
		who := e.Member
		for _, m := range before.Groups[max(0, x.GroupIndex(e.Group))].Members {
			if m.ID == e.Member {
				who = m.Consumer + " (" + ShortMember(m.ID) + ")"
			}
		}
		s = fmt.Sprintf("the coordinator removed %s: no heartbeat for session.timeout.ms.", who)
	case scenarios.KindOffsetsExpired:
		s = fmt.Sprintf("group %s's committed offsets expired (offsets.retention.minutes): it will restart from auto.offset.reset.", e.Group)
	case scenarios.KindBrokerDown:
		s = "the broker is down: fetches, commits and heartbeats fail until it is back."
	case scenarios.KindBrokerUp:
		s = "the broker is back up."
	default:
		s = EventString(e)
	}
	if e.Cause != "" {
		s += " Why: " + e.Cause
	}
	if e.Kind != scenarios.KindNarration && e.Detail != "" && e.Kind != scenarios.KindJoin && e.Kind != scenarios.KindPosition {
		s += " (" + e.Detail + ")"
	}
	return s
}

func (x *Index) msgList(ms []Msg) string {
	var parts []string
	for _, m := range ms {
		parts = append(parts, fmt.Sprintf("offset %d of %s", m.Off, x.Parts[m.P]))
	}
	return strings.Join(parts, ", ")
}

func keyOr(k, def string) string {
	if k == "" {
		return def
	}
	return "key " + k
}

func tpList(tps []scenarios.TP) string {
	if len(tps) == 0 {
		return "no partitions"
	}
	var s []string
	for _, tp := range tps {
		s = append(s, tp.String())
	}
	return strings.Join(s, ", ")
}

func ordinal(n int) string {
	switch n {
	case 2:
		return "second"
	case 3:
		return "third"
	}
	return fmt.Sprintf("%dth", n)
}

func commitName(e *scenarios.Event) string {
	mode := "sync"
	if e.Async {
		mode = "async"
	}
	switch e.Commit {
	case scenarios.CommitAuto:
		return "auto-commit"
	case scenarios.CommitJavaPoll:
		return "auto-commit in poll"
	case scenarios.CommitRevoke:
		return "commit on revoke"
	case scenarios.CommitClose:
		return "commit on close"
	case scenarios.CommitManual:
		return "manual " + mode + " commit"
	case scenarios.CommitBeforeProcess:
		return "commit before processing (" + mode + ")"
	case "":
		return "commit"
	}
	return e.Commit + " commit"
}

func errWords(code string) string {
	switch code {
	case "ILLEGAL_GENERATION":
		return "ILLEGAL_GENERATION — the member is from an older generation; a rebalance moved on without it"
	case "REBALANCE_IN_PROGRESS":
		return "REBALANCE_IN_PROGRESS — the group is rebalancing, commits wait for the new generation"
	case "UNKNOWN_MEMBER_ID":
		return "UNKNOWN_MEMBER_ID — the coordinator already removed this member"
	case "":
		return "dropped"
	}
	return code
}

// CommitName names an event's commit trigger in words ("auto-commit",
// "manual async commit").
func CommitName(e *scenarios.Event) string { return commitName(e) }

// ShortMember shortens a member id for display: "c1-8707a01d-6329-..."
// becomes "c1-8707a0".
func ShortMember(id string) string {
	if i := strings.IndexByte(id, '-'); i >= 0 && len(id) > i+7 {
		return id[:i+7]
	}
	return id
}

// FormatTime prints a virtual time for the screen, to the millisecond
// (scenario files may use finer times; the class does not need them).
func FormatTime(d time.Duration) string {
	return scenarios.FormatDuration(d.Round(time.Millisecond))
}

// EventString is e.String() with the time as FormatTime prints it.
func EventString(e *scenarios.Event) string {
	if e.At%time.Millisecond == 0 {
		return e.String()
	}
	c := *e
	c.At = c.At.Round(time.Millisecond)
	return c.String()
}
