package rdkafka

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kafkasim/kafkasim/client"
)

// Lines librdkafka 2.0.2 wrote (debug=cgrp,topic) in a run on kfake: a
// join, a manual commit of stored offsets, an eager revoke with its
// commit, the auto-commit timer, a failed commit, and a close.
const capturedLog = `%7|1796361938.456|MEMBERID|c1#consumer-2| [thrd:main]: Group "g": updating member id "" -> "c1-4cd5"
%7|1796361938.457|JOINGROUP|c1#consumer-2| [thrd:main]: JoinGroup response: GenerationId 1, Protocol range, LeaderId c1-4cd5 (me), my MemberId c1-4cd5, member metadata count 1: (no error)
%7|1796361938.457|SYNCGROUP|c1#consumer-2| [thrd:main]: SyncGroup response: Success (26 bytes of MemberState data)
%7|1796361938.458|SRVPEND|c1#consumer-2| [thrd:main]: Starting pending assigned partition orders [0] at offset INVALID
%7|1796362017.507|OFFSET|c1#consumer-2| [thrd:main]: orders [0]: offset reset (at offset INVALID, broker -1) to BEGINNING: no previously committed offset available: Local: No offset stored
%7|1796362017.608|FETCH|c1#consumer-2| [thrd:main]: Partition orders [0] start fetching at offset 0
%7|1796361941.468|OFFSET|c1#consumer-2| [thrd:main]: Topic orders [0]: stored offset 9, committed offset -1001: setting stored offset 9 for commit
%7|1796361941.468|COMMIT|c1#consumer-2| [thrd:main]: GroupCoordinator/0: Committing offsets for 1 partition(s) with generation-id 1 in join-state steady: manual
%7|1796361941.468|COMMIT|c1#consumer-2| [thrd:main]: GroupCoordinator/0: OffsetCommit for 1 partition(s) in join-state steady: manual: returned: Success
%7|1796361942.478|REMOVE|c1#consumer-2| [thrd:main]: Removing orders [0] from assignment (started=true, pending=false, queried=false, stored offset=9)
%7|1796361942.478|REMOVE|c1#consumer-2| [thrd:main]: Served 1 removed partition(s), with 1 offset(s) to commit
%7|1796361942.478|COMMIT|c1#consumer-2| [thrd:main]: GroupCoordinator/0: Committing offsets for 1 partition(s) with generation-id 1 in join-state wait-unassign-to-complete: unassigned partitions
%7|1796361942.479|OFFSET|c1#consumer-2| [thrd:main]: Topic orders [1]: stored offset 4, committed offset 2: setting stored offset 4 for commit
%7|1796361942.479|COMMIT|c1#consumer-2| [thrd:main]: GroupCoordinator/0: Committing offsets for 1 partition(s) with generation-id 1 in join-state wait-unassign-to-complete: cgrp auto commit timer
%7|1796361942.479|COMMIT|c1#consumer-2| [thrd:main]: GroupCoordinator/0: OffsetCommit for 1 partition(s) in join-state wait-unassign-to-complete: unassigned partitions: returned: Success
%7|1796361942.480|COMMIT|c1#consumer-2| [thrd:main]: GroupCoordinator/0: OffsetCommit for 1 partition(s) in join-state steady: cgrp auto commit timer: returned: Broker: Specified group generation id is not valid
%7|1796361943.000|COMMIT|c1#consumer-2| [thrd:main]: GroupCoordinator/0: OffsetCommit for -1 partition(s) in join-state steady: manual: returned: Local: No offset stored
%7|1796361943.100|OFFSET|c1#consumer-2| [thrd:main]: Topic orders [0]: stored offset 12, committed offset 9: setting stored offset 12 for commit
%7|1796361943.100|COMMIT|c1#consumer-2| [thrd:main]: GroupCoordinator/0: Committing offsets for 1 partition(s) with generation-id 1 in join-state steady: cgrp auto commit timer
%7|1796361943.200|COMMIT|c1#consumer-2| [thrd:main]: GroupCoordinator/0: OffsetCommit for 1 partition(s) in join-state steady: cgrp auto commit timer: returned: Local: Operation in progress
%7|1796361943.300|COMMIT|c1#consumer-2| [thrd:main]: GroupCoordinator/0: OffsetCommit for 1 partition(s) in join-state steady: cgrp auto commit timer: returned: Local: Broker transport failure
%7|1796361943.300|COMMIT|c1#consumer-2| [thrd:main]: Group "g": unable to OffsetCommit in state up: cgrp auto commit timer: coordinator (127.0.0.1:1/0) is unavailable: retrying later
%7|1796361943.900|COMMIT|c1#consumer-2| [thrd:main]: GroupCoordinator/0: Committing offsets for 1 partition(s) with generation-id 1 in join-state steady: cgrp auto commit timer
%7|1796361943.950|COMMIT|c1#consumer-2| [thrd:main]: GroupCoordinator/0: OffsetCommit for 1 partition(s) in join-state steady: cgrp auto commit timer: returned: Success
%4|1796361944.000|MAXPOLL|c1#consumer-2| [thrd:main]: Application maximum poll interval (10000ms) exceeded by 312ms (adjust max.poll.interval.ms for long-running message processing): leaving group
%7|1796361945.489|LEAVE|c1#consumer-2| [thrd:main]: Group "g": leave (in state up)
not a log line`

