package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/ironlocal/ironlocal/client"
)

// queueGroup holds the queue commands beyond the Iron API.
func queueGroup() *group {
	return &group{name: "queue", about: "move dead letters back", cmds: []*command{
		{name: "redrive", args: "QUEUE [--to Q] [--ids a,b] [--max N]", nargs: 1,
			help: "move a dead-letter or error queue's ready messages back to their source",
			flags: func(fs *flag.FlagSet) runFunc {
				var o client.RedriveOptions
				fs.StringVar(&o.To, "to", "", "the queue to move them to (default: the one whose dead_letter or error_queue names QUEUE)")
				fs.Var((*listFlag)(&o.IDs), "ids", "message ids to move (comma list; default: every ready message)")
				fs.IntVar(&o.Max, "max", 0, "move at most this many (default: no bound)")
				return func(ctx context.Context, c *client.Client, args []string) (any, string, error) {
					if o.Max < 0 {
						return nil, "", usageError("--max must be 0 or more")
					}
					r, err := c.Redrive(ctx, args[0], o)
					return r, fmt.Sprintf("moved %d %s from %s to %s", r.Moved, plural(r.Moved, "message"), args[0], r.To), err
				}
			}},
	}}
}
