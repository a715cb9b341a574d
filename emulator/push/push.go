// Package push delivers the messages of IronMQ push queues: it claims due
// deliveries from the mq service, performs them (HTTP POSTs, ironmq:// posts
// to another queue, ironworker:// task queueing) and reports each outcome
// back. The delivery rules (order, retries, error queue) live in package mq.
//
// Each queue has its own small budget of concurrent deliveries, so a slow or
// dead subscriber holds up only its own queue.
package push

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/mq"
)

// SubscriberTimeout bounds one HTTP delivery (spec §2.6).
const SubscriberTimeout = 10 * time.Second

type queueRef struct{ project, name string }

// TaskQueuer queues an IronWorker task (ironworker:// subscribers).
type TaskQueuer interface {
	QueueTask(ctx context.Context, project, codeName, payload string) (taskID string, err error)
}

// Config tunes the pusher.
type Config struct {
	// BaseURL is this emulator's URL, used in Iron-Subscriber-Message-Url.
	BaseURL string
	// PerQueue bounds concurrent deliveries per queue; 0 = 16.
	PerQueue int
	// Client performs HTTP deliveries; nil = a client with SubscriberTimeout.
	Client *http.Client
	Logger *slog.Logger
	// Chaos, when set, may fail an attempt before the real one or deliver
	// an accepted message twice (chaos mode).
	Chaos emulator.Chaos
}

// Pusher runs deliveries in the background between Start and Close.
type Pusher struct {
	mq    *mq.Service
	tasks TaskQueuer
	clock emulator.Clock
	cfg   Config
	log   *slog.Logger

	alarm    *emulator.Alarm // wakes the claimer: new work, or the earliest delivery due
	mu       sync.Mutex
	inflight map[queueRef]int // deliveries in progress; no entry at 0
	// full holds the queues whose last claim filled their room: more may be
	// due, so each delivery that ends claims again. Otherwise an ended
	// delivery claims only what it learns is due now (a post notifies by
	// itself).
	full map[queueRef]struct{}
	due  map[queueRef]time.Time // when each queue's next delivery (retry, lease end) is due
	// unsure holds the queues that may have deliveries pending later than
	// now besides those in flight (a retry, a 202 reservation, a delayed
	// post, a lease left by a stopped delivery) that due may not show. Only
	// for these does the last delivery to end read the queue's pending
	// deliveries: that read steps over the tombstone of every lease of the
	// last seconds, and after every delivery it was a third of the daemon's
	// CPU under push load.
	unsure map[queueRef]struct{}
	// learned counts the due times learned from the mq service (a delayed
	// post, a recorded outcome): a read of pending deliveries that one
	// overtook must not overwrite what it told.
	learned  uint64
	dirty    map[queueRef]struct{}
	scanAll  bool
	claiming bool   // a claim round is running
	rounds   uint64 // claim rounds started
	ctx      context.Context
	cancel   context.CancelFunc
	bg       *emulator.Goroutines // the claim loop and the deliveries

	// Pause: no claim round runs while paused; deliveries in progress run
	// under epoch, which Pause ends, and quiet is closed (and replaced)
	// whenever one ends, so Pause can wait for them.
	paused     bool
	epoch      context.Context
	endEpoch   context.CancelFunc
	quiet      chan struct{}
	idleNotify atomic.Pointer[func()]
}

