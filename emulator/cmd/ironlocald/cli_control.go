package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/wire"
)

// The emulator's own state: reset, snapshots, the clock, idleness and
// fault injection (/_ironlocal/…).

func resetGroup() *group {
	return &group{name: "reset", about: "wipe all state", cmds: []*command{{
		help: "wipe every queue, cache, code, task, schedule, binding and fault",
		flags: func(*flag.FlagSet) runFunc {
			return func(ctx context.Context, c *client.Client, _ []string) (any, string, error) {
				if err := c.Reset(ctx); err != nil {
					return nil, "", err
				}
				return msgAnswer{Msg: "Reset"}, "reset: ironlocal is empty", nil
			}
		},
	}}}
}

func snapshotGroup() *group {
	return &group{name: "snapshot", about: "save, load and download the whole state", cmds: []*command{
		{name: "save", args: "NAME [--overwrite]", nargs: 1,
			help: "save a snapshot as NAME in ironlocal's snapshot directory",
			flags: func(fs *flag.FlagSet) runFunc {
				overwrite := fs.Bool("overwrite", false, "replace an existing snapshot of that name")
				return func(ctx context.Context, c *client.Client, args []string) (any, string, error) {
					s, err := c.SaveSnapshot(ctx, args[0], *overwrite)
					return s, fmt.Sprintf("saved snapshot %s (%d bytes)", s.Name, s.Size), err
				}
			}},
		{name: "load", args: "FILE", nargs: 1,
			help:  "replace the whole state with the snapshot in FILE (- for stdin)",
			flags: func(*flag.FlagSet) runFunc { return snapshotLoad }},
		{name: "download", args: "FILE", nargs: 1,
			help:  "write a snapshot of the whole state into FILE (- for stdout)",
			flags: func(*flag.FlagSet) runFunc { return snapshotDownload }},
	}}
}

func snapshotLoad(ctx context.Context, c *client.Client, args []string) (any, string, error) {
	r, size := io.Reader(os.Stdin), int64(-1)
	if args[0] != "-" {
		f, err := os.Open(args[0])
		if err != nil {
			return nil, "", err
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
		r = f
	}
	if err := c.ImportSnapshot(ctx, r, size); err != nil {
		return nil, "", err
	}
	return msgAnswer{Msg: "Snapshot imported"}, "loaded snapshot " + args[0], nil
}

// snapshotDownloaded is what --json prints for a download (the answer
// itself is the snapshot, written to the file).
type snapshotDownloaded struct {
	File string `json:"file"`
	Size int64  `json:"size"`
}

func snapshotDownload(ctx context.Context, c *client.Client, args []string) (any, string, error) {
	name := args[0]
	if name == "-" {
		_, err := c.ExportSnapshot(ctx, os.Stdout)
		return nil, "", err
	}
	// Written beside FILE, then renamed: a failed download leaves no
	// truncated snapshot under the name.
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return nil, "", err
	}
	n, err := c.ExportSnapshot(ctx, tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return nil, "", err
	}
	return snapshotDownloaded{File: name, Size: n}, fmt.Sprintf("downloaded snapshot to %s (%d bytes)", name, n), nil
}

// seedGroup is listed so that `seed load` says why it is missing: seed
// files load at start-up (--seed), and the control plane has no route
// that applies one to a running ironlocal.
func seedGroup() *group {
	return &group{name: "seed", about: "load a seed file into the running ironlocal", cmds: []*command{
		{name: "load", args: "FILE", nargs: 1,
			help: "apply seed FILE (- for stdin) on top of the current state; one that fails its dry run loads nothing",
			flags: func(*flag.FlagSet) runFunc {
				return func(ctx context.Context, c *client.Client, args []string) (any, string, error) {
					var r io.Reader = os.Stdin
					if args[0] != "-" {
						f, err := os.Open(args[0])
						if err != nil {
							return nil, "", err
						}
						defer f.Close()
						r = f
					}
					err := c.LoadSeed(ctx, r)
					return msgAnswer{Msg: "Seed loaded"}, "loaded " + args[0], err
				}
			}},
	}}
}

func clockGroup() *group {
	show := func(ck client.Clock, err error) (any, string, error) {
		kind := "wall clock"
		if ck.Virtual {
			kind = "virtual clock"
		}
		return ck, fmt.Sprintf("%s (%s)", ck.Now.UTC().Format(time.RFC3339Nano), kind), err
	}
	return &group{name: "clock", about: "read and move the emulator's clock", cmds: []*command{
		{name: "now", help: "the emulator's time, and whether its clock is virtual",
			flags: func(*flag.FlagSet) runFunc {
				return func(ctx context.Context, c *client.Client, _ []string) (any, string, error) {
					return show(c.Clock(ctx))
				}
			}},
		{name: "advance", args: "DURATION", nargs: 1,
			help: "move a virtual clock forward (90s, 1h30m); due work fires",
			flags: func(*flag.FlagSet) runFunc {
				return func(ctx context.Context, c *client.Client, args []string) (any, string, error) {
					d, err := durationArg(args[0])
					if err != nil {
						return nil, "", err
					}
					return show(c.AdvanceClock(ctx, d))
				}
			}},
		{name: "set", args: "TIME", nargs: 1,
			help: "move a virtual clock forward to TIME (RFC 3339)",
			flags: func(*flag.FlagSet) runFunc {
				return func(ctx context.Context, c *client.Client, args []string) (any, string, error) {
					t, err := time.Parse(time.RFC3339Nano, args[0])
					if err != nil {
						return nil, "", usageError(fmt.Sprintf("%q is not an RFC 3339 time such as 2030-01-02T15:04:05Z", args[0]))
					}
					return show(c.SetClock(ctx, t))
				}
			}},
	}}
}

