package bench

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Subscriber is a push-queue subscriber for the benchmarks: an HTTP server
// on a free loopback port that answers 200 to every request, counts
// deliveries by their Iron-Message-Id, and can report each arrival.
type Subscriber struct {
	URL string // base URL; every path is accepted

	srv      *http.Server
	served   chan error
	arrivals chan Arrival
	missed   atomic.Int64 // arrivals not reported: the channel was full

	requests    atomic.Int64
	conns       atomic.Int64
	inflight    atomic.Int64
	maxInflight atomic.Int64

	mu   sync.Mutex
	seen map[string]struct{}
	dups int64
}

// Arrival is one delivery as the subscriber saw it.
type Arrival struct {
	Body string
	At   time.Time // when the request's headers were read
}

// StartSubscriber starts a subscriber. With buffer > 0 every arrival is
// also sent to Arrivals (dropped and counted in Missed when the channel is
// full); with 0 it only counts. Close stops it.
func StartSubscriber(buffer int) (*Subscriber, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Subscriber{URL: "http://" + ln.Addr().String(), served: make(chan error, 1), seen: map[string]struct{}{}}
	if buffer > 0 {
		s.arrivals = make(chan Arrival, buffer)
	}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second,
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				s.conns.Add(1)
			}
		}}
	go func() { s.served <- s.srv.Serve(ln) }()
	return s, nil
}

func (s *Subscriber) serve(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	n := s.inflight.Add(1)
	defer s.inflight.Add(-1)
	for {
		m := s.maxInflight.Load()
		if n <= m || s.maxInflight.CompareAndSwap(m, n) {
			break
		}
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	s.requests.Add(1)
	if id := r.Header.Get("Iron-Message-Id"); id != "" {
		s.mu.Lock()
		if _, dup := s.seen[id]; dup {
			s.dups++
		} else {
			s.seen[id] = struct{}{}
		}
		s.mu.Unlock()
	}
	if s.arrivals != nil {
		select {
		case s.arrivals <- Arrival{Body: string(body), At: at}:
		default:
			s.missed.Add(1)
		}
	}
	w.WriteHeader(http.StatusOK)
}

// Arrivals reports each delivery when the subscriber was started with a
// buffer (nil otherwise).
func (s *Subscriber) Arrivals() <-chan Arrival { return s.arrivals }

// Missed is the number of arrivals not reported because Arrivals was full.
func (s *Subscriber) Missed() int64 { return s.missed.Load() }

// Requests is the number of requests answered, duplicates included.
func (s *Subscriber) Requests() int64 { return s.requests.Load() }

// Delivered is the number of distinct messages received.
func (s *Subscriber) Delivered() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return int64(len(s.seen))
}

// Duplicates is the number of deliveries of a message already received.
func (s *Subscriber) Duplicates() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dups
}

// Connections is the number of connections the pusher opened: with
// keep-alive, about the most deliveries it had in flight at once.
func (s *Subscriber) Connections() int64 { return s.conns.Load() }

// MaxInflight is the largest number of requests inside the handler at
// once (the handler is quick: this understates the pusher's concurrency).
func (s *Subscriber) MaxInflight() int64 { return s.maxInflight.Load() }

// WaitDelivered polls every millisecond until n distinct messages have
// arrived, or ctx ends.
func (s *Subscriber) WaitDelivered(ctx context.Context, n int64) error {
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	for s.Delivered() < n {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// Close stops the server, waiting (bounded by ctx) for requests in progress.
func (s *Subscriber) Close(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if serr := <-s.served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}
