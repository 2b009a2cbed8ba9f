package rdkafka

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kafkasim/kafkasim/client"
)

// What librdkafka does on its own threads (the auto-commit timer, the
// commit of revoked partitions, joins, leaving on max.poll.interval.ms)
// reaches a confluent-kafka app late or never: commit results only when
// the app next polls, member ids and generations not at all. The agent
// runs librdkafka with debug=cgrp,topic, whose log lines librdkafka writes
// as each thing happens; the interpreter below turns them into facts. The
// lines it reads are librdkafka 2.0.2's (src/rdkafka_cgrp.c,
// rdkafka_assignment.c, rdkafka_partition.c, rdkafka_offset.c); a line it
// does not recognise is ignored, so a different librdkafka version loses
// detail in the timeline, never correctness of the app's calls.

// factKind is what a fact reports.
type factKind int

const (
	factMemberID        factKind = iota // MemberID set (may be "")
	factJoined                          // JoinGroup answered: Generation, Protocol, Leader, Members
	factSynced                          // SyncGroup answered
	factCommitStarted                   // Commit sent (or deferred): Reason, Offsets
	factCommitDone                      // Commit answered: Reason, Err, ErrText, N
	factMaxPoll                         // max.poll.interval.ms exceeded: the member leaves
	factLeave                           // LeaveGroup sent
	factLost                            // the assignment is lost: Reason
	factPosition                        // a partition starts fetching: TP, PosReason, Reset
	factSessionTimeout                  // the coordinator did not answer within session.timeout.ms
	factHeartbeatFailed                 // a heartbeat failed: ErrText
)

// fact is one thing librdkafka did, from its log.
type fact struct {
	Kind       factKind
	Time       time.Time
	MemberID   string
	Generation int32
	Protocol   string
	Leader     bool
	Members    int
	Reason     string
	Offsets    []client.TopicPartition
	N          int
	ErrText    string
	Err        client.ErrorCode
	TP         client.TopicPartition
	PosReason  client.PositionReason
	Reset      string
	// Deferred: the commit waits for a coordinator.
	Deferred bool
	// ID pairs a commit's start and end.
	ID uint64
}

// inflightCommit is a commit librdkafka started and has not answered.
type inflightCommit struct {
	id       uint64
	reason   string
	offsets  []client.TopicPartition
	deferred bool
}

var (
	reMemberID   = regexp.MustCompile(`^Group "[^"]*": updating member id "([^"]*)" -> "([^"]*)"$`)
	reJoinResp   = regexp.MustCompile(`^JoinGroup response: GenerationId (-?\d+), Protocol ([^,]*), LeaderId ([^ ,]*)( \(me\))?, my MemberId ([^,]*), member metadata count (\d+): (.*)$`)
	reSyncResp   = regexp.MustCompile(`^SyncGroup response: (.*?)( \(.*\))?$`)
	reOffsetSet  = regexp.MustCompile(`^Topic (\S+) \[(\d+)\]: stored offset (-?\d+), committed offset (-?\d+): setting stored offset (-?\d+) for commit$`)
	reRemove     = regexp.MustCompile(`^Removing (\S+) \[(\d+)\] from assignment \(.*stored offset=([^)]*)\)$`)
	reCommitting = regexp.MustCompile(`Committing offsets for (\d+) partition\(s\) with generation-id (-?\d+) in join-state [^:]*: (.*)$`)
	reReturned   = regexp.MustCompile(`OffsetCommit for (-?\d+) partition\(s\) in join-state [^:]*: (.*): returned: (.*)$`)
	reDeferring  = regexp.MustCompile(`^Deferring "(.*)" offset commit for (\d+) partition\(s\) in state `)
	reRetryLater = regexp.MustCompile(`^Group "[^"]*": unable to OffsetCommit in state .*: retrying later$`)
	reMaxPoll    = regexp.MustCompile(`^Application maximum poll interval \((\d+)ms\) exceeded by (\d+)ms`)
	reLeave      = regexp.MustCompile(`^Group "[^"]*": leave \(in state`)
	reLost       = regexp.MustCompile(`^Group "[^"]*": current assignment of \d+ partition\(s\) lost: (.*)$`)
	reStartPend  = regexp.MustCompile(`^Starting pending assigned partition (\S+) \[(\d+)\] at offset (\S+)$`)
	reReset      = regexp.MustCompile(`^(\S+) \[(\d+)\]: offset reset \(at offset [^,]*, broker -?\d+\) to (\S+?)(?: \(.*\))?: (.*): (.*)$`)
	reStartFetch = regexp.MustCompile(`^Partition (\S+) \[(\d+)\] start fetching at offset (-?\d+)`)
	reSessionTO  = regexp.MustCompile(`^Consumer group session timed out`)
	reHeartbeat  = regexp.MustCompile(`^Heartbeat failed(?: due to coordinator \([^)]*\) no longer available)?: (.*)$`)
)

