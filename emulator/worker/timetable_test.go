package worker

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
)

func TestTimetable(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	active := func(id string, at time.Duration) emulator.Schedule {
		return emulator.Schedule{ID: id, Project: "p", Status: emulator.ScheduleActive, NextStart: t0.Add(at)}
	}
	ids := func(slots []slot) []string {
		var out []string
		for _, s := range slots {
			out = append(out, s.id)
		}
		return out
	}

	t.Run("due earliest first, later ones kept", func(t *testing.T) {
		tt := newTimetable()
		tt.set(active("c", 3*time.Second))
		tt.set(active("a", time.Second))
		tt.set(active("b", 2*time.Second))
		require.Equal(t, []string{"a", "b"}, ids(tt.takeDue(t0.Add(2*time.Second))))
		first, ok := tt.earliest()
		require.True(t, ok)
		require.Equal(t, "c", first.id)
		require.Empty(t, tt.takeDue(t0.Add(2*time.Second)), "taken slots are gone")
	})

	t.Run("a later write replaces the slot", func(t *testing.T) {
		tt := newTimetable()
		tt.set(active("a", time.Second))
		tt.set(active("a", time.Hour))
		require.Empty(t, tt.takeDue(t0.Add(time.Minute)), "the outdated slot does not fire")
		require.Equal(t, []string{"a"}, ids(tt.takeDue(t0.Add(time.Hour))))
	})

	t.Run("inactive and unscheduled schedules are dropped", func(t *testing.T) {
		tt := newTimetable()
		tt.set(active("a", time.Second))
		tt.set(active("b", time.Second))
		tt.set(active("c", time.Second))
		done := active("a", time.Second)
		done.Status = emulator.ScheduleComplete
		tt.set(done)
		tt.set(emulator.Schedule{ID: "b", Status: emulator.ScheduleActive})
		tt.drop("c")
		_, ok := tt.earliest()
		require.False(t, ok)
	})

	t.Run("churn does not grow the queue", func(t *testing.T) {
		tt := newTimetable()
		for i := range 10_000 {
			tt.set(active("a", time.Duration(i)*time.Second))
		}
		require.Len(t, tt.next, 1)
		require.LessOrEqual(t, len(tt.queue), 2*len(tt.next)+64)
		require.Equal(t, []string{"a"}, ids(tt.takeDue(t0.Add(10_000*time.Second))))
	})

	t.Run("fill replaces the contents", func(t *testing.T) {
		tt := newTimetable()
		tt.set(active("old", time.Second))
		require.NoError(t, tt.fill(func(fn func(emulator.Schedule) error) error {
			return fn(active("new", 2*time.Second))
		}))
		require.Equal(t, []string{"new"}, ids(tt.takeDue(t0.Add(time.Minute))))
	})
}

func TestTimetable_Retry(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	tt := newTimetable()
	tt.set(emulator.Schedule{ID: "a", Project: "p", Status: emulator.ScheduleActive, NextStart: t0})
	tt.set(emulator.Schedule{ID: "b", Project: "p", Status: emulator.ScheduleActive, NextStart: t0})
	due := tt.takeDue(t0)
	require.Len(t, due, 2)
	tt.set(emulator.Schedule{ID: "b", Project: "p", Status: emulator.ScheduleActive, NextStart: t0.Add(time.Hour)})
	tt.retry(due[0], t0.Add(time.Second))
	tt.retry(due[1], t0.Add(time.Second))
	again := tt.takeDue(t0.Add(time.Second))
	require.Len(t, again, 1, "a schedule written since keeps its recorded slot")
	require.Equal(t, "a", again[0].id)
	require.Equal(t, "p", again[0].project)
}