// New returns a pusher; it registers itself to be woken by the mq service.
func New(svc *mq.Service, tasks TaskQueuer, clock emulator.Clock, cfg Config) *Pusher {
	if cfg.PerQueue <= 0 {
		cfg.PerQueue = 16
	}
	if cfg.Client == nil {
		// Subscribers often share a host (a local service taking several
		// queues): keep a connection for each delivery a burst may run
		// at once, up to 8 queues' worth, rather than dial again.
		cfg.Client = &http.Client{Timeout: SubscriberTimeout, Transport: &http.Transport{
			MaxIdleConnsPerHost: 8 * cfg.PerQueue, IdleConnTimeout: 90 * time.Second}}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	p := &Pusher{mq: svc, tasks: tasks, clock: clock, cfg: cfg, log: cfg.Logger,
		alarm: emulator.NewAlarm(clock), inflight: map[queueRef]int{}, full: map[queueRef]struct{}{}, due: map[queueRef]time.Time{}, unsure: map[queueRef]struct{}{},
		dirty: map[queueRef]struct{}{}, bg: emulator.NewGoroutines(cfg.Logger)}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.epoch, p.endEpoch = context.WithCancel(p.ctx)
	p.quiet = make(chan struct{})
	svc.SetPushNotifier(p.notify)
	return p
}

// Poke makes the pusher look at every push queue now (the clock moved).
func (p *Pusher) Poke() {
	p.mu.Lock()
	p.scanAll = true
	p.mu.Unlock()
	p.signal()
}

// notify marks one queue as having new work, some of it due only at later
// when that is not zero (the mq service's push notifier).
func (p *Pusher) notify(project, queue string, later time.Time) {
	q := queueRef{project, queue}
	p.mu.Lock()
	p.dirty[q] = struct{}{}
	if !later.IsZero() {
		p.dueLaterLocked(q, later)
	}
	p.mu.Unlock()
	p.signal()
}

// dueLaterLocked records that q has a delivery due at later. p.mu must be
// held.
func (p *Pusher) dueLaterLocked(q queueRef, later time.Time) {
	if at, ok := p.due[q]; !ok || later.Before(at) {
		p.due[q] = later
	}
	p.unsure[q] = struct{}{}
	p.learned++
}

func (p *Pusher) signal() { p.alarm.Poke() }

// Start begins delivering. Deliveries left unfinished by a previous process
// are due again once their lease ran out, so nothing is lost. Queues with
// new work are claimed from at once (notify); otherwise the loop sleeps
// until the earliest delivery it knows of comes due (a retry, a 202
// reservation or a lease running out). It does not poll.
func (p *Pusher) Start() {
	p.Poke()
	p.bg.Loop("push claimer", func(ctx context.Context) {
		for {
			p.claimAll()
			p.alarm.Set(p.nextDue())
			if !p.alarm.Wait(ctx) {
				return
			}
		}
	})
}

// nextDue returns when the earliest known delivery is due (zero: none), and
// marks the queues due by then for the next claim round.
func (p *Pusher) nextDue() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	var next time.Time
	for _, at := range p.due {
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	for q, at := range p.due {
		if !at.After(next) {
			p.dirty[q] = struct{}{}
		}
	}
	return next
}

// Close stops claiming, abandons deliveries in progress (their leases make
// them due again at the next start) and waits for the goroutines, bounded
// by ctx.
func (p *Pusher) Close(ctx context.Context) error {
	p.cancel()
	return p.bg.Close(ctx)
}

// Idle reports whether no delivery is in progress or due. The store is
// read between two looks at the pusher's own state: unless both find it
// idle and no claim round began in between, a claim committed meanwhile
// could hide due work (leased, not yet counted in flight).
func (p *Pusher) Idle() bool {
	busy, before := p.busy()
	if busy {
		return false
	}
	if due, err := p.mq.HasDuePushes(context.Background()); err != nil || due {
		return false
	}
	busy, after := p.busy()
	return !busy && after == before
}

// Settled reports whether every push message is settled: delivered to
// each subscriber or given up on, with no claim round or delivery in
// progress (wait-idle?push=settled). If not, next is when the earliest
// pending delivery comes due (zero when unknown). It reads the store
// between two looks at the pusher's own state, as Idle does.
func (p *Pusher) Settled() (settled bool, next time.Time) {
	busy, before := p.busy()
	if busy {
		return false, time.Time{}
	}
	unsettled, next, err := p.mq.UnsettledPushes(context.Background())
	if err != nil || unsettled {
		return false, next
	}
	busy, after := p.busy()
	return !busy && after == before, time.Time{}
}

// SetIdleNotifier registers f to run whenever the pusher may have become
// idle: a claim round or a delivery ended. f must not block.
func (p *Pusher) SetIdleNotifier(f func()) { p.idleNotify.Store(&f) }

// ended records that a claim round or a delivery ended: Pause and the idle
// notifier look again.
func (p *Pusher) ended() {
	p.mu.Lock()
	close(p.quiet)
	p.quiet = make(chan struct{})
	p.mu.Unlock()
	if f := p.idleNotify.Load(); f != nil {
		(*f)()
	}
}

// Pause stops claiming and ends the deliveries in progress (their outcomes
// are not recorded; their leases bring them back), and returns once no
// claim round or delivery is running, or with ctx's error. The control
// service pauses the pusher while reset or a snapshot import replaces the
// store's contents.
func (p *Pusher) Pause(ctx context.Context) error {
	p.mu.Lock()
	p.paused = true
	p.endEpoch()
	p.mu.Unlock()
	for {
		busy, _ := p.busy()
		p.mu.Lock()
		quiet := p.quiet
		p.mu.Unlock()
		if !busy {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-quiet:
		}
	}
}

// Resume ends a Pause: every push queue is looked at afresh.
func (p *Pusher) Resume() {
	p.mu.Lock()
	p.paused = false
	p.epoch, p.endEpoch = context.WithCancel(p.ctx)
	p.scanAll = true
	p.mu.Unlock()
	p.signal()
}

// busy reports whether a claim round or a delivery is in progress, and how
// many claim rounds have begun.
func (p *Pusher) busy() (bool, uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.claiming {
		return true, p.rounds
	}
	for _, n := range p.inflight {
		if n > 0 {
			return true, p.rounds
		}
	}
	return false, p.rounds
}

func (p *Pusher) claimAll() {
	p.mu.Lock()
	if p.paused {
		p.mu.Unlock()
		return
	}
	p.claiming, p.rounds = true, p.rounds+1
	all := p.scanAll
	targets := p.dirty
	p.scanAll, p.dirty = false, map[queueRef]struct{}{}
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.claiming = false
		p.mu.Unlock()
		p.ended()
	}()
	if all {
		queues, err := p.mq.PushQueues(p.ctx)
		if err != nil {
			if p.ctx.Err() == nil {
				p.log.Error("list push queues", "err", err)
			}
			return
		}
		p.mu.Lock()
		p.unsure = make(map[queueRef]struct{}, len(queues)) // forgets deleted queues
		for _, q := range queues {
			ref := queueRef{q.Project, q.Name}
			targets[ref] = struct{}{}
			p.unsure[ref] = struct{}{} // leases of deliveries stopped before
		}
		p.mu.Unlock()
	}
	for q := range targets {
		p.claim(q)
	}
}

