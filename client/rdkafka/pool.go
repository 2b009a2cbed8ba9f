package rdkafka

import (
	"context"
	"sync"
	"time"

	"github.com/kafkasim/kafkasim/client"
)

// startTimeout bounds an agent's start (Python and confluent_kafka load
// in a fraction of a second).
const startTimeout = 30 * time.Second

// Pool keeps agent processes started in advance, so that a client is
// created at the moment it is asked for: Python and confluent_kafka take
// a noticeable fraction of a second to load, and librdkafka's auto-commit
// timer counts from the consumer's creation. Pass a Pool among the hooks
// of NewConsumer or NewProducer; Close it when done (it kills the agents
// it still holds). A Pool is safe for concurrent use.
type Pool struct {
	inst Install
	size int

	mu      sync.Mutex
	cond    *sync.Cond // signalled when a start ends
	ready   []*proc
	filling int
	closed  bool
	wg      sync.WaitGroup
}

// NewPool returns a pool keeping size agents ready (at least 1). It
// returns once the first size agents are ready (or have failed to start),
// so that clients created right after get one at once; later ones are
// started in the background as agents are taken. It fails with
// ErrNotInstalled when no Python with confluent_kafka is found.
func NewPool(size int) (*Pool, error) {
	inst, err := Find()
	if err != nil {
		return nil, err
	}
	p := &Pool{inst: inst, size: max(size, 1)}
	p.cond = sync.NewCond(&p.mu)
	p.mu.Lock()
	p.fillLocked()
	for p.filling > 0 {
		p.cond.Wait()
	}
	p.mu.Unlock()
	return p, nil
}

// fillLocked starts agents until size are ready or starting.
func (p *Pool) fillLocked() {
	for !p.closed && len(p.ready)+p.filling < p.size {
		p.filling++
		p.wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
			pr, err := startProc(ctx, p.inst.Python)
			cancel()
			p.mu.Lock()
			defer p.mu.Unlock()
			p.filling--
			p.cond.Broadcast()
			if err != nil {
				return // get starts one itself and reports the error
			}
			if p.closed {
				go pr.kill()
				return
			}
			p.ready = append(p.ready, pr)
		})
	}
}

// get returns a ready agent, or starts one now when none is.
func (p *Pool) get() (*proc, error) {
	p.mu.Lock()
	if len(p.ready) > 0 {
		pr := p.ready[0]
		p.ready = p.ready[1:]
		p.fillLocked()
		p.mu.Unlock()
		return pr, nil
	}
	p.fillLocked()
	p.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	return startProc(ctx, p.inst.Python)
}

// Close kills the agents the pool holds and waits for those starting.
func (p *Pool) Close() {
	p.mu.Lock()
	p.closed = true
	ready := p.ready
	p.ready = nil
	p.mu.Unlock()
	for _, pr := range ready {
		pr.kill()
	}
	p.wg.Wait()
}

// agentFor returns an agent from the *Pool among hooks, or a new one.
func agentFor(hooks []client.Hook) (*proc, error) {
	for _, h := range hooks {
		if p, ok := h.(*Pool); ok && p != nil {
			return p.get()
		}
	}
	inst, err := Find()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	return startProc(ctx, inst.Python)
}

// errs is librdkafka's description → code table the agent sent.
func (p *proc) errs() map[string]client.ErrorCode {
	out := make(map[string]client.ErrorCode, len(p.info.Errs))
	for s, c := range p.info.Errs {
		out[s] = client.ErrorCode(c)
	}
	return out
}
