package mq

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// Config tunes the service.
type Config struct {
	// BodyLimit is the largest message body in bytes; 0 means 256 KiB.
	BodyLimit int
	// PollInterval bounds how long a long-polling reserve waits before it
	// re-checks for messages made visible by time (delays, expired
	// reservations) rather than by a post. 0 means 100 ms.
	PollInterval time.Duration
}

// Service implements IronMQ v3 pull queues.
type Service struct {
	store  emulator.QueueStore
	msgIDs emulator.MessageIDSource
	ids    emulator.IDs
	clock  emulator.Clock
	events emulator.Publisher
	cfg    Config

	locks      sync.Map // queueKey → *sync.Mutex
	combiners  sync.Map // queueKey → *combiner
	dlqHints   sync.Map // queueKey → dead-letter queue name (see deadLetterHint)
	pushNotify atomic.Pointer[func(project, queue string)]
	waitMu     sync.Mutex
	waiters    map[queueKey]chan struct{}
}

// New returns a service over the given store.
func New(store emulator.QueueStore, msgIDs emulator.MessageIDSource, ids emulator.IDs, clock emulator.Clock, events emulator.Publisher, cfg Config) *Service {
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = DefaultBodyLimit
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 100 * time.Millisecond
	}
	return &Service{store: store, msgIDs: msgIDs, ids: ids, clock: clock, events: events, cfg: cfg,
		waiters: make(map[queueKey]chan struct{})}
}

type queueKey struct{ project, name string }

// lock serialises writers of one queue.
func (s *Service) lock(project, name string) func() {
	m, _ := s.locks.LoadOrStore(queueKey{project, name}, new(sync.Mutex))
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// wake releases every reserve long-polling on the queue.
func (s *Service) wake(project, name string) {
	k := queueKey{project, name}
	s.waitMu.Lock()
	if c, ok := s.waiters[k]; ok {
		close(c)
		delete(s.waiters, k)
	}
	s.waitMu.Unlock()
}

func (s *Service) waitChan(project, name string) <-chan struct{} {
	k := queueKey{project, name}
	s.waitMu.Lock()
	defer s.waitMu.Unlock()
	c, ok := s.waiters[k]
	if !ok {
		c = make(chan struct{})
		s.waiters[k] = c
	}
	return c
}

func (s *Service) publish(e emulator.Event) {
	e.At = s.clock.Now()
	s.events.Publish(e)
}

// ValidateQueueName rejects names the wire contract or the store cannot hold.
func ValidateQueueName(name string) error {
	switch {
	case name == "":
		return emulator.Invalid("Queue name is required")
	case len(name) > MaxQueueNameLength:
		return emulator.Invalid("Queue name is longer than %d bytes", MaxQueueNameLength)
	case strings.ContainsAny(name, "/\x00"):
		return emulator.Invalid("Queue name must not contain '/' or NUL")
	}
	return nil
}

// isNotFound reports a missing queue or message.
func isNotFound(err error) bool { return errors.Is(err, emulator.ErrNotFound) }