func waitIdleGroup() *group {
	return &group{name: "wait-idle", about: "wait until no work is left", cmds: []*command{{
		args: "[--timeout D] [--push due|settled]",
		help: "wait until no task is queued or running and no delivery is due",
		flags: func(fs *flag.FlagSet) runFunc {
			timeout := fs.Duration("timeout", 30*time.Second, "give up after this long (exit 1)")
			push := fs.String("push", "due", "due: push retries may be pending; settled: wait for every push delivery")
			return func(ctx context.Context, c *client.Client, _ []string) (any, string, error) {
				var opts []client.WaitOption
				switch *push {
				case "due":
				case "settled":
					opts = append(opts, client.WaitPushSettled())
				default:
					return nil, "", usageError(fmt.Sprintf("--push %q: want due or settled", *push))
				}
				if err := c.WaitIdle(ctx, *timeout, opts...); err != nil {
					return nil, "", err
				}
				return wire.Idle{Idle: true, Msg: "Idle"}, "idle", nil
			}
		},
	}}}
}

func faultsGroup() *group {
	return &group{name: "faults", about: "inject failures and latency", cmds: []*command{
		{name: "add", args: "[--service S] [--status N] [--latency D] [--resource R] [--method M] [--times N] [--msg T]",
			help: "make matching Iron API requests fail or slow down",
			flags: func(fs *flag.FlagSet) runFunc {
				var f client.Fault
				fs.StringVar(&f.Service, "service", "", "mq, worker or cache (default: every service)")
				fs.IntVar(&f.Status, "status", 0, "HTTP status to answer (default: answer normally, after the latency)")
				fs.StringVar(&f.Latency, "latency", "", "delay before answering (250ms)")
				fs.StringVar(&f.Resource, "resource", "", "queue, cache or code name (default: every one)")
				fs.StringVar(&f.Method, "method", "", "HTTP method (default: every one)")
				fs.StringVar(&f.ProjectID, "match-project", "", "project id to match (default: every project)")
				fs.IntVar(&f.Times, "times", 0, "requests the rule affects (default: all)")
				fs.StringVar(&f.Msg, "msg", "", "the error's msg")
				return func(ctx context.Context, c *client.Client, _ []string) (any, string, error) {
					if f.Status == 0 && f.Latency == "" {
						return nil, "", usageError("give --status or --latency")
					}
					added, err := c.AddFault(ctx, f)
					return wire.FaultAdded{Fault: added, Msg: "Fault added"}, "added fault " + added.ID + ": " + describeFault(added), err
				}
			}},
		{name: "list", help: "the rules with their hit counts",
			flags: func(*flag.FlagSet) runFunc {
				return func(ctx context.Context, c *client.Client, _ []string) (any, string, error) {
					fs, err := c.Faults(ctx)
					if fs == nil {
						fs = []client.Fault{}
					}
					if len(fs) == 0 {
						return wire.FaultList{Faults: fs}, "no faults", err
					}
					lines := make([]string, len(fs))
					for i, f := range fs {
						lines[i] = fmt.Sprintf("%s  %s  (%d hits)", f.ID, describeFault(f), f.Hits)
					}
					return wire.FaultList{Faults: fs}, strings.Join(lines, "\n"), err
				}
			}},
		{name: "rm", args: "ID", nargs: 1, help: "remove one rule",
			flags: func(*flag.FlagSet) runFunc {
				return func(ctx context.Context, c *client.Client, args []string) (any, string, error) {
					if err := c.DeleteFault(ctx, args[0]); err != nil {
						return nil, "", err
					}
					return msgAnswer{Msg: "Deleted"}, "removed fault " + args[0], nil
				}
			}},
		{name: "clear", help: "remove every rule",
			flags: func(*flag.FlagSet) runFunc {
				return func(ctx context.Context, c *client.Client, _ []string) (any, string, error) {
					if err := c.ClearFaults(ctx); err != nil {
						return nil, "", err
					}
					return msgAnswer{Msg: "Faults cleared"}, "faults cleared", nil
				}
			}},
	}}
}

// describeFault says what a rule matches and does: "mq POST jobs → 503, 3 times".
func describeFault(f client.Fault) string {
	match := strings.Join(strings.Fields(strings.Join([]string{f.Service, f.Method, f.ProjectID, f.Resource}, " ")), " ")
	if match == "" {
		match = "every request"
	}
	var does []string
	if f.Latency != "" {
		does = append(does, "after "+f.Latency)
	}
	if f.Status != 0 {
		does = append(does, fmt.Sprint(f.Status))
	}
	s := match + " → " + strings.Join(does, " ")
	if f.Times > 0 {
		s += fmt.Sprintf(", %d times", f.Times)
	}
	return s
}
