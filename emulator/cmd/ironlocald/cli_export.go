package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/client/exporttest"
)

// exportGroup turns a recorded session into a regression test.
func exportGroup() *group {
	return &group{name: "export-test", about: "turn what ironlocal received into a Go regression test", cmds: []*command{
		{args: "DIR [--since TIME] [--until TIME] [--name TestX]", nargs: 1,
			help: "write DIR/recorded_test.go and DIR/testdata/: the seed the session started from, its writes, and the state it reached; the test replays them on a fresh ironlocal (tcironlocal, virtual clock) and checks that state",
			flags: func(fs *flag.FlagSet) runFunc {
				since := fs.String("since", "", "RFC 3339 time where the span begins (earlier writes are replayed as setup)")
				until := fs.String("until", "", "RFC 3339 time where the span ends (must reach the last write: the state checked is today's)")
				name := fs.String("name", "", "the test's name (default TestRecorded)")
				return func(ctx context.Context, c *client.Client, args []string) (any, string, error) {
					o := exporttest.Options{TestName: *name}
					for flagName, dst := range map[string]*time.Time{"since": &o.Since, "until": &o.Until} {
						v := map[string]string{"since": *since, "until": *until}[flagName]
						if v == "" {
							continue
						}
						t, err := time.Parse(time.RFC3339Nano, v)
						if err != nil {
							return nil, "", usageError(fmt.Sprintf("--%s: %v", flagName, err))
						}
						*dst = t
					}
					sum, err := exporttest.Export(ctx, c, args[0], o)
					if err != nil {
						return nil, "", err
					}
					return sum, fmt.Sprintf("wrote %s/recorded_test.go: %d writes (%d setup), %d queues, %d items, %d tasks checked",
						args[0], sum.Inputs, sum.Setup, len(sum.Expect.Queues), len(sum.Expect.Items), len(sum.Expect.Tasks)), nil
				}
			}},
	}}
}
