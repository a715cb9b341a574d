package mq

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/clock"
	"github.com/ironlocal/ironlocal/emulator/idgen"
	badgerstore "github.com/ironlocal/ironlocal/emulator/store/badger"
)

// The model test drives the service with random operations and checks it
// against a plain in-memory model of spec §2.4–2.5 after every step.
//
//	IRONLOCAL_MODEL_SEED=123   replay one seed
//	IRONLOCAL_MODEL_STEPS=n    operations per seed (default 2000; -short runs
//	                           one seed of at most 500)

const (
	testProject = "000000000000000000000001"
	modelQueue  = "model"
	// Queue settings of the model run: short enough that reservations and
	// messages expire many times during a run.
	modelTimeout    = 30
	modelExpiration = 900
)

var testStart = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// newTestService returns a service on a fresh in-memory store with a virtual
// clock and sequential ids.
func newTestService(t *testing.T, cfg Config) (*Service, *clock.Virtual) {
	t.Helper()
	store := badgerstore.New(badgerstore.Options{InMemory: true})
	require.NoError(t, store.Open())
	t.Cleanup(func() { _ = store.Close() })
	clk := clock.NewVirtual(testStart)
	return New(store, store, &idgen.Sequential{}, clk, emulator.NewBus(), cfg), clk
}

// modelMsg is the model's view of one message.
type modelMsg struct {
	id            emulator.MessageID
	body          string
	state         emulator.MessageState
	availableAt   time.Time // delayed or reserved until
	rid           string
	reservedCount int
	expiresAt     time.Time
	pos           emulator.MessageID // place in the ready order once moved back; 0 = id
}

func (x *modelMsg) rank() emulator.MessageID {
	if x.pos != 0 {
		return x.pos
	}
	return x.id
}

// model is the reference implementation: a map and the rules, nothing more.
type model struct {
	now     time.Time
	msgs    map[emulator.MessageID]*modelMsg
	lastID  emulator.MessageID
	lastPos emulator.MessageID // the last position handed to a message moved back
	total   int64
	issued  map[string]bool // every reservation id handed out
	oldRefs []DeleteRef     // reservations handed out earlier, mostly stale
	deleted []emulator.MessageID
	bodySeq int
}

func newModel(now time.Time) *model {
	return &model{now: now, msgs: map[emulator.MessageID]*modelMsg{}, issued: map[string]bool{}}
}

// expire drops messages past their expiration, whatever their state.
func (m *model) expire() {
	for id, x := range m.msgs {
		if !m.now.Before(x.expiresAt) {
			delete(m.msgs, id)
			m.deleted = append(m.deleted, id)
		}
	}
}

// visible reports whether x can be reserved or peeked now.
func (m *model) visible(x *modelMsg) bool {
	return x.state == emulator.MessageReady || !m.now.Before(x.availableAt)
}

// live reports whether x is under an unexpired reservation.
func (m *model) live(x *modelMsg) bool {
	return x.state == emulator.MessageReserved && m.now.Before(x.availableAt)
}

// sorted returns the messages matching keep in id order.
func (m *model) sorted(keep func(*modelMsg) bool) []*modelMsg {
	var out []*modelMsg
	for _, x := range m.msgs {
		if keep == nil || keep(x) {
			out = append(out, x)
		}
	}
	slices.SortFunc(out, func(a, b *modelMsg) int { return cmp.Compare(a.id, b.id) })
	return out
}

// promote does what reserve and peek do first: messages whose delay ended
// become ready where they were; those whose reservation expired go behind
// every message posted so far (spec §2.5), earliest expiry first. Positions
// come from the id sequence, so the next post's ids sort after them.
func (m *model) promote() {
	var due []*modelMsg
	for _, x := range m.msgs {
		if x.state != emulator.MessageReady && !m.now.Before(x.availableAt) {
			due = append(due, x)
		}
	}
	slices.SortFunc(due, func(a, b *modelMsg) int {
		return cmp.Or(a.availableAt.Compare(b.availableAt), cmp.Compare(a.id, b.id))
	})
	for _, x := range due {
		if x.state == emulator.MessageReserved {
			m.lastPos = max(m.lastPos, m.lastID) + 1
			x.pos = m.lastPos
		}
		x.state, x.availableAt, x.rid = emulator.MessageReady, time.Time{}, ""
	}
}

// ready returns the messages a reserve would see, in queue order (after
// promote).
func (m *model) ready() []*modelMsg {
	out := m.sorted(m.visible)
	slices.SortFunc(out, func(a, b *modelMsg) int { return cmp.Compare(a.rank(), b.rank()) })
	return out
}

