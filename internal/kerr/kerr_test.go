package kerr

import (
	"errors"
	"fmt"
	"testing"
)

func TestRealNumericCodes(t *testing.T) {
	// Values from Kafka's protocol and librdkafka's rdkafka.h.
	want := map[Code]int16{
		OffsetOutOfRange: 1, UnknownTopicOrPart: 3, CoordinatorNotAvailable: 15,
		IllegalGeneration: 22, UnknownMemberID: 25, RebalanceInProgress: 27,
		MemberIDRequired: 79, FencedInstanceID: 82,
		FencedMemberEpoch: 110, UnreleasedInstanceID: 111, UnsupportedAssignor: 112, StaleMemberEpoch: 113,
		Transport: -195, PartitionEOF: -191, AllBrokersDown: -187,
		Fatal: -150, MaxPollExceeded: -147, AutoOffsetReset: -140, NoOffset: -168,
	}
	for c, n := range want {
		if int16(c) != n {
			t.Errorf("%s = %d, want %d", c, int16(c), n)
		}
	}
}

func TestNamesAndWrapping(t *testing.T) {
	if PartitionEOF.String() != "_PARTITION_EOF" || IllegalGeneration.String() != "ILLEGAL_GENERATION" {
		t.Fatalf("names: %s %s", PartitionEOF, IllegalGeneration)
	}
	err := fmt.Errorf("commit t[0]: %w", IllegalGeneration)
	if !errors.Is(err, IllegalGeneration) || errors.Is(err, UnknownMemberID) {
		t.Fatal("errors.Is does not tell codes apart through wrapping")
	}
	if CodeOf(err) != IllegalGeneration || CodeOf(nil) != NoError || CodeOf(errors.New("x")) != Fail {
		t.Fatal("CodeOf")
	}
	if NoError.Err() != nil || RebalanceInProgress.Err() == nil {
		t.Fatal("Err")
	}
	if Code(12345).String() != "ERR_12345" || Code(12345).Known() {
		t.Fatal("unknown code formatting")
	}
	if !Transport.Retriable() || IllegalGeneration.Retriable() || !PartitionEOF.Local() {
		t.Fatal("flags")
	}
	cs := Codes()
	for i := 1; i < len(cs); i++ {
		if cs[i-1] >= cs[i] {
			t.Fatalf("Codes not sorted at %d", i)
		}
	}
}
