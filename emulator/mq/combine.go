package mq

import (
	"context"
	"errors"
	"sync"

	"github.com/ironlocal/ironlocal/emulator"
)

// Group commit. Writes to one queue are serialised, and a Badger commit
// costs far more than the work inside it, so concurrent writers of a queue
// share commits: one of them (the leader) runs every pending operation in a
// single transaction, then hands leadership to the next waiter. If any
// operation of a batch fails, the batch is rolled back and each operation
// runs again alone, so one request's error never touches another's writes.
// Operation closures must therefore be re-runnable: they assign, never
// accumulate, what they report.

const maxBatch = 64

type queueOp struct {
	ctx context.Context
	fn  func(emulator.QueueTx) error
	res chan opResult
}

type opResult struct {
	err  error
	lead bool // you lead the next batch
}

type combiner struct {
	mu      sync.Mutex
	pending []*queueOp
	leading bool
}

var errBatchAborted = errors.New("batch aborted")

// withQueue runs fn in a write transaction under the queue's lock, possibly
// sharing the commit with concurrent writers of the same queue.
func (s *Service) withQueue(ctx context.Context, project, name string, fn func(tx emulator.QueueTx) error) error {
	if err := ValidateQueueName(name); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	st := s.acquire(project, name)
	defer s.release(project, name, st)
	c := &st.comb
	op := &queueOp{ctx: ctx, fn: fn, res: make(chan opResult, 1)}
	c.mu.Lock()
	c.pending = append(c.pending, op)
	lead := !c.leading
	c.leading = true
	c.mu.Unlock()
	if lead {
		s.leadBatch(st)
	}
	for {
		r := <-op.res
		if !r.lead {
			return r.err
		}
		s.leadBatch(st)
	}
}

// leadBatch commits the pending operations (up to maxBatch) and passes the
// lead to the first operation still waiting, if any.
func (s *Service) leadBatch(st *queueState) {
	c := &st.comb
	c.mu.Lock()
	n := min(len(c.pending), maxBatch)
	batch := c.pending[:n:n]
	c.pending = c.pending[n:]
	c.mu.Unlock()

	st.mu.Lock()
	s.runBatch(batch)
	st.mu.Unlock()

	c.mu.Lock()
	if len(c.pending) > 0 {
		c.pending[0].res <- opResult{lead: true}
	} else {
		c.leading = false
	}
	c.mu.Unlock()
}

func (s *Service) runBatch(batch []*queueOp) {
	if len(batch) == 1 {
		batch[0].res <- opResult{err: s.store.UpdateQueues(batch[0].ctx, batch[0].fn)}
		return
	}
	err := s.store.UpdateQueues(context.Background(), func(tx emulator.QueueTx) error {
		for _, op := range batch {
			if op.ctx.Err() != nil || op.fn(tx) != nil {
				return errBatchAborted
			}
		}
		return nil
	})
	if err == nil {
		for _, op := range batch {
			op.res <- opResult{}
		}
		return
	}
	for _, op := range batch { // one failed: each alone, in order
		op.res <- opResult{err: s.store.UpdateQueues(op.ctx, op.fn)}
	}
}