// deleteErr is the error class the service must return for ref, or nil.
func (m *model) deleteErr(ref DeleteRef) error {
	x, ok := m.msgs[ref.ID]
	switch {
	case !ok:
		return emulator.ErrNotFound
	case ref.ReservationID == "" && m.live(x):
		return emulator.ErrForbidden
	case ref.ReservationID != "" && (!m.live(x) || x.rid != ref.ReservationID):
		return emulator.ErrForbidden
	}
	return nil
}

// reservationErr is the error class touch and release must return.
func (m *model) reservationErr(id emulator.MessageID, rid string) error {
	x, ok := m.msgs[id]
	switch {
	case !ok:
		return emulator.ErrNotFound
	case rid == "" || !m.live(x) || x.rid != rid:
		return emulator.ErrForbidden
	}
	return nil
}

func (m *model) remember(id emulator.MessageID, rid string) {
	m.oldRefs = append(m.oldRefs, DeleteRef{ID: id, ReservationID: rid})
	if len(m.oldRefs) > 200 {
		m.oldRefs = m.oldRefs[len(m.oldRefs)-200:]
	}
}

func seconds(n int) time.Duration { return time.Duration(n) * time.Second }

// modelRun is one seeded run.
type modelRun struct {
	t     *testing.T
	ctx   context.Context
	rnd   *rand.Rand
	svc   *Service
	clk   *clock.Virtual
	m     *model
	step  int
	trail []string // the last operations, printed on failure
}

func (r *modelRun) logf(format string, args ...any) {
	r.trail = append(r.trail, fmt.Sprintf("step %d @%s: ", r.step, r.m.now.Sub(testStart))+fmt.Sprintf(format, args...))
	if len(r.trail) > 30 {
		r.trail = r.trail[1:]
	}
}

// requireErrClass checks err against an expected class (nil = success).
func (r *modelRun) requireErrClass(want, err error, op string) {
	r.t.Helper()
	if want == nil {
		require.NoError(r.t, err, "step %d %s", r.step, op)
		return
	}
	var class emulator.Code
	if e, ok := want.(*emulator.Error); ok {
		class = e.Code
	}
	require.Error(r.t, err, "step %d %s: want a %s error", r.step, op, class)
	require.True(r.t, errors.Is(err, want), "step %d %s: got %v, want a %s error", r.step, op, err, class)
}

func envInt(t *testing.T, name string, def int64) int64 {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	require.NoError(t, err, "%s", name)
	return n
}

func TestQueue_Model(t *testing.T) {
	seed := envInt(t, "IRONLOCAL_MODEL_SEED", time.Now().UnixNano())
	steps := int(envInt(t, "IRONLOCAL_MODEL_STEPS", 2000))
	seeds := []int64{seed}
	switch {
	case testing.Short():
		steps = min(steps, 500)
	case os.Getenv("IRONLOCAL_MODEL_SEED") == "":
		seeds = append(seeds, seed+1, seed+2)
	}
	for _, sd := range seeds {
		t.Run(fmt.Sprintf("seed=%d", sd), func(t *testing.T) {
			t.Logf("replay with IRONLOCAL_MODEL_SEED=%d IRONLOCAL_MODEL_STEPS=%d", sd, steps)
			runModel(t, sd, steps)
		})
	}
}

func runModel(t *testing.T, seed int64, steps int) {
	svc, clk := newTestService(t, Config{})
	r := &modelRun{t: t, ctx: context.Background(), rnd: rand.New(rand.NewSource(seed)), svc: svc, clk: clk,
		m: newModel(clk.Now())}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("seed %d, last operations:", seed)
			for _, l := range r.trail {
				t.Log("  " + l)
			}
		}
	})
	timeout, expiration := modelTimeout, modelExpiration
	_, err := svc.UpsertQueue(r.ctx, testProject, modelQueue, QueueSettings{MessageTimeout: &timeout, MessageExpiration: &expiration})
	require.NoError(t, err)

	ops := []struct {
		weight int
		run    func()
	}{
		{16, r.post},
		{16, r.reserve},
		{5, r.touch},
		{2, r.touchStale},
		{5, r.release},
		{2, r.releaseStale},
		{8, r.deleteReserved},
		{3, r.deleteUnreserved},
		{2, r.deleteReservedWithoutID},
		{4, r.deleteStale},
		{4, r.batchDelete},
		{2, r.getDeleted},
		{12, r.advance},
		{1, r.advanceFar},
		{4, r.peek},
		{1, r.clear},
	}
	total := 0
	for _, op := range ops {
		total += op.weight
	}
	for r.step = 1; r.step <= steps; r.step++ {
		n := r.rnd.Intn(total)
		for _, op := range ops {
			if n < op.weight {
				op.run()
				break
			}
			n -= op.weight
		}
		r.m.expire()
		r.checkInvariants()
	}
	t.Logf("%d steps, %d messages posted, %d held at the end, clock advanced %s",
		steps, r.m.total, len(r.m.msgs), r.m.now.Sub(testStart))
}

