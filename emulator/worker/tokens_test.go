package worker

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/clock"
)

func TestTaskTokens(t *testing.T) {
	const project, task = "5f0c6e8a1b2c3d4e5f6a7b8c", "01TASK0000000000000000000A"
	newTokens := func() (*taskTokens, *clock.Virtual) {
		c := clock.NewVirtual(time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC))
		return newTaskTokens(c), c
	}

	t.Run("minted token names its task and verifies", func(t *testing.T) {
		tt, _ := newTokens()
		tok := tt.mint(project, task)
		require.True(t, strings.HasPrefix(tok, emulator.TaskTokenPrefix+task+"."), tok)
		mac := tok[strings.LastIndexByte(tok, '.')+1:]
		assert.Len(t, mac, 32)
		got, ok := tt.verify(tok)
		require.True(t, ok)
		assert.Equal(t, emulator.TaskToken{Project: project, TaskID: task}, got)
	})

	t.Run("forged tokens are refused", func(t *testing.T) {
		tt, _ := newTokens()
		tok := tt.mint(project, task)
		other, _ := newTokens() // another process: another key
		for name, forged := range map[string]string{
			"other key":     other.mint(project, task),
			"changed mac":   tok[:len(tok)-1] + map[bool]string{true: "0", false: "1"}[tok[len(tok)-1] != '0'],
			"other task id": strings.Replace(tok, task, "01TASK0000000000000000000B", 1),
			"no mac":        emulator.TaskTokenPrefix + task,
			"empty":         "",
			"plain token":   "local-token",
		} {
			_, ok := tt.verify(forged)
			assert.False(t, ok, name)
		}
	})

	t.Run("valid for the grace after the task ends, then not", func(t *testing.T) {
		tt, c := newTokens()
		tok := tt.mint(project, task)
		c.Advance(time.Hour) // a long run
		_, ok := tt.verify(tok)
		require.True(t, ok, "running")
		tt.end(task)
		c.Advance(TaskTokenGrace)
		_, ok = tt.verify(tok)
		require.True(t, ok, "at the end of the grace")
		c.Advance(time.Second)
		_, ok = tt.verify(tok)
		require.False(t, ok, "after the grace")
	})

	t.Run("reset forgets every token", func(t *testing.T) {
		tt, _ := newTokens()
		tok := tt.mint(project, task)
		tt.reset()
		_, ok := tt.verify(tok)
		require.False(t, ok)
	})

	t.Run("expired tokens are dropped at the next mint", func(t *testing.T) {
		tt, c := newTokens()
		tt.mint(project, task)
		tt.end(task)
		c.Advance(2 * TaskTokenGrace)
		tt.mint(project, "01TASK0000000000000000000B")
		assert.Len(t, tt.live, 1)
	})
}

func TestActivityLog_Bounds(t *testing.T) {
	l := newActivityLog()
	for i := range MaxActivityPerTask + 5 {
		l.add("a", emulator.TaskActivity{Status: i})
	}
	got := l.list("a")
	require.Len(t, got, MaxActivityPerTask)
	assert.Equal(t, 5, got[0].Status, "the oldest were dropped")
	for i := range MaxActivityTasks {
		l.add(strings.Repeat("x", 1)+string(rune('A'+i%26))+time.Duration(i).String(), emulator.TaskActivity{})
	}
	assert.Empty(t, l.list("a"), "the oldest task was evicted")
	assert.Len(t, l.byTask, MaxActivityTasks)
}