// claim leases what the queue has room for and starts the deliveries.
func (p *Pusher) claim(q queueRef) {
	p.mu.Lock()
	room, ctx := p.cfg.PerQueue-p.inflight[q], p.epoch
	p.mu.Unlock()
	if room <= 0 {
		p.mu.Lock()
		delete(p.due, q)
		p.full[q] = struct{}{}
		p.mu.Unlock()
		return // a finishing delivery marks the queue again
	}
	// Claimed jobs come back even with an error (a failed error-queue
	// notice): their leases are taken, so deliver them now.
	jobs, err := p.mq.ClaimPushes(p.ctx, q.project, q.name, room, SubscriberTimeout)
	if err != nil && p.ctx.Err() == nil && !errors.Is(err, emulator.ErrNotFound) {
		p.log.Error("claim push deliveries", "queue", q.name, "err", err)
	}
	// While deliveries of q run, the last one to end learns when the next
	// is due (see delivered); reading the pending deliveries after every
	// claim would cost more than the deliveries themselves.
	p.mu.Lock()
	running := len(jobs) > 0 || p.inflight[q] > 0
	if at, known := p.due[q]; running && known && !at.After(p.clock.Now()) {
		// What was due is taken; what else is pending, the last delivery
		// to end reads. A later due time stays known.
		delete(p.due, q)
		p.unsure[q] = struct{}{}
	}
	if len(jobs) == room {
		p.full[q] = struct{}{}
	} else {
		delete(p.full, q)
	}
	p.mu.Unlock()
	if !running {
		p.noteDue(q)
	}
	if len(jobs) == room {
		p.notify(q.project, q.name, time.Time{}) // there may be more
	}
	for _, job := range jobs {
		p.mu.Lock()
		p.inflight[q]++
		p.mu.Unlock()
		started := p.bg.Go("push delivery", func(context.Context) {
			defer p.delivered(q) // also after a panic
			p.deliver(ctx, job)
		})
		if !started { // closing: the lease brings the message back
			p.delivered(q)
		}
	}
}

