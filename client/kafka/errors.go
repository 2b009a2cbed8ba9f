package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	fkerr "github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/internal/kerr"
)

// toError converts an error from kgo to a client.Error with the matching
// internal/kerr code: broker error codes keep their number, network
// failures become ErrTransport, deadlines ErrTimedOut, a closed client
// ErrDestroy.
func toError(err error, what string) client.Error {
	if err == nil {
		return client.Error{}
	}
	var ce client.Error
	if errors.As(err, &ce) {
		return ce
	}
	prefix := ""
	if what != "" {
		prefix = what + ": "
	}
	var ke *fkerr.Error
	if errors.As(err, &ke) {
		code := kerr.Code(ke.Code)
		return client.NewError(code, prefix+code.Error(), false)
	}
	var gs *kgo.ErrGroupSession
	if errors.As(err, &gs) {
		return toError(gs.Err, what)
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return client.NewError(client.ErrTimedOut, prefix+"Local: Timed out", false)
	case errors.Is(err, context.Canceled), errors.Is(err, kgo.ErrClientClosed):
		return client.NewError(client.ErrDestroy, prefix+"Local: Broker handle destroyed", false)
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, new(*kgo.ErrFirstReadEOF)) ||
		strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "unable to dial") {
		return client.NewError(client.ErrTransport, prefix+"Local: Broker transport failure: "+err.Error(), false)
	}
	return client.NewError(client.ErrFail, prefix+err.Error(), false)
}

// ignorable reports fetch errors that are not for the app: our own poll
// deadline or cancellation, and a closing client.
func ignorable(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, kgo.ErrClientClosed)
}

// connWatch is a kgo hook turning broker connection failures into
// ErrTransport and ErrAllBrokersDown events, once per outage.
type connWatch struct {
	mu     sync.Mutex
	down   map[string]bool // broker address → last connect failed
	allDn  bool
	raise  func(client.Error)
	closed bool
}

func newConnWatch(raise func(client.Error)) *connWatch {
	return &connWatch{down: map[string]bool{}, raise: raise}
}

func (w *connWatch) stop() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
}

// OnBrokerConnect implements kgo.HookBrokerConnect.
func (w *connWatch) OnBrokerConnect(meta kgo.BrokerMetadata, _ time.Duration, _ net.Conn, err error) {
	addr := net.JoinHostPort(meta.Host, fmt.Sprint(meta.Port))
	var raise []client.Error
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	if err == nil {
		w.down[addr] = false
		w.allDn = false
		w.mu.Unlock()
		return
	}
	if errors.Is(err, context.Canceled) {
		w.mu.Unlock()
		return
	}
	if !w.down[addr] {
		w.down[addr] = true
		e := toError(err, addr)
		if e.Code() != client.ErrTransport {
			e = client.NewError(client.ErrTransport, e.Error(), false)
		}
		raise = append(raise, e)
	}
	all := true
	for _, d := range w.down {
		all = all && d
	}
	if all && !w.allDn {
		w.allDn = true
		raise = append(raise, client.NewError(client.ErrAllBrokersDown, fmt.Sprintf("%d/%d brokers are down", len(w.down), len(w.down)), false))
	}
	w.mu.Unlock()
	for _, e := range raise {
		w.raise(e)
	}
}

// OnBrokerDisconnect implements kgo.HookBrokerDisconnect: nothing is
// raised until a reconnect fails.
func (w *connWatch) OnBrokerDisconnect(kgo.BrokerMetadata, net.Conn) {}

var (
	_ kgo.HookBrokerConnect    = (*connWatch)(nil)
	_ kgo.HookBrokerDisconnect = (*connWatch)(nil)
)
