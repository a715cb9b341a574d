package mq

import "sync"

// queueState is the in-memory state of one queue while calls use it: the
// lock that serialises its writers, the group-commit combiner and the
// channel its long polls wait on. It is reference counted: every call that
// needs it holds a reference, and the last one out drops it, so memory
// follows the queues in use, not every name ever touched.
type queueState struct {
	refs int           // guarded by Service.statesMu
	wait chan struct{} // guarded by Service.statesMu; closed by wake

	mu   sync.Mutex // serialises writers of the queue
	comb combiner
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

// waitChan returns a channel closed at the next wake of the queue. The
// caller holds a reference to st for as long as it waits.
func (s *Service) waitChan(st *queueState) <-chan struct{} {
	s.statesMu.Lock()
	defer s.statesMu.Unlock()
	if st.wait == nil {
		st.wait = make(chan struct{})
	}
	return st.wait
}

// wake releases every reserve long-polling on the queue. A queue nobody
// uses has no state, and nobody to wake.
func (s *Service) wake(project, name string) {
	s.statesMu.Lock()
	if st := s.states[queueKey{project, name}]; st != nil && st.wait != nil {
		close(st.wait)
		st.wait = nil
	}
	s.statesMu.Unlock()
}

// queuesInUse counts the queues with in-memory state (tests).
func (s *Service) queuesInUse() int {
	s.statesMu.Lock()
	defer s.statesMu.Unlock()
	return len(s.states)
}