// pick returns a random element of xs, or nil.
func (r *modelRun) pick(xs []*modelMsg) *modelMsg {
	if len(xs) == 0 {
		return nil
	}
	return xs[r.rnd.Intn(len(xs))]
}

func (r *modelRun) post() {
	n := 1 + r.rnd.Intn(4)
	if r.rnd.Intn(10) == 0 {
		n = 20 + r.rnd.Intn(30) // a burst, so the queue gets deep now and then
	}
	msgs := make([]NewMessage, n)
	for i := range msgs {
		r.m.bodySeq++
		msgs[i].Body = fmt.Sprintf("m%d", r.m.bodySeq)
		if r.rnd.Intn(4) == 0 {
			msgs[i].Delay = 1 + r.rnd.Intn(90)
		}
	}
	r.logf("post %d", n)
	got, err := r.svc.PostMessages(r.ctx, testProject, modelQueue, msgs)
	require.NoError(r.t, err, "step %d post", r.step)
	require.Len(r.t, got, n)
	for i, id := range got {
		require.Greater(r.t, id, r.m.lastID, "step %d: message ids must keep increasing", r.step)
		r.m.lastID = id
		x := &modelMsg{id: id, body: msgs[i].Body, state: emulator.MessageReady,
			expiresAt: r.m.now.Add(seconds(modelExpiration))}
		if d := msgs[i].Delay; d > 0 {
			x.state, x.availableAt = emulator.MessageDelayed, r.m.now.Add(seconds(d))
		}
		r.m.msgs[id] = x
	}
	r.m.total += int64(n)
}

func (r *modelRun) reserve() {
	req := ReserveRequest{N: r.rnd.Intn(6), Delete: r.rnd.Intn(10) == 0} // 0 means 1
	if r.rnd.Intn(20) == 0 {
		req.N = 90 + r.rnd.Intn(50) // over 100 is clamped
	}
	if r.rnd.Intn(3) > 0 {
		req.Timeout = 1 + r.rnd.Intn(90)
	}
	r.logf("reserve %+v", req)
	got, err := r.svc.Reserve(r.ctx, testProject, modelQueue, req)
	require.NoError(r.t, err, "step %d reserve", r.step)

	r.m.promote()
	want := r.m.ready()
	want = want[:min(len(want), max(req.N, 1), MaxMessagesPerRequest)]
	require.Equal(r.t, modelIDs(want), messageIDs(got), "step %d: reserve must return the first ready messages in queue order", r.step)
	timeout := req.Timeout
	if timeout == 0 {
		timeout = modelTimeout
	}
	for i, g := range got {
		x := want[i]
		require.False(r.t, r.m.live(x), "step %d: message %s handed out while its reservation %s is live", r.step, x.id, x.rid)
		require.Equal(r.t, x.body, g.Body, "step %d body of %s", r.step, x.id)
		require.Equal(r.t, x.reservedCount+1, g.ReservedCount, "step %d reserved_count of %s", r.step, x.id)
		require.NotEmpty(r.t, g.ReservationID)
		require.False(r.t, r.m.issued[g.ReservationID], "step %d: reservation id %s issued twice", r.step, g.ReservationID)
		r.m.issued[g.ReservationID] = true
		r.m.remember(x.id, g.ReservationID)
		if req.Delete {
			delete(r.m.msgs, x.id)
			r.m.deleted = append(r.m.deleted, x.id)
			continue
		}
		x.state, x.availableAt, x.rid = emulator.MessageReserved, r.m.now.Add(seconds(timeout)), g.ReservationID
		x.reservedCount++
	}
}

func (r *modelRun) liveReserved() []*modelMsg { return r.m.sorted(r.m.live) }

func (r *modelRun) touch() {
	x := r.pick(r.liveReserved())
	if x == nil {
		return
	}
	timeout := 0
	if r.rnd.Intn(2) == 0 {
		timeout = 1 + r.rnd.Intn(90)
	}
	r.logf("touch %s %s timeout=%d", x.id, x.rid, timeout)
	rid, err := r.svc.Touch(r.ctx, testProject, modelQueue, x.id, x.rid, timeout)
	require.NoError(r.t, err, "step %d touch", r.step)
	require.NotEqual(r.t, x.rid, rid, "step %d: touch must issue a new reservation id", r.step)
	require.False(r.t, r.m.issued[rid], "step %d: reservation id %s issued twice", r.step, rid)
	r.m.issued[rid] = true
	r.m.remember(x.id, rid)
	if timeout == 0 {
		timeout = modelTimeout
	}
	x.rid, x.availableAt = rid, r.m.now.Add(seconds(timeout))
	x.reservedCount++
}

