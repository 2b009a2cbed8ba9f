package scenarios

import (
	"fmt"
	"strings"
	"time"
)

// Explain says in plain words what step i did and why, for the narration
// panel of the TUI and the exports: "auto-commit at T=5s committed offset
// 1 of orders[0] while offset 0 of orders[0] was still being processed:
// if c1 dies now, that message is lost." before and after are the states
// around the step (Steps.At(i-1) and Steps.At(i)).
func (x *Steps) Explain(i int, before, after *StepState) string {
	if i < 0 || i >= x.Len() {
		return ""
	}
	e := x.Event(i)
	t := "T=" + FormatTime(e.At)
	tp := e.TP().String()
	p := x.PartIndex(e.TP())
	ci := x.ConsumerIndex(e.Actor)
	gi := x.GroupIndex(e.Group)
	cooperative := gi >= 0 && after != nil && after.Groups[gi].Cooperative()
	closing := ci >= 0 && before != nil && before.Cons[ci].Status == StatusClosing
	var s string
	switch e.Kind {
	case KindNarration:
		s = "The note above is for what just happened; → goes on."
	case KindPause:
		s = "A teaching breakpoint: playback stops here."
	case KindProduce:
		s = fmt.Sprintf("%s wrote %s to %s at offset %d; the log end is now %d.", e.Actor, keyOr(e.Key, "a message"), tp, e.Offset, e.Offset+1)
	case KindStart:
		s = fmt.Sprintf("%s starts and subscribes: it will join group %s.", e.Actor, e.Group)
	case KindRestart:
		s = fmt.Sprintf("%s starts again as a new client: it must join %s again and resumes from the committed offsets.", e.Actor, e.Group)
	case KindSubscribed:
		s = fmt.Sprintf("%s subscribed to %s.", e.Actor, strings.Join(e.Topics, ", "))
	case KindCrash:
		s = fmt.Sprintf("%s crashed: no commit, no LeaveGroup, heartbeats stop. The coordinator notices only at session.timeout.ms.", e.Actor)
		if ci >= 0 && before != nil && len(before.Cons[ci].InFlight) > 0 {
			s += " It was still processing " + x.msgList(before.Cons[ci].InFlight) + ": that work is gone."
		}
	case KindClose:
		s = fmt.Sprintf("%s calls close(): it finishes the message in hand, then gives up its partitions (the rebalance callback runs), commits what auto-commit would commit, and sends LeaveGroup, so the group rebalances at once.", e.Actor)
	case KindClosed:
		s = fmt.Sprintf("%s has closed.", e.Actor)
	case KindStall:
		s = fmt.Sprintf("%s stops polling (stuck in processing): heartbeats go on, but max.poll.interval.ms is ticking.", e.Actor)
	case KindResume:
		s = fmt.Sprintf("%s polls again.", e.Actor)
	case KindJoin:
		if strings.HasSuffix(e.Detail, ", consumer") {
			s = fmt.Sprintf("%s joined %s as member %s at member epoch %d: its first heartbeat was answered. With the consumer group protocol (KIP-848) there is no leader and no join barrier: the broker computes the assignment, and each member takes its part one heartbeat at a time.",
				e.Actor, e.Group, ShortMember(e.Member), e.Generation)
			break
		}
		s = fmt.Sprintf("%s joined %s as member %s in generation %d", e.Actor, e.Group, ShortMember(e.Member), e.Generation)
		if e.Detail != "" {
			s += " (" + e.Detail + ")"
		}
		s += "."
	case KindAssign:
		if len(e.Partitions) == 0 {
			s = fmt.Sprintf("%s's new assignment adds nothing: it keeps what it owns.", e.Actor)
			break
		}
		s = fmt.Sprintf("%s was assigned %s: it will start from the committed offset, or auto.offset.reset if none.", e.Actor, tpList(e.Partitions))
	case KindRevoke:
		switch {
		case closing:
			s = fmt.Sprintf("%s is closing: first its rebalance callback gives up %s; the final commit and LeaveGroup come next.", e.Actor, tpList(e.Partitions))
		case cooperative || e.Detail == "cooperative":
			s = fmt.Sprintf("%s gives up only %s, which moves to another member; it keeps the rest and goes on consuming (cooperative rebalance). Until the next generation nobody owns %s.", e.Actor, tpList(e.Partitions), tpList(e.Partitions))
		default:
			s = fmt.Sprintf("%s gives up all it owns, %s, at the start of an eager rebalance: every member does, and none consumes until the new assignment.", e.Actor, tpList(e.Partitions))
		}
	case KindLost:
		s = fmt.Sprintf("%s lost %s: it is no longer a member, so anything it commits for them will be rejected.", e.Actor, tpList(e.Partitions))
	case KindLeave:
		s = fmt.Sprintf("%s sent LeaveGroup: the coordinator rebalances without waiting for a timeout.", e.Actor)
	case KindRejoin:
		s = fmt.Sprintf("%s will rejoin the group.", e.Actor)
	case KindPosition:
		how := e.Detail
		switch how {
		case "committed":
			how = "the committed offset"
		case "reset":
			how = "auto.offset.reset, since nothing was committed"
		}
		s = fmt.Sprintf("%s will read %s from offset %d (%s).", e.Actor, tp, e.Offset, how)
	case KindMaxPoll:
		s = fmt.Sprintf("%s did not call poll within max.poll.interval.ms: it leaves the group, and its partitions move.", e.Actor)
	case KindHeartbeat:
		s = fmt.Sprintf("%s's heartbeat failed %s.", e.Actor, e.Error)
	case KindClientErr:
		s = fmt.Sprintf("%s got error %s.", e.Actor, e.Error)
	case KindEOF:
		s = fmt.Sprintf("%s reached the end of %s at offset %d (_PARTITION_EOF: informational, not an error).", e.Actor, tp, e.Offset)
	case KindDeliver:
		d, _ := x.Deliveries(gi, p, e.Offset, i)
		s = fmt.Sprintf("poll handed offset %d of %s to %s", e.Offset, tp, e.Actor)
		if d > 1 {
			s += fmt.Sprintf(" — delivery number %d of this message", d)
		}
		s += "."
	case KindStore:
		s = fmt.Sprintf("%s stored offset %d of %s for the next commit.", e.Actor, e.Offset, tp)
		if strings.Contains(e.Detail, "before processing") {
			s += " librdkafka stores offset+1 as soon as poll returns a message, before processing."
		}
	case KindEffect:
		_, eff := x.Deliveries(gi, p, e.Offset, i)
		s = fmt.Sprintf("%s finished processing offset %d of %s: its side effect happened.", e.Actor, e.Offset, tp)
		if eff > 1 {
			s = fmt.Sprintf("%s finished processing offset %d of %s: its side effect happened for the %s time — DUPLICATED.", e.Actor, e.Offset, tp, ordinal(eff))
		}
	case KindEffectSkipped:
		s = fmt.Sprintf("%s saw offset %d of %s again; the idempotent store skipped it, so no second effect.", e.Actor, e.Offset, tp)
	case KindProcessFailed:
		s = fmt.Sprintf("processing of offset %d of %s failed in %s: no side effect.", e.Offset, tp, e.Actor)
	case KindCommit:
		s = fmt.Sprintf("%s asks to commit offset %d of %s (%s).", e.Actor, e.Offset, tp, CommitName(e))
		if e.Async && e.Commit == CommitManual {
			s += " The call returns at once; the result comes later."
		}
	case KindCommitOK:
		s = fmt.Sprintf("%s at %s committed offset %d of %s: the group resumes %s there after a restart or rebalance.", CommitName(e), t, e.Offset, tp, tp)
		if ci >= 0 && after != nil {
			var open []StepMsg
			for _, m := range after.Cons[ci].InFlight {
				if m.P == p && m.Off < e.Offset {
					open = append(open, m)
				}
			}
			if len(open) > 0 {
				s = fmt.Sprintf("%s at %s committed offset %d of %s while %s was still being processed: if %s dies now, that message is lost.",
					CommitName(e), t, e.Offset, tp, x.msgList(open), e.Actor)
			}
		}
	case KindCommitFailed:
		s = fmt.Sprintf("%s of offset %d of %s was rejected: %s.", CommitName(e), e.Offset, tp, errWords(e.Error))
	case KindGroupState:
		s = fmt.Sprintf("group %s is now %s (generation %d).", e.Group, e.State, e.Generation)
		if after != nil && gi >= 0 && after.Groups[gi].ConsumerProtocol() {
			s = fmt.Sprintf("group %s is now %s (group epoch %d).", e.Group, e.State, e.Generation)
		}
		forming := before != nil && gi >= 0 && len(before.Groups[gi].Members) == 0
		switch {
		case e.State == "PreparingRebalance" && forming:
			s += " The group forms: its members join, and nobody owns a partition until the first assignment is out."
		case e.State == "PreparingRebalance" && cooperative:
			s += " Members rejoin keeping what they own, and go on consuming it (cooperative): only partitions that move will be revoked."
		case e.State == "PreparingRebalance":
			s += " Members must rejoin; each gives up all its partitions first, so consumption pauses (eager)."
		case e.State == "CompletingRebalance":
			s += " The leader computes the assignment."
		case e.State == "Assigning":
			s += " The group epoch moved (a member joined, left or changed its subscription): the next heartbeat computes a new target assignment. Nobody stops."
		case e.State == "Reconciling":
			s += " Members move to the new target one heartbeat at a time: each first gives up what moves, and a partition goes to its new owner only after its old owner confirmed. The rest keep flowing."
		case e.State == "Stable" && after != nil && gi >= 0 && after.Groups[gi].ConsumerProtocol():
			s += " Every member has reached the target assignment."
		case e.State == "Stable" && cooperative:
			s += " The assignment is out. A partition that moves is withheld this generation: its old owner revokes it, and it has no owner until the next rebalance hands it over."
		case e.State == "Stable":
			s += " The assignment is out: each member takes its partitions at its next poll."
		}
	case KindMemberExpired:
		who := e.Member
		if before != nil && gi >= 0 {
			for _, m := range before.Groups[gi].Members {
				if m.ID == e.Member {
					who = m.Consumer + " (" + ShortMember(m.ID) + ")"
				}
			}
		}
		s = fmt.Sprintf("the coordinator removed %s: no heartbeat for session.timeout.ms.", who)
	case KindOffsetsExpired:
		s = fmt.Sprintf("group %s's committed offsets expired (offsets.retention.minutes): it will restart from auto.offset.reset.", e.Group)
	case KindGroupEvent:
		switch {
		case strings.HasPrefix(e.Detail, reconcilePrefix):
			s = "In answer to a member's heartbeat the coordinator moved it one step towards the target assignment (KIP-848 reconciliation): a member first gives up what moves, and a partition goes to its new owner only after the old one confirmed. Nothing happens to a member between its own heartbeats."
		case strings.HasPrefix(e.Detail, "group epoch "):
			s = "The group epoch rose: the membership or a subscription changed. The next heartbeat of any member computes a new target assignment."
		case strings.HasPrefix(e.Detail, "target:"):
			s = "The coordinator computed a new target assignment: who should own what. Nothing moves yet: each member gets there at its own heartbeats."
		default:
			s = EventString(e)
		}
	case KindBrokerDown:
		s = "the broker is down: fetches, commits and heartbeats fail until it is back."
	case KindBrokerUp:
		s = "the broker is back up."
	default:
		s = EventString(e)
	}
	if e.Cause != "" {
		s += " Why: " + ShortMembers(e.Cause)
	}
	if e.Kind != KindNarration && e.Kind != KindStore && e.Detail != "" && e.Kind != KindJoin && e.Kind != KindPosition &&
		e.Kind != KindRevoke && e.Kind != KindAssign {
		s += " (" + ShortMembers(e.Detail) + ")"
	}
	return s
}

