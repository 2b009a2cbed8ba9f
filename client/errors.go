package client

import (
	"github.com/kafkasim/kafkasim/internal/kerr"
)

// ErrorCode is a Kafka protocol error code (positive) or a librdkafka local
// error code (negative), with its real numeric value. It is internal/kerr's
// Code, so an ErrorCode is itself an error and errors.Is compares it.
type ErrorCode = kerr.Code

// Error codes a consumer or producer can see, named as in confluent-kafka-go.
const (
	ErrNoError                   = kerr.NoError                   // 0: success
	ErrOffsetOutOfRange          = kerr.OffsetOutOfRange          // 1: never shown to the app; triggers auto.offset.reset
	ErrUnknownTopicOrPart        = kerr.UnknownTopicOrPart        // 3: a subscribed or assigned topic does not exist
	ErrLeaderNotAvailable        = kerr.LeaderNotAvailable        // 5
	ErrRequestTimedOut           = kerr.RequestTimedOut           // 7
	ErrCoordinatorNotAvailable   = kerr.CoordinatorNotAvailable   // 15
	ErrNotCoordinator            = kerr.NotCoordinator            // 16
	ErrIllegalGeneration         = kerr.IllegalGeneration         // 22: commit from an old generation
	ErrInconsistentGroupProtocol = kerr.InconsistentGroupProtocol // 23: eager and cooperative members mixed
	ErrInvalidGroupID            = kerr.InvalidGroupID            // 24
	ErrUnknownMemberID           = kerr.UnknownMemberID           // 25: the coordinator no longer knows the member
	ErrInvalidSessionTimeout     = kerr.InvalidSessionTimeout     // 26
	ErrRebalanceInProgress       = kerr.RebalanceInProgress       // 27: commit during a rebalance
	ErrInvalidConfig             = kerr.InvalidConfig             // 40
	ErrMemberIDRequired          = kerr.MemberIDRequired          // 79: first JoinGroup; the client rejoins with the id
	ErrFencedInstanceID          = kerr.FencedInstanceID          // 82: another instance took this group.instance.id

	ErrDestroy          = kerr.Destroy          // -197 _DESTROY: the client is closed
	ErrFail             = kerr.Fail             // -196 _FAIL
	ErrTransport        = kerr.Transport        // -195 _TRANSPORT: broker connection failed
	ErrMsgTimedOut      = kerr.MsgTimedOut      // -192 _MSG_TIMED_OUT: message.timeout.ms expired
	ErrPartitionEOF     = kerr.PartitionEOF     // -191 _PARTITION_EOF: reached the end (enable.partition.eof)
	ErrUnknownPartition = kerr.UnknownPartition // -190 _UNKNOWN_PARTITION
	ErrUnknownTopic     = kerr.UnknownTopic     // -188 _UNKNOWN_TOPIC
	ErrAllBrokersDown   = kerr.AllBrokersDown   // -187 _ALL_BROKERS_DOWN
	ErrInvalidArg       = kerr.InvalidArg       // -186 _INVALID_ARG: bad argument or configuration
	ErrTimedOut         = kerr.TimedOut         // -185 _TIMED_OUT
	ErrQueueFull        = kerr.QueueFull        // -184 _QUEUE_FULL
	ErrWaitCoord        = kerr.WaitCoord        // -180 _WAIT_COORD
	ErrInProgress       = kerr.InProgress       // -178 _IN_PROGRESS
	ErrAssignPartitions = kerr.AssignPartitions // -175 _ASSIGN_PARTITIONS
	ErrRevokePartitions = kerr.RevokePartitions // -174 _REVOKE_PARTITIONS
	ErrState            = kerr.State            // -172 _STATE: wrong state for the call
	ErrNoOffset         = kerr.NoOffset         // -168 _NO_OFFSET: nothing to commit
	ErrFatal            = kerr.Fatal            // -150 _FATAL: the client is unusable
	ErrMaxPollExceeded  = kerr.MaxPollExceeded  // -147 _MAX_POLL_EXCEEDED
	ErrAssignmentLost   = kerr.AssignmentLost   // -142 _ASSIGNMENT_LOST
	ErrAutoOffsetReset  = kerr.AutoOffsetReset  // -140 _AUTO_OFFSET_RESET: auto.offset.reset=error
)

