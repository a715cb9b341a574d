package app

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
)

// Counts agree with their number: never "1 tasks".
func TestCounts_AgreeWithTheirNumber(t *testing.T) {
	cases := []struct{ name, got, want string }{
		{"all tasks, one", model.CountOf(1, 1, "task"), "1 task"},
		{"all tasks", model.CountOf(5, 5, "task"), "5 tasks"},
		{"filtered, total one", model.CountOf(0, 1, "task"), "0 of 1 task"},
		{"filtered", model.CountOf(1, 6, "task"), "1 of 6 tasks"},
		{"queues, one", model.CountOf(1, 1, "queue"), "1 queue"},
		{"queues filtered", model.CountOf(1, 3, "queue"), "1 of 3 queues"},
		{"events", model.EventsCount(1, 1, 0, false, 0), "1 of 1 event"},
		{"events missed and paused", model.EventsCount(3, 9, 1, true, 1), "3 of 9 events · 1 event missed · paused, 1 new event"},
		{"events many missed", model.EventsCount(0, 0, 42, true, 0), "0 of 0 events · 42 events missed · paused, 0 new events"},
		{"task count", model.TaskCount(1), "1 task"},
		{"nothing to retry, one", func() string {
			_, _, note := model.BulkQuestion(client.BulkRetry, client.BulkResult{Matched: 1})
			return note
		}(), "Nothing to retry: the task matching the filter has not failed, or was retried already."},
		{"nothing to cancel", func() string {
			_, _, note := model.BulkQuestion(client.BulkCancel, client.BulkResult{Matched: 3})
			return note
		}(), "Nothing to cancel: none of the 3 tasks matching the filter is queued or running."},
		{"one more", model.BulkDone(client.BulkRetry, client.BulkResult{Done: 2, Remaining: 1}), "Retried 2 tasks; 1 more matches: run it again"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { require.Equal(t, c.want, c.got) })
	}
}
