package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/ironlocal/ironlocal/client"
)

// tasksGroup retries or cancels tasks in bulk (POST
// /_ironlocal/tasks/{pid}/bulk): every task of the project the filter
// selects and the action applies to.
func tasksGroup() *group {
	return &group{name: "tasks", about: "retry or cancel tasks in bulk", cmds: []*command{
		bulkCommand(client.BulkRetry, "retry", "retried", "retry every failed, timed-out or killed task the filter selects"),
		bulkCommand(client.BulkCancel, "cancel", "cancelled", "cancel every queued or running task the filter selects"),
	}}
}

func bulkCommand(action client.BulkAction, verb, done, help string) *command {
	return &command{name: verb, args: "[--status S]… [--code NAME] [--label L] [--q TEXT] [--dry-run]", help: help,
		flags: func(fs *flag.FlagSet) runFunc {
			var statuses listFlag
			fs.Var(&statuses, "status", "task status to select (repeat, or a comma list; default: every status)")
			code := fs.String("code", "", "code name to select")
			label := fs.String("label", "", "label to select")
			q := fs.String("q", "", "search ids, code names, labels, msgs and payloads")
			dry := fs.Bool("dry-run", false, "only count the tasks")
			return func(ctx context.Context, c *client.Client, _ []string) (any, string, error) {
				f := client.BulkFilter{CodeName: *code, Label: *label, Query: *q}
				for _, s := range statuses {
					f.Statuses = append(f.Statuses, client.TaskStatus(s))
				}
				r, err := c.BulkTasks(ctx, action, f, *dry)
				return r, bulkLine(r, verb, done), err
			}
		}}
}

// bulkLine: "cancelled 3 tasks (5 matched)", "would cancel 3 tasks (5 matched)".
func bulkLine(r client.BulkResult, verb, done string) string {
	s := fmt.Sprintf("%s %d %s (%d matched)", done, r.Done, plural(r.Done, "task"), r.Matched)
	if r.DryRun {
		s = fmt.Sprintf("would %s %d %s (%d matched)", verb, r.Eligible, plural(r.Eligible, "task"), r.Matched)
	}
	if r.Remaining > 0 {
		s += fmt.Sprintf("; %d left for another run", r.Remaining)
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