// staleRef returns an earlier reservation the model says is not current.
func (r *modelRun) staleRef() (DeleteRef, bool) {
	for range 10 {
		if len(r.m.oldRefs) == 0 {
			return DeleteRef{}, false
		}
		ref := r.m.oldRefs[r.rnd.Intn(len(r.m.oldRefs))]
		if r.m.deleteErr(ref) != nil {
			return ref, true
		}
	}
	return DeleteRef{}, false
}

func (r *modelRun) touchStale() {
	ref, ok := r.staleRef()
	if !ok {
		return
	}
	r.logf("touch stale %s %s", ref.ID, ref.ReservationID)
	_, err := r.svc.Touch(r.ctx, testProject, modelQueue, ref.ID, ref.ReservationID, 0)
	r.requireErrClass(r.m.reservationErr(ref.ID, ref.ReservationID), err, "touch stale")
}

func (r *modelRun) release() {
	x := r.pick(r.liveReserved())
	if x == nil {
		return
	}
	delay := 0
	if r.rnd.Intn(3) == 0 {
		delay = 1 + r.rnd.Intn(60)
	}
	r.logf("release %s %s delay=%d", x.id, x.rid, delay)
	require.NoError(r.t, r.svc.Release(r.ctx, testProject, modelQueue, x.id, x.rid, delay), "step %d release", r.step)
	x.rid = ""
	if delay > 0 {
		x.state, x.availableAt = emulator.MessageDelayed, r.m.now.Add(seconds(delay))
	} else {
		x.state, x.availableAt = emulator.MessageReady, time.Time{}
	}
}

func (r *modelRun) releaseStale() {
	ref, ok := r.staleRef()
	if !ok {
		return
	}
	r.logf("release stale %s %s", ref.ID, ref.ReservationID)
	err := r.svc.Release(r.ctx, testProject, modelQueue, ref.ID, ref.ReservationID, 0)
	r.requireErrClass(r.m.reservationErr(ref.ID, ref.ReservationID), err, "release stale")
}

// applyDelete sends refs as one batch and checks the outcome against the
// model: all deleted, or nothing deleted and the first failure's class.
func (r *modelRun) applyDelete(refs []DeleteRef) {
	var want error
	seen := map[emulator.MessageID]bool{}
	var targets []emulator.MessageID
	for _, ref := range refs {
		if seen[ref.ID] {
			continue
		}
		seen[ref.ID] = true
		if err := r.m.deleteErr(ref); err != nil {
			want = err
			break
		}
		targets = append(targets, ref.ID)
	}
	r.logf("delete %v", refs)
	var err error
	if len(refs) == 1 {
		err = r.svc.DeleteMessage(r.ctx, testProject, modelQueue, refs[0])
	} else {
		err = r.svc.DeleteMessages(r.ctx, testProject, modelQueue, refs)
	}
	r.requireErrClass(want, err, "delete")
	if want != nil {
		return
	}
	for _, id := range targets {
		delete(r.m.msgs, id)
		r.m.deleted = append(r.m.deleted, id)
	}
}

func (r *modelRun) deleteReserved() {
	if x := r.pick(r.liveReserved()); x != nil {
		r.applyDelete([]DeleteRef{{ID: x.id, ReservationID: x.rid}})
	}
}

func (r *modelRun) deleteUnreserved() {
	if x := r.pick(r.m.sorted(func(x *modelMsg) bool { return !r.m.live(x) })); x != nil {
		r.applyDelete([]DeleteRef{{ID: x.id}})
	}
}

func (r *modelRun) deleteReservedWithoutID() {
	if x := r.pick(r.liveReserved()); x != nil {
		r.applyDelete([]DeleteRef{{ID: x.id}}) // 403: the message is reserved
	}
}

func (r *modelRun) deleteStale() {
	if ref, ok := r.staleRef(); ok {
		r.applyDelete([]DeleteRef{ref})
	}
}