func TestInterpreter(t *testing.T) {
	in := newInterpreter(map[string]client.ErrorCode{
		"Success": client.ErrNoError,
		"Broker: Specified group generation id is not valid": client.ErrIllegalGeneration,
		"Local: No offset stored":                            client.ErrNoOffset,
		"Local: Operation in progress":                       client.ErrInProgress,
		"Local: Broker transport failure":                    client.ErrTransport,
	})
	var got []string
	for _, s := range strings.Split(capturedLog, "\n") {
		l, ok := parseLogLine(s)
		if !ok {
			continue
		}
		for _, f := range in.feed(l) {
			got = append(got, describeFact(f))
		}
	}
	want := []string{
		"member c1-4cd5",
		"joined gen=1 range leader=true members=1 member=c1-4cd5",
		"synced",
		"position orders[0]@0 reset smallest",
		"commit#1 started manual [orders[0]@9]",
		"commit#1 done manual [orders[0]@9] Success",
		"commit#2 started unassigned partitions [orders[0]@9]",
		"commit#3 started cgrp auto commit timer [orders[1]@4]",
		"commit#2 done unassigned partitions [orders[0]@9] Success",
		"commit#3 done cgrp auto commit timer [orders[1]@4] Broker: Specified group generation id is not valid (code ILLEGAL_GENERATION)",
		"commit#4 started manual []",
		"commit#4 done manual [] Local: No offset stored (code _NO_OFFSET)",
		"commit#5 started cgrp auto commit timer [orders[0]@12]",
		"commit#5 done cgrp auto commit timer [orders[0]@12] Success",
		"max-poll",
		"leave",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("facts (-want +got):\n%s", d)
	}
}

func describeFact(f fact) string {
	switch f.Kind {
	case factMemberID:
		return "member " + f.MemberID
	case factJoined:
		return fmt.Sprintf("joined gen=%d %s leader=%v members=%d member=%s", f.Generation, f.Protocol, f.Leader, f.Members, f.MemberID)
	case factSynced:
		return "synced"
	case factPosition:
		return fmt.Sprintf("position %s %s %s", f.TP, f.PosReason, f.Reset)
	case factCommitStarted:
		return fmt.Sprintf("commit#%d started %s %s", f.ID, f.Reason, client.TopicPartitions(f.Offsets))
	case factCommitDone:
		s := fmt.Sprintf("commit#%d done %s %s %s", f.ID, f.Reason, client.TopicPartitions(f.Offsets), f.ErrText)
		if f.Err != client.ErrNoError {
			s += " (code " + f.Err.String() + ")"
		}
		return s
	case factMaxPoll:
		return "max-poll"
	case factLeave:
		return "leave"
	}
	return fmt.Sprintf("kind %d", f.Kind)
}