// interpreter turns log lines into facts, keeping the state the lines
// only make sense in (offsets listed before the commit that sends them).
type interpreter struct {
	errs map[string]client.ErrorCode
	// forCommit are the stored offsets librdkafka set for the commit being
	// built (OFFSET lines before "Committing offsets").
	forCommit []client.TopicPartition
	// removed are the stored offsets of partitions leaving the assignment
	// (REMOVE lines before the "unassigned partitions" commit).
	removed []client.TopicPartition
	// startReason is why each pending partition starts where it does.
	startReason map[client.PartitionKey]fact
	inflight    []*inflightCommit
	nextID      uint64
	// held is a commit's answer that may or may not end it (see feed).
	held *fact
}

func newInterpreter(errs map[string]client.ErrorCode) *interpreter {
	return &interpreter{errs: errs, startReason: map[client.PartitionKey]fact{}}
}

func atoi32(s string) int32 {
	n, _ := strconv.ParseInt(s, 10, 32)
	return int32(n)
}

func atoi64(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// errCode maps a librdkafka error description back to its code.
func (in *interpreter) errCode(text string) client.ErrorCode {
	if c, ok := in.errs[text]; ok {
		return c
	}
	return client.ErrFail
}

// feed interprets one line.
func (in *interpreter) feed(l logLine) []fact {
	if in.held != nil {
		held := *in.held
		in.held = nil
		if l.Fac == "COMMIT" && reRetryLater.MatchString(l.Msg) {
			// Deferred: the commit is still under way.
			if c := in.oldest(held.Reason); c != nil {
				c.deferred = true
			}
			return nil
		}
		// Not deferred again: that answer ended the commit.
		c := in.finish(held.Reason)
		if c != nil {
			held.Offsets, held.ID = c.offsets, c.id
		}
		return append([]fact{held}, in.feed(l)...)
	}
	f := fact{Time: l.Time}
	switch l.Fac {
	case "MEMBERID":
		if m := reMemberID.FindStringSubmatch(l.Msg); m != nil {
			id := m[2]
			if id == "(not-set)" {
				id = ""
			}
			f.Kind, f.MemberID = factMemberID, id
			return []fact{f}
		}
	case "JOINGROUP":
		if m := reJoinResp.FindStringSubmatch(l.Msg); m != nil && m[7] == "(no error)" {
			f.Kind, f.Generation, f.Protocol, f.Leader, f.MemberID = factJoined, atoi32(m[1]), m[2], m[4] != "", m[5]
			f.Members = int(atoi32(m[6]))
			return []fact{f}
		}
	case "SYNCGROUP":
		if m := reSyncResp.FindStringSubmatch(l.Msg); m != nil && m[1] == "Success" {
			f.Kind = factSynced
			return []fact{f}
		}
	case "OFFSET":
		if m := reOffsetSet.FindStringSubmatch(l.Msg); m != nil {
			in.forCommit = append(in.forCommit, client.TopicPartition{Topic: m[1], Partition: atoi32(m[2]), Offset: client.Offset(atoi64(m[5]))})
			return nil
		}
		if m := reReset.FindStringSubmatch(l.Msg); m != nil {
			k := client.PartitionKey{Topic: m[1], Partition: atoi32(m[2])}
			in.startReason[k] = fact{PosReason: client.PositionReset, Reset: resetName(m[3])}
			return nil
		}
	case "REMOVE":
		if m := reRemove.FindStringSubmatch(l.Msg); m != nil {
			if o, err := strconv.ParseInt(m[3], 10, 64); err == nil && o >= 0 {
				in.removed = append(in.removed, client.TopicPartition{Topic: m[1], Partition: atoi32(m[2]), Offset: client.Offset(o)})
			}
			return nil
		}
	case "COMMIT":
		if m := reCommitting.FindStringSubmatch(l.Msg); m != nil {
			reason := m[3]
			offs := in.takeOffsets(reason)
			if c := in.deferred(reason); c != nil {
				// A deferred commit sent now that the coordinator is back:
				// already reported as started.
				c.deferred = false
				if len(offs) > 0 {
					c.offsets = offs
				}
				return nil
			}
			c := in.start(reason, offs, false)
			f.Kind, f.N, f.Generation, f.Reason, f.Offsets, f.ID = factCommitStarted, int(atoi32(m[1])), atoi32(m[2]), reason, c.offsets, c.id
			return []fact{f}
		}
		if m := reDeferring.FindStringSubmatch(l.Msg); m != nil {
			reason := m[1]
			c := in.start(reason, in.takeOffsets(reason), true)
			f.Kind, f.Reason, f.N, f.Deferred, f.Offsets, f.ID = factCommitStarted, reason, int(atoi32(m[2])), true, c.offsets, c.id
			return []fact{f}
		}
		if m := reReturned.FindStringSubmatch(l.Msg); m != nil {
			reason := m[2]
			f.Kind, f.N, f.Reason, f.ErrText = factCommitDone, int(atoi32(m[1])), reason, m[3]
			f.Err = in.errCode(m[3])
			switch f.Err {
			case client.ErrInProgress:
				// librdkafka retries the commit (rd_kafka_cgrp_op_handle_OffsetCommit).
				return nil
			case client.ErrNotCoordinator, client.ErrCoordinatorNotAvailable, client.ErrTransport:
				// Deferred until the coordinator is back, unless it was
				// deferred once already: the next line says which.
				if c := in.oldest(reason); c != nil {
					in.held = &f
					return nil
				}
			}
			out := []fact{}
			c := in.finish(reason)
			if c == nil {
				// Failed before it was sent (nothing to commit, a fatal
				// error): not preceded by "Committing offsets".
				c = in.start(reason, in.takeOffsets(reason), false)
				in.finish(reason)
				st := fact{Kind: factCommitStarted, Time: l.Time, Reason: reason, N: f.N, Offsets: c.offsets, ID: c.id}
				out = append(out, st)
			}
			f.Offsets, f.ID = c.offsets, c.id
			return append(out, f)
		}
	case "MAXPOLL":
		if reMaxPoll.MatchString(l.Msg) {
			f.Kind = factMaxPoll
			return []fact{f}
		}
	case "LEAVE":
		if reLeave.MatchString(l.Msg) {
			f.Kind = factLeave
			return []fact{f}
		}
	case "LOST":
		if m := reLost.FindStringSubmatch(l.Msg); m != nil {
			f.Kind, f.Reason = factLost, m[1]
			return []fact{f}
		}
	case "SRVPEND":
		if m := reStartPend.FindStringSubmatch(l.Msg); m != nil {
			k := client.PartitionKey{Topic: m[1], Partition: atoi32(m[2])}
			if _, err := strconv.ParseInt(m[3], 10, 64); err == nil {
				in.startReason[k] = fact{PosReason: client.PositionCommitted}
			} else {
				delete(in.startReason, k)
			}
			return nil
		}
	case "FETCH":
		if m := reStartFetch.FindStringSubmatch(l.Msg); m != nil {
			k := client.PartitionKey{Topic: m[1], Partition: atoi32(m[2])}
			why, ok := in.startReason[k]
			if !ok {
				// A seek or an explicit assign offset.
				why = fact{PosReason: client.PositionExplicit}
			}
			delete(in.startReason, k)
			f.Kind, f.PosReason, f.Reset = factPosition, why.PosReason, why.Reset
			f.TP = client.TopicPartition{Topic: k.Topic, Partition: k.Partition, Offset: client.Offset(atoi64(m[3]))}
			return []fact{f}
		}
	case "SESSTMOUT":
		if reSessionTO.MatchString(l.Msg) {
			f.Kind = factSessionTimeout
			return []fact{f}
		}
	case "HEARTBEAT":
		if m := reHeartbeat.FindStringSubmatch(l.Msg); m != nil {
			f.Kind, f.ErrText = factHeartbeatFailed, m[1]
			f.Err = in.errCode(m[1])
			return []fact{f}
		}
	}
	return nil
}

func (in *interpreter) start(reason string, offs []client.TopicPartition, deferred bool) *inflightCommit {
	in.nextID++
	c := &inflightCommit{id: in.nextID, reason: reason, offsets: offs, deferred: deferred}
	in.inflight = append(in.inflight, c)
	return c
}

// deferred is the oldest deferred commit with this reason.
func (in *interpreter) deferred(reason string) *inflightCommit {
	for _, c := range in.inflight {
		if c.reason == reason && c.deferred {
			return c
		}
	}
	return nil
}

// oldest is the oldest in-flight commit with this reason.
func (in *interpreter) oldest(reason string) *inflightCommit {
	for _, c := range in.inflight {
		if c.reason == reason {
			return c
		}
	}
	return nil
}

// finish removes and returns the oldest in-flight commit with this reason.
func (in *interpreter) finish(reason string) *inflightCommit {
	for i, c := range in.inflight {
		if c.reason == reason {
			in.inflight = append(in.inflight[:i], in.inflight[i+1:]...)
			return c
		}
	}
	return nil
}

// takeOffsets returns the offsets listed for the commit with this reason.
func (in *interpreter) takeOffsets(reason string) []client.TopicPartition {
	var out []client.TopicPartition
	if reason == reasonUnassigned {
		out, in.removed = in.removed, nil
		in.forCommit = nil
		return out
	}
	out, in.forCommit = in.forCommit, nil
	return out
}

// Commit reasons librdkafka logs.
const (
	reasonTimer      = "cgrp auto commit timer"
	reasonUnassigned = "unassigned partitions"
	reasonManual     = "manual"
)

// resetName is auto.offset.reset's canonical name for a logical offset.
func resetName(s string) string {
	switch strings.ToUpper(s) {
	case "BEGINNING":
		return "smallest"
	case "END":
		return "largest"
	}
	return strings.ToLower(s)
}
