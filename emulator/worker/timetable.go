package worker

import (
	"container/heap"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// timetable is the scheduler's memory of when each active schedule next
// fires, so that a tick costs the schedules that are due rather than a read
// and decode of every active one from the store. (Reading them all on each
// tick made 1,000 schedules spread over 5 s fire 20 ms late at the median:
// the ticks came faster than a full read took.)
//
// The store stays the authority: fire re-reads a schedule before it acts,
// and every write of a schedule is recorded here afterwards (set), so an
// entry that is out of date only costs a look at the store. The scheduler
// serialises writes and their recording (scheduler.writes), so an older
// write is never recorded over a newer one. It is not safe for concurrent
// use on its own.
type timetable struct {
	next  map[string]slot // schedule id → its next fire
	queue slotHeap        // the same slots, earliest first, plus outdated ones skipped when met
}

// slot is one schedule's next fire.
type slot struct {
	at          time.Time
	project, id string
}

func newTimetable() *timetable { return &timetable{next: map[string]slot{}} }

// fill replaces the contents with the active schedules fn lists.
func (t *timetable) fill(list func(func(emulator.Schedule) error) error) error {
	fresh := newTimetable()
	if err := list(func(sc emulator.Schedule) error { fresh.set(sc); return nil }); err != nil {
		return err
	}
	*t = *fresh
	return nil
}

// set records sc as it is now stored: an active schedule with a next start
// is put at it, any other is dropped.
func (t *timetable) set(sc emulator.Schedule) {
	if sc.Status != emulator.ScheduleActive || sc.NextStart.IsZero() {
		t.drop(sc.ID)
		return
	}
	s := slot{at: sc.NextStart, project: sc.Project, id: sc.ID}
	if old, ok := t.next[sc.ID]; ok && old.at.Equal(s.at) {
		return
	}
	t.next[sc.ID] = s
	heap.Push(&t.queue, s)
	// Outdated slots stay in the queue until they reach its head; rebuild
	// it when they outnumber the live ones, so churn cannot grow it.
	if len(t.queue) > 2*len(t.next)+64 {
		t.queue = t.queue[:0]
		for _, s := range t.next {
			t.queue = append(t.queue, s)
		}
		heap.Init(&t.queue)
	}
}

// retry puts s back at a later time, after firing it failed, unless a
// write of its schedule was recorded since it was taken.
func (t *timetable) retry(s slot, at time.Time) {
	if _, ok := t.next[s.id]; ok {
		return
	}
	s.at = at
	t.next[s.id] = s
	heap.Push(&t.queue, s)
}

// drop forgets schedule id (it was deleted, or is no longer active).
func (t *timetable) drop(id string) { delete(t.next, id) }

// live reports whether s is the schedule's current slot.
func (t *timetable) live(s slot) bool {
	cur, ok := t.next[s.id]
	return ok && cur.at.Equal(s.at)
}

// earliest returns the first slot, dropping outdated ones from the head;
// ok is false when no schedule is active.
func (t *timetable) earliest() (slot, bool) {
	for len(t.queue) > 0 {
		if s := t.queue[0]; t.live(s) {
			return s, true
		}
		heap.Pop(&t.queue)
	}
	return slot{}, false
}

// takeDue removes and returns the slots due at now, earliest first. The
// caller fires them; firing records each schedule's next start.
func (t *timetable) takeDue(now time.Time) []slot {
	var due []slot
	for {
		s, ok := t.earliest()
		if !ok || s.at.After(now) {
			return due
		}
		heap.Pop(&t.queue)
		delete(t.next, s.id)
		due = append(due, s)
	}
}

// slotHeap orders slots by time (container/heap).
type slotHeap []slot

func (h slotHeap) Len() int           { return len(h) }
func (h slotHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h slotHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *slotHeap) Push(x any)        { *h = append(*h, x.(slot)) }
func (h *slotHeap) Pop() any {
	old := *h
	s := old[len(old)-1]
	*h = old[:len(old)-1]
	return s
}
