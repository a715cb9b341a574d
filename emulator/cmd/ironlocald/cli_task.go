package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/ironlocal/ironlocal/client"
)

// taskGroup acts on one task: debugging it.
func taskGroup() *group {
	return &group{name: "task", about: "debug one task", cmds: []*command{
		{name: "debug", args: "CODE [--payload JSON] [--timeout S] | --again TASK_ID", nargs: -1,
			help: "queue a debug task of CODE (no timeout, its debug_command, a debugger port on 127.0.0.1), or run TASK_ID again exactly as it ran, in debug mode; waits until the debugger listens and prints where",
			flags: func(fs *flag.FlagSet) runFunc {
				payload := fs.String("payload", "", "the task's payload")
				again := fs.String("again", "", "run this task again exactly as it ran (revision, payload, config, env), in debug mode")
				wait := fs.Duration("wait", time.Minute, "how long to wait for the debugger's address")
				return func(ctx context.Context, c *client.Client, args []string) (any, string, error) {
					var id string
					var err error
					switch {
					case *again != "" && len(args) == 0:
						id, err = c.DebugAgain(ctx, *again)
					case *again == "" && len(args) == 1:
						id, err = c.QueueTask(ctx, client.NewTask{CodeName: args[0], Payload: *payload, Debug: true})
					default:
						return nil, "", usageError("task debug takes a code name, or --again TASK_ID")
					}
					if err != nil {
						return nil, "", err
					}
					t, err := waitDebugger(ctx, c, id, *wait)
					if err != nil {
						return t, "", err
					}
					return t, fmt.Sprintf("task %s: debugger at %s (ironlocald task debug waits no more; the task runs until the debugger lets it end)", id, t.DebugAddress), nil
				}
			}},
	}}
}

// waitDebugger polls task id until its debugger's address is known, or
// says why it never will be.
func waitDebugger(ctx context.Context, c *client.Client, id string, limit time.Duration) (client.Task, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		t, err := c.Task(ctx, id)
		switch {
		case err != nil:
			return t, err
		case t.DebugAddress != "":
			return t, nil
		case t.Status.Terminal():
			return t, fmt.Errorf("task %s ended (%s) before its debugger listened: %s", id, t.Status, t.Msg)
		}
		select {
		case <-ctx.Done():
			return t, errors.New("task " + id + " is still " + string(t.Status) + " with no debugger address: is a task slot free, and does the code have a debug_command?")
		case <-tick.C:
		}
	}
}
