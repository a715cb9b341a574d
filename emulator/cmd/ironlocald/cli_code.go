package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"

	"github.com/ironlocal/ironlocal/client"
)

// codeGroup links codes to folders: the inner loop of docs/worker.md.
func codeGroup() *group {
	return &group{name: "code", about: "run a code straight from a folder", cmds: []*command{
		{name: "link", args: "NAME DIR [--image IMG | --command CMD] [--watch] [--payload JSON]", nargs: 2,
			help: "link code NAME to folder DIR: each task runs the folder's files as they are when it starts",
			flags: func(fs *flag.FlagSet) runFunc {
				var l client.CodeLink
				var payload string
				fs.StringVar(&l.Image, "image", "", "the image that runs the files (a new code needs --image or --command)")
				fs.StringVar(&l.Command, "command", "", "the command that runs the files")
				fs.BoolVar(&l.Watch, "watch", false, "re-run the code's last task when a file in DIR changes")
				fs.StringVar(&payload, "payload", "", "the payload watch re-runs use (default: the last task's)")
				return func(ctx context.Context, c *client.Client, args []string) (any, string, error) {
					dir, err := filepath.Abs(args[1])
					if err != nil {
						return nil, "", usageError(err.Error())
					}
					l.Dir = dir
					if payload != "" {
						l.Payload = &payload
					}
					code, err := c.LinkCode(ctx, args[0], l)
					line := fmt.Sprintf("code %s runs %s", args[0], dir)
					if l.Watch {
						line += "; a change re-runs its last task"
					}
					return code, line, err
				}
			}},
		{name: "unlink", args: "NAME", nargs: 1,
			help: "end code NAME's link to its folder (and its watch)",
			flags: func(*flag.FlagSet) runFunc {
				return func(ctx context.Context, c *client.Client, args []string) (any, string, error) {
					code, err := c.UnlinkCode(ctx, args[0])
					return code, "code " + args[0] + " is no longer linked", err
				}
			}},
	}}
}