// delivered records that a delivery to q ended.
// The queue is claimed from again when its last claim filled its room
// (more may be due). When its last delivery ends, deliveries pending later
// (unsure) are read, and a claim runs at once only if one is due now; a
// queue with none such needs nothing: a claim after every delivery would
// mostly find nothing, each time at the cost of a transaction, and a post
// claims by itself. The pending deliveries are read while the delivery
// still counts as in flight, so Pause and Idle wait for the read.
func (p *Pusher) delivered(q queueRef) {
	defer p.ended()
	p.mu.Lock()
	_, full := p.full[q]
	_, unsure := p.unsure[q]
	if p.inflight[q] > 1 || full || !unsure || p.paused {
		p.release(q)
		p.mu.Unlock()
		if full {
			p.notify(q.project, q.name, time.Time{})
		}
		return
	}
	learned := p.learned
	p.mu.Unlock()

	at, err := p.mq.NextPushDue(p.ctx, q.project, q.name)
	p.mu.Lock()
	last := p.release(q)
	dueNow := err == nil && !at.IsZero() && !at.After(p.clock.Now())
	switch {
	case !last:
	case p.learned == learned:
		p.noteDueLocked(q, at, err)
	case err == nil && !at.IsZero():
		p.dueLaterLocked(q, at) // merged with what was learned meanwhile
	}
	p.mu.Unlock()
	switch {
	case !last: // a claim started deliveries meanwhile: the last of them reads again
	case dueNow:
		p.notify(q.project, q.name, time.Time{})
	default:
		p.signal() // the claim loop sleeps until the earliest due time
	}
}

// release counts a delivery to q out of flight and reports whether it was
// the last. p.mu must be held.
func (p *Pusher) release(q queueRef) bool {
	if p.inflight[q]--; p.inflight[q] > 0 {
		return false
	}
	delete(p.inflight, q) // per-queue state lives while deliveries run
	return true
}

// noteDue remembers when q's next delivery is due, forgetting queues with
// none (or gone).
func (p *Pusher) noteDue(q queueRef) {
	at, err := p.mq.NextPushDue(p.ctx, q.project, q.name)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.noteDueLocked(q, at, err)
}

// noteDueLocked is noteDue once the next due time (or the error reading
// it) is known. p.mu must be held.
func (p *Pusher) noteDueLocked(q queueRef, at time.Time, err error) {
	p.unsure[q] = struct{}{}
	switch {
	case err != nil && !errors.Is(err, emulator.ErrNotFound):
		p.due[q] = p.clock.Now().Add(time.Second) // look again shortly
	case err != nil || at.IsZero():
		delete(p.due, q)
		delete(p.unsure, q) // nothing pending: each delivery from now on reports
	case !at.After(p.clock.Now()):
		// Due, yet not claimed (a post since, which notifies anyway, or a
		// message the expiry sweep removes): look again later, not in a
		// tight loop.
		p.due[q] = p.clock.Now().Add(time.Second)
	default:
		p.due[q] = at
	}
}