// batchDelete deletes a few messages at once, sometimes mixing in a stale
// reservation, a deleted id or a duplicate so the whole batch is refused.
func (r *modelRun) batchDelete() {
	all := r.m.sorted(nil)
	if len(all) == 0 {
		return
	}
	var refs []DeleteRef
	for range 2 + r.rnd.Intn(4) {
		x := r.pick(all)
		ref := DeleteRef{ID: x.id}
		if r.m.live(x) {
			ref.ReservationID = x.rid
		}
		refs = append(refs, ref)
	}
	switch r.rnd.Intn(6) {
	case 0:
		if ref, ok := r.staleRef(); ok {
			refs = slices.Insert(refs, r.rnd.Intn(len(refs)+1), ref)
		}
	case 1:
		if len(r.m.deleted) > 0 {
			id := r.m.deleted[r.rnd.Intn(len(r.m.deleted))]
			refs = slices.Insert(refs, r.rnd.Intn(len(refs)+1), DeleteRef{ID: id})
		}
	case 2:
		refs = append(refs, DeleteRef{ID: r.m.lastID + 1000}) // never posted
	}
	r.applyDelete(refs)
}

func (r *modelRun) getDeleted() {
	if len(r.m.deleted) == 0 {
		return
	}
	id := r.m.deleted[r.rnd.Intn(len(r.m.deleted))]
	r.logf("get deleted %s", id)
	_, err := r.svc.GetMessage(r.ctx, testProject, modelQueue, id)
	require.ErrorIs(r.t, err, emulator.ErrNotFound, "step %d: deleted or expired message %s is still there", r.step, id)
}

func (r *modelRun) advanceBy(d time.Duration) {
	r.logf("advance %s", d)
	r.m.now = r.clk.Advance(d)
}

func (r *modelRun) advance() {
	if r.rnd.Intn(4) == 0 {
		r.advanceBy(time.Duration(1+r.rnd.Intn(1999)) * time.Millisecond)
		return
	}
	r.advanceBy(seconds(1 + r.rnd.Intn(30)))
}

func (r *modelRun) advanceFar() { r.advanceBy(seconds(60 + r.rnd.Intn(600))) }

func (r *modelRun) peek() {
	n := r.rnd.Intn(11) // 0 means 1
	r.logf("peek %d", n)
	got, err := r.svc.Peek(r.ctx, testProject, modelQueue, n)
	require.NoError(r.t, err)
	r.m.promote()
	want := r.m.ready()
	require.Equal(r.t, modelIDs(want[:min(max(n, 1), len(want))]), messageIDs(got), "step %d peek", r.step)
	for _, g := range got {
		require.Empty(r.t, g.ReservationID, "step %d: peek shows no reservation id", r.step)
	}
}

func (r *modelRun) clear() {
	r.logf("clear")
	require.NoError(r.t, r.svc.ClearQueue(r.ctx, testProject, modelQueue))
	for id := range r.m.msgs {
		r.m.deleted = append(r.m.deleted, id)
	}
	r.m.msgs = map[emulator.MessageID]*modelMsg{}
}

// checkInvariants compares the service's whole visible state with the
// model: nothing lost, nothing extra, reservations as the model says, FIFO
// among visible messages, and the size.
func (r *modelRun) checkInvariants() {
	t := r.t
	t.Helper()
	for _, x := range r.m.sorted(nil) {
		got, err := r.svc.GetMessage(r.ctx, testProject, modelQueue, x.id)
		require.NoError(t, err, "step %d: message %s was lost", r.step, x.id)
		require.Equal(t, x.body, got.Body, "step %d: body of %s", r.step, x.id)
		require.Equal(t, x.reservedCount, got.ReservedCount, "step %d: reserved_count of %s", r.step, x.id)
		wantRid := ""
		if r.m.live(x) {
			wantRid = x.rid
		}
		require.Equal(t, wantRid, got.ReservationID, "step %d: reservation of %s", r.step, x.id)
	}
	q, err := r.svc.GetQueue(r.ctx, testProject, modelQueue)
	require.NoError(t, err)
	require.EqualValues(t, len(r.m.msgs), q.Size, "step %d: size", r.step)
	require.Equal(t, r.m.total, q.TotalMessages, "step %d: total_messages", r.step)

	got, err := r.svc.Peek(r.ctx, testProject, modelQueue, MaxMessagesPerRequest)
	require.NoError(t, err)
	r.m.promote()
	want := r.m.ready()
	require.Equal(t, modelIDs(want[:min(len(want), MaxMessagesPerRequest)]), messageIDs(got),
		"step %d: visible messages in queue order (FIFO, expired reservations behind)", r.step)
}

func modelIDs(xs []*modelMsg) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = x.id.String()
	}
	return out
}

func messageIDs(ms []emulator.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID.String()
	}
	return out
}