// Error is a client error: a code, a message, whether it is fatal and
// whether retrying may help. It is also an Event: Poll returns Error values
// for asynchronous errors (all brokers down, max.poll.interval.ms exceeded,
// auto.offset.reset=error ...). Unwrap returns the code, so
// errors.Is(err, client.ErrIllegalGeneration) and errors.Is(err,
// kerr.IllegalGeneration) both work.
type Error struct {
	code      ErrorCode
	str       string
	fatal     bool
	retriable bool
	tp        *TopicPartition
	cause     ErrorCode
}

// NewError returns an Error with the given code and message (empty: the
// code's own description). Retriability comes from the code.
func NewError(code ErrorCode, str string, fatal bool) Error {
	return Error{code: code, str: str, fatal: fatal, retriable: code.Retriable()}
}

// ErrorFrom converts err to an Error: an Error is returned as is, an error
// wrapping an ErrorCode gets that code with err's text, anything else is
// ErrFail. It returns the zero Error (code ErrNoError) for nil.
func ErrorFrom(err error) Error {
	if err == nil {
		return Error{}
	}
	if e, ok := err.(Error); ok {
		return e
	}
	if e, ok := err.(*Error); ok && e != nil {
		return *e
	}
	c := kerr.CodeOf(err)
	str := err.Error()
	if str == c.Error() {
		str = ""
	}
	return Error{code: c, str: str, fatal: c == ErrFatal, retriable: c.Retriable()}
}

// WithTopicPartition returns e naming the partition it is about (for
// example the partition that hit auto.offset.reset=error).
func (e Error) WithTopicPartition(tp TopicPartition) Error {
	tp.Error = nil
	e.tp = &tp
	return e
}

// TopicPartition reports the partition the error is about, if any.
func (e Error) TopicPartition() (TopicPartition, bool) {
	if e.tp == nil {
		return TopicPartition{}, false
	}
	return *e.tp, true
}

// Code is the error code.
func (e Error) Code() ErrorCode { return e.code }

// Error is the message, or the code's name and description when there is
// none.
func (e Error) Error() string {
	if e.str != "" {
		return e.str
	}
	return e.code.Error()
}

// String is the same as Error.
func (e Error) String() string { return e.Error() }

// IsFatal reports whether the client is unusable after this error
// (for example FENCED_INSTANCE_ID for a static member).
func (e Error) IsFatal() bool { return e.fatal }

// IsRetriable reports whether the same operation may succeed if retried.
func (e Error) IsRetriable() bool { return e.retriable }

// IsTimeout reports whether the error is a timeout.
func (e Error) IsTimeout() bool {
	return e.code == ErrTimedOut || e.code == ErrRequestTimedOut || e.code == ErrMsgTimedOut
}

// ClosedError is the Error every call on a closed (or crashed) client
// returns: ErrState, "Operation not allowed on closed client", as
// confluent-kafka-go answers.
func ClosedError() Error {
	return NewError(ErrState, "Operation not allowed on closed client", false)
}

// NewFatalError returns the ErrFatal error a client raises when cause
// makes it unusable (librdkafka's fatal error, for example
// FENCED_INSTANCE_ID). errors.Is matches both ErrFatal and cause.
func NewFatalError(cause ErrorCode, str string) Error {
	if str == "" {
		str = "Fatal error: " + cause.Error()
	}
	return Error{code: ErrFatal, str: str, fatal: true, cause: cause}
}

// Cause is the code underlying a fatal error (ErrNoError for others).
func (e Error) Cause() ErrorCode { return e.cause }

// Unwrap returns the error code, and for a fatal error also its cause.
func (e Error) Unwrap() []error {
	if e.cause != ErrNoError {
		return []error{e.code, e.cause}
	}
	return []error{e.code}
}
