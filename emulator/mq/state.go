package mq

import (
	"slices"
	"sync"
)

// queueState is the in-memory state of one queue while calls use it: the
// lock that serialises its writers, the group-commit combiner and the long
// polls parked on it. It is reference counted: every call that needs it
// holds a reference, and the last one out drops it, so memory follows the
// queues in use, not every name ever touched.
type queueState struct {
	refs    int       // guarded by Service.statesMu
	waiters []*waiter // guarded by Service.statesMu; oldest first

	mu   sync.Mutex // serialises writers of the queue
	comb combiner
}

// A waiter is one long poll's turn to be woken. A post of n ready messages
// wakes the n oldest waiters, not all of them: each woken waiter makes a
// reserve, and waking every waiter for one message cost most of the
// daemon's CPU under the usual worker loop (8 consumers long-polling one
// queue). Hence the rule that keeps a message from waiting unseen: a
// waiter is enlisted before each attempt to reserve, and one that is woken
// but leaves without another attempt (it reserved, failed, or its wait
// ended) passes its wake on to the next.
type waiter struct {
	ch    chan struct{} // receives the wake; buffered, so waking never blocks
	woken bool          // guarded by Service.statesMu; off the list once set
}

// acquire returns the queue's state with a reference taken; release gives
// it back.
func (s *Service) acquire(project, name string) *queueState {
	k := queueKey{project, name}
	s.statesMu.Lock()
	st := s.states[k]
	if st == nil {
		st = &queueState{}
		s.states[k] = st
	}
	st.refs++
	s.statesMu.Unlock()
	return st
}

func (s *Service) release(project, name string, st *queueState) {
	s.statesMu.Lock()
	if st.refs--; st.refs == 0 {
		delete(s.states, queueKey{project, name})
	}
	s.statesMu.Unlock()
}

// enlist parks a new waiter at the back of the queue's list. The caller
// holds a reference to st until it calls leave.
func (s *Service) enlist(st *queueState) *waiter {
	w := &waiter{ch: make(chan struct{}, 1)}
	s.statesMu.Lock()
	st.waiters = append(st.waiters, w)
	s.statesMu.Unlock()
	return w
}

// leave takes w off the list. A w that was woken meanwhile passes its wake
// on to the next waiter, unless the caller is retrying: its next attempt
// starts after the wake, so it sees what the wake was for.
func (s *Service) leave(st *queueState, w *waiter, retrying bool) {
	s.statesMu.Lock()
	defer s.statesMu.Unlock()
	if !w.woken {
		st.waiters = slices.DeleteFunc(st.waiters, func(o *waiter) bool { return o == w })
		return
	}
	if !retrying {
		wakeLocked(st, 1)
	}
}

// wakeAll wakes every long poll of the queue: each reserves again and
// rereads when the queue's next delay or reservation ends (a delayed
// post or release changes that; a deleted queue ends them). A queue
// nobody uses has no state, and nobody to wake.
func (s *Service) wakeAll(project, name string) { s.wake(project, name, -1) }

// wake wakes the n oldest long polls of the queue (n < 0: all of them),
// after n messages became ready.
func (s *Service) wake(project, name string, n int) {
	s.statesMu.Lock()
	if st := s.states[queueKey{project, name}]; st != nil {
		wakeLocked(st, n)
	}
	s.statesMu.Unlock()
}

// wakeLocked wakes st's n oldest waiters (n < 0: all). The caller holds
// statesMu.
func wakeLocked(st *queueState, n int) {
	if n < 0 || n > len(st.waiters) {
		n = len(st.waiters)
	}
	for _, w := range st.waiters[:n] {
		w.woken = true
		w.ch <- struct{}{}
	}
	st.waiters = slices.Delete(st.waiters, 0, n)
}

// queuesInUse counts the queues with in-memory state (tests).
func (s *Service) queuesInUse() int {
	s.statesMu.Lock()
	defer s.statesMu.Unlock()
	return len(s.states)
}