func (x *Steps) msgList(ms []StepMsg) string {
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

func tpList(tps []TP) string {
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

// CommitName names an event's commit trigger in words ("auto-commit",
// "manual async commit").
func CommitName(e *Event) string {
	mode := "sync"
	if e.Async {
		mode = "async"
	}
	switch e.Commit {
	case CommitAuto:
		return "auto-commit"
	case CommitJavaPoll:
		return "auto-commit in poll"
	case CommitRevoke:
		return "commit on revoke"
	case CommitClose:
		return "commit on close"
	case CommitManual:
		return "manual " + mode + " commit"
	case CommitBeforeProcess:
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

// ShortMember shortens a member id for display: "c1-8707a01d-6329-..."
// becomes "c1-8707a0".
func ShortMember(id string) string {
	if isBase64UUID(id) {
		// A consumer-protocol member id (KIP-848), a bare UUID.
		return id[:6]
	}
	if isUUIDTail(id) {
		return id[:len(id)-36+6]
	}
	if i := strings.IndexByte(id, '-'); i >= 0 && len(id) > i+7 {
		return id[:i+7]
	}
	return id
}

// isBase64UUID reports whether s is a UUID as Kafka prints one: 16 bytes
// in URL-safe base64, 22 characters (24 with the padding kgo adds).
func isBase64UUID(s string) bool {
	s = strings.TrimSuffix(s, "==")
	if len(s) != 22 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// isUUIDTail reports whether s ends in "-" and a UUID (8-4-4-4-12 hex).
func isUUIDTail(s string) bool {
	if len(s) < 37 || s[len(s)-37] != '-' {
		return false
	}
	return isUUID(s[len(s)-36:])
}

func isUUID(u string) bool {
	if len(u) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := u[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
	}
	return true
}

// ShortMembers shortens every member id ("<client.id>-<uuid>") in s as
// ShortMember does, so event lines and causes fit a screen.
func ShortMembers(s string) string {
	if len(s) < 36 || !strings.Contains(s, "-") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if i+36 <= len(s) && isHex(s[i]) && (i == 0 || s[i-1] == '-') && isUUID(s[i:i+36]) {
			b.WriteString(s[i : i+6])
			i += 36
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' }

// FormatTime prints a virtual time for the screen, to the millisecond
// (scenario files may use finer times; the class does not need them).
func FormatTime(d time.Duration) string {
	return FormatDuration(d.Round(time.Millisecond))
}

// EventString is e.String() with the time as FormatTime prints it and
// member ids shortened (ShortMembers): one timeline line for a screen.
func EventString(e *Event) string {
	if e.At%time.Millisecond == 0 {
		return ShortMembers(e.String())
	}
	c := *e
	c.At = c.At.Round(time.Millisecond)
	return ShortMembers(c.String())
}