// deliver performs a job: every target at once (multicast) or one after
// another until one accepts (unicast), then records the outcomes.
func (p *Pusher) deliver(ctx context.Context, job mq.PushJob) {
	var attempts []mq.Attempt
	// Chaos decisions are drawn here, in target order, not by the
	// concurrent attempts, so a seed decides the same way every run.
	plans := make([]chaosPlan, len(job.Targets))
	for i, sub := range job.Targets {
		plans[i] = p.chaosPlan(job, sub)
	}
	if job.Sequential {
		for i, sub := range job.Targets {
			a := p.attemptPlanned(ctx, job, sub, plans[i])
			attempts = append(attempts, a)
			if a.StatusCode >= 200 && a.StatusCode < 300 {
				break
			}
		}
	} else if len(job.Targets) == 1 {
		// The common case needs no goroutine of its own, nor the wake-up
		// of a wait for it.
		attempts = []mq.Attempt{p.attemptPlanned(ctx, job, job.Targets[0], plans[0])}
	} else {
		attempts = make([]mq.Attempt, len(job.Targets))
		var wg sync.WaitGroup
		for i, sub := range job.Targets {
			wg.Add(1)
			go func() {
				defer wg.Done()
				attempts[i] = p.attemptPlanned(ctx, job, sub, plans[i])
			}()
		}
		wg.Wait()
	}
	if ctx.Err() != nil {
		return // shutting down or paused: the lease brings the message back later
	}
	q := queueRef{job.Project, job.Queue}
	next, err := p.mq.RecordPush(ctx, job, attempts)
	if err != nil && ctx.Err() == nil {
		p.log.Error("record push outcome", "queue", job.Queue, "message_id", job.Message.ID.String(), "err", err)
	}
	switch {
	case err != nil: // unrecorded: the lease brings the message back
		p.mu.Lock()
		p.unsure[q] = struct{}{}
		p.mu.Unlock()
	case next.IsZero(): // delivered to every subscriber, or given up on
	case next.After(p.clock.Now()): // a retry, a 202 reservation
		p.mu.Lock()
		p.dueLaterLocked(q, next)
		p.mu.Unlock()
		p.signal()
	default: // a retry due at once
		p.notify(job.Project, job.Queue, time.Time{})
	}
}

// chaosPlan is what chaos mode does to one delivery attempt.
type chaosPlan struct{ fail, twice bool }

func (p *Pusher) chaosPlan(job mq.PushJob, sub emulator.SubscriberState) chaosPlan {
	if p.cfg.Chaos == nil {
		return chaosPlan{}
	}
	where := job.Queue + "/" + job.Message.ID.String() + "→" + sub.Name
	fail, _ := p.cfg.Chaos.Chance(emulator.ChaosPushFail, where)
	if fail {
		return chaosPlan{fail: true}
	}
	twice, _ := p.cfg.Chaos.Chance(emulator.ChaosPushTwice, where)
	return chaosPlan{twice: twice}
}

// attemptPlanned is attempt with chaos mode's plan: a 503 instead of the
// attempt (the queue's retries deliver it later), or the attempt made a
// second time once the subscriber accepted it.
func (p *Pusher) attemptPlanned(ctx context.Context, job mq.PushJob, sub emulator.SubscriberState, plan chaosPlan) mq.Attempt {
	if plan.fail {
		return mq.Attempt{Subscriber: sub.Name, ReservationID: sub.ReservationID, At: p.clock.Now(),
			StatusCode: http.StatusServiceUnavailable, Err: "chaos: the push failed before reaching the subscriber"}
	}
	a := p.attempt(ctx, job, sub)
	if plan.twice && a.StatusCode >= 200 && a.StatusCode < 300 {
		p.attempt(ctx, job, sub) // the duplicate's answer changes nothing
	}
	return a
}

