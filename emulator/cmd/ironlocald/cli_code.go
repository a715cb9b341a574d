package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"

	"github.com/ironlocal/ironlocal/client"
)

// codeByName finds the project's code package of that name.
func codeByName(ctx context.Context, c *client.Client, name string) (client.Code, error) {
	for page := 0; ; page++ {
		codes, err := c.Codes(ctx, client.Page{Page: page, PerPage: 100})
		if err != nil {
			return client.Code{}, err
		}
		for _, code := range codes {
			if code.Name == name {
				return code, nil
			}
		}
		if len(codes) < 100 {
			return client.Code{}, fmt.Errorf("no code %s in project %s", name, c.Project())
		}
	}
}

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
		{name: "watch", args: "NAME [--off] [--payload JSON]", nargs: 1,
			help: "turn watch mode of linked code NAME on (a change in its folder re-runs its last task) or off",
			flags: func(fs *flag.FlagSet) runFunc {
				off := fs.Bool("off", false, "turn watch mode off")
				payload := fs.String("payload", "", "the payload watch re-runs use (default: the last task's)")
				return func(ctx context.Context, c *client.Client, args []string) (any, string, error) {
					code, err := codeByName(ctx, c, args[0])
					if err != nil {
						return nil, "", err
					}
					if !code.Linked {
						return nil, "", fmt.Errorf("code %s is not linked to a folder: ironlocald code link %s DIR --watch", args[0], args[0])
					}
					l := client.CodeLink{Dir: code.LinkedDir, Image: code.Image, Command: code.Command, Watch: !*off, Payload: code.PinnedPayload}
					if *payload != "" {
						l.Payload = payload
					}
					code, err = c.LinkCode(ctx, args[0], l)
					line := fmt.Sprintf("code %s: a change in %s re-runs its last task", args[0], code.LinkedDir)
					if *off {
						line = fmt.Sprintf("code %s: watch mode off (its tasks still run %s)", args[0], code.LinkedDir)
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