// attempt delivers to one subscriber according to its URL scheme.
func (p *Pusher) attempt(ctx context.Context, job mq.PushJob, sub emulator.SubscriberState) mq.Attempt {
	start := time.Now()
	a := mq.Attempt{Subscriber: sub.Name, ReservationID: sub.ReservationID, At: p.clock.Now()}
	u, err := url.Parse(sub.URL)
	if err != nil {
		a.Err = "invalid subscriber URL: " + err.Error()
		return a
	}
	switch u.Scheme {
	case "http", "https":
		a.StatusCode, a.Response, a.Err = p.postHTTP(ctx, job, sub)
	case "ironmq":
		a.StatusCode, a.Err = p.postQueue(ctx, job, u)
	case "ironworker":
		a.StatusCode, a.Err = p.queueTask(ctx, job, u)
	default:
		a.Err = fmt.Sprintf("unsupported subscriber URL scheme %q", u.Scheme)
	}
	a.Latency = time.Since(start)
	return a
}

// postHTTP POSTs the message to an HTTP subscriber and returns the
// answer's status and the start of its body (up to 4 KiB: the mq service
// keeps the first KiB of it, cut at a rune boundary).
func (p *Pusher) postHTTP(ctx context.Context, job mq.PushJob, sub emulator.SubscriberState) (status int, head, errMsg string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.URL, strings.NewReader(job.Message.Body))
	if err != nil {
		return 0, "", err.Error()
	}
	h := req.Header
	h.Set("User-Agent", "IronMQ Pusherd")
	h.Set("Content-Type", "text/plain; encoding=utf-8")
	for k, v := range sub.Headers {
		h.Set(k, v)
	}
	for k, v := range job.Message.PushHeaders {
		h.Set(k, v)
	}
	id := job.Message.ID.String()
	h.Set("Iron-Message-Id", id)
	h.Set("Iron-Reservation-Id", sub.ReservationID)
	h.Set("Iron-Subscriber-Name", sub.Name)
	h.Set("Iron-Subscriber-Message-Url", fmt.Sprintf("%s/3/projects/%s/queues/%s/messages/%s?reservation_id=%s&subscriber_name=%s",
		p.cfg.BaseURL, url.PathEscape(job.Project), url.PathEscape(job.Queue), id,
		url.QueryEscape(sub.ReservationID), url.QueryEscape(sub.Name)))
	resp, err := p.cfg.Client.Do(req)
	if err != nil {
		return 0, "", err.Error()
	}
	defer resp.Body.Close()
	buf, _ := io.ReadAll(io.LimitReader(resp.Body, 4*emulator.LastResponseLimit))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(buf), ""
}

// target reads {pid}:{token}@host/{name} subscriber URLs; the project
// defaults to the message's own.
func target(job mq.PushJob, u *url.URL) (project, name string) {
	return mq.SubscriberTarget(job.Project, u)
}

func (p *Pusher) postQueue(ctx context.Context, job mq.PushJob, u *url.URL) (int, string) {
	project, queue := target(job, u)
	if queue == "" {
		return 0, "ironmq subscriber URL names no queue"
	}
	// Into a queue deleted while this delivery was in flight, or from a
	// push queue deleted meanwhile, nothing is posted (see DeliverToQueue).
	return outcome(p.mq.DeliverToQueue(ctx, job, project, queue))
}

func (p *Pusher) queueTask(ctx context.Context, job mq.PushJob, u *url.URL) (int, string) {
	project, code := target(job, u)
	if code == "" {
		return 0, "ironworker subscriber URL names no code package"
	}
	if p.tasks == nil {
		return 0, "IronWorker is not available"
	}
	_, err := p.tasks.QueueTask(ctx, project, code, job.Message.Body)
	return outcome(err)
}

// outcome maps an in-process delivery's error to an HTTP-like status.
func outcome(err error) (int, string) {
	if err == nil {
		return http.StatusOK, ""
	}
	if e, ok := emulator.AsError(err); ok {
		switch {
		case errors.Is(e, emulator.ErrNotFound):
			return http.StatusNotFound, e.Msg
		case errors.Is(e, emulator.ErrInvalid):
			return http.StatusBadRequest, e.Msg
		}
		return http.StatusInternalServerError, e.Msg
	}
	return http.StatusInternalServerError, err.Error()
}
