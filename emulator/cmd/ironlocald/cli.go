package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/daemon"
)

// The control-plane CLI: `ironlocald GROUP [SUBCOMMAND] [ARGS] [FLAGS]`.
// Each group lives in its own file (cli_control.go, cli_tasks.go,
// cli_queue.go, cli_completion.go) and declares its commands as data; this
// file parses the shared flags, calls the command and prints its answer
// (--json: the server's answer, indented; else one short line). The usage
// text and the completion scripts are built from the same table.

// group is a first word of the command line.
type group struct {
	name  string
	about string
	// cmds are the group's commands; one with an empty name is the group
	// itself (`ironlocald reset`).
	cmds []*command
	// dispatch, when set, handles the whole group (exec, trigger, which
	// keep their own parsing); cmds then only feed usage and completion.
	dispatch func(args []string, stdout, stderr io.Writer) int
}

// command is one leaf of the command line.
type command struct {
	name string // "" for the group itself
	args string // positional arguments and flags, for the usage text
	help string
	// nargs is how many positional arguments it takes; -1: any number,
	// checked by the command.
	nargs int
	// flags registers the command's own flags and returns the function
	// that runs it with their values (nil for commands listed only).
	flags func(fs *flag.FlagSet) runFunc
}

// runFunc runs a command. It returns what --json prints (the server's
// answer) and the short line printed otherwise ("" prints nothing). A
// usageError (trigger.go) is a mistake on the command line (exit 2);
// other errors are refused or failed requests (exit 1).
type runFunc func(ctx context.Context, c *client.Client, args []string) (answer any, line string, err error)

// msgAnswer is what --json prints for requests whose answer is only a
// message (the client keeps no more of it).
type msgAnswer struct {
	Msg string `json:"msg"`
}

// groups is every subcommand of ironlocald, in usage order.
func groups() []*group {
	return []*group{
		execGroup(),
		resetGroup(),
		snapshotGroup(),
		seedGroup(),
		clockGroup(),
		waitIdleGroup(),
		faultsGroup(),
		tasksGroup(),
		taskGroup(),
		queueGroup(),
		codeGroup(),
		exportGroup(),
		triggerGroup(),
		completionGroup(),
		{name: "help", about: "this text", cmds: []*command{{args: "[COMMAND]", help: "the usage of every command, or of one"}}},
	}
}

func findGroup(name string) *group {
	for _, g := range groups() {
		if g.name == name {
			return g
		}
	}
	return nil
}

// runCommand runs `ironlocald GROUP …`; ok is false when args do not name
// a subcommand (the daemon's own flags follow).
func runCommand(args []string, stdout, stderr io.Writer) (code int, ok bool) {
	if len(args) == 0 {
		return 0, false
	}
	if args[0] == "help" {
		return runHelp(args[1:], stdout, stderr), true
	}
	g := findGroup(args[0])
	if g == nil {
		return 0, false
	}
	if g.dispatch != nil {
		return g.dispatch(args[1:], stdout, stderr), true
	}
	return runGroup(g, args[1:], stdout, stderr), true
}

func runHelp(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stdout, usageText())
		return 0
	}
	g := findGroup(args[0])
	if g == nil {
		fmt.Fprintf(stderr, "ironlocald help: unknown command %q\n", args[0])
		return 2
	}
	fmt.Fprint(stdout, groupUsage(g))
	return 0
}

func runGroup(g *group, args []string, stdout, stderr io.Writer) int {
	cmd, rest := g.lookup(args)
	if cmd == nil {
		if len(args) > 0 && isHelp(args[0]) {
			fmt.Fprint(stdout, groupUsage(g))
			return 0
		}
		if len(args) == 0 {
			fmt.Fprintf(stderr, "ironlocald %s: which command?\n%s", g.name, groupUsage(g))
			return 2
		}
		fmt.Fprintf(stderr, "ironlocald %s: unknown command %q\n%s", g.name, args[0], groupUsage(g))
		return 2
	}
	full := strings.TrimSpace("ironlocald " + g.name + " " + cmd.name)
	fs := flag.NewFlagSet(full, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	common := registerCommon(fs)
	run := cmd.flags(fs)
	pos, err := parseInterspersed(fs, rest)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, commandUsage(g, cmd, fs))
		return 0
	}
	if err == nil && cmd.nargs >= 0 && len(pos) != cmd.nargs {
		err = fmt.Errorf("want %d argument(s), got %d", cmd.nargs, len(pos))
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n%s", full, err, commandUsage(g, cmd, fs))
		return 2
	}
	c, err := common.client()
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", full, err)
		return 2
	}
	answer, line, err := run(context.Background(), c, pos)
	if err != nil {
		var u usageError
		if errors.As(err, &u) {
			fmt.Fprintf(stderr, "%s: %v\n%s", full, err, commandUsage(g, cmd, fs))
			return 2
		}
		fmt.Fprintf(stderr, "%s: %s\n", full, errorText(err))
		return 1
	}
	if common.json {
		if answer == nil { // the answer went elsewhere (snapshot download -)
			return 0
		}
		if err := printJSON(stdout, answer); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", full, err)
			return 1
		}
		return 0
	}
	if line != "" {
		fmt.Fprintln(stdout, line)
	}
	return 0
}

// lookup finds the command args name: a subcommand, or the group itself.
func (g *group) lookup(args []string) (*command, []string) {
	if len(args) > 0 {
		for _, c := range g.cmds {
			if c.name != "" && c.name == args[0] {
				return c, args[1:]
			}
		}
	}
	for _, c := range g.cmds {
		if c.name == "" && c.flags != nil {
			return c, args
		}
	}
	return nil, args
}

func isHelp(a string) bool { return a == "-h" || a == "--help" || a == "-help" || a == "help" }

// errorText is the server's message for a refused request.
func errorText(err error) string {
	var ce *client.Error
	if errors.As(err, &ce) {
		return fmt.Sprintf("%s %s: %d %s", ce.Method, ce.Path, ce.Status, ce.Msg)
	}
	return err.Error()
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// commonFlags are the flags of every control-plane command.
type commonFlags struct {
	url, token, project string
	json                bool
}

func registerCommon(fs *flag.FlagSet) *commonFlags {
	var c commonFlags
	fs.StringVar(&c.url, "url", envOr("IRONLOCAL_URL", "http://127.0.0.1:4766"), "ironlocal's URL ($IRONLOCAL_URL)")
	// The Iron routes (task debug, code watch) want some token even when
	// ironlocal is permissive, which accepts any.
	fs.StringVar(&c.token, "token", cmp.Or(firstToken(os.Getenv("IRONLOCAL_TOKEN")), os.Getenv("IRON_TOKEN"), "local-token"),
		"token, needed in strict mode ($IRONLOCAL_TOKEN, else $IRON_TOKEN)")
	fs.StringVar(&c.project, "project", firstToken(envOr("IRONLOCAL_PROJECT", client.DefaultProject)), "project id of task and queue commands ($IRONLOCAL_PROJECT)")
	fs.BoolVar(&c.json, "json", false, "print the server's answer as JSON")
	return &c
}

func (c *commonFlags) client() (*client.Client, error) {
	// No total timeout: wait-idle and snapshots take as long as they take.
	return client.New(c.url, c.token, client.WithProject(c.project),
		client.WithHTTPClient(&http.Client{Transport: http.DefaultTransport}))
}

// parseInterspersed parses flags placed before, between or after the
// positional arguments ("queue redrive dlq --to jobs"); "--" ends flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// listFlag collects a repeatable flag; commas separate values too.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// durationArg parses a Go duration ("90s", "1h30m").
func durationArg(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, usageError(fmt.Sprintf("%q is not a duration such as 90s or 1h30m", s))
	}
	return d, nil
}

// usageText lists every command.
func usageText() string {
	var b strings.Builder
	b.WriteString(`usage: ironlocald [FLAGS]               run the emulator (ironlocald --help lists the flags)
       ironlocald COMMAND [ARGS] [FLAGS] drive a running ironlocal (ironlocald COMMAND --help)
commands:
`)
	for _, g := range groups() {
		writeGroupLines(&b, g)
	}
	b.WriteString(`flags of the commands (trigger takes --url, --token and --json before its command):
  --url URL        ironlocal's URL (default $IRONLOCAL_URL or http://127.0.0.1:4766)
  --token TOKEN    token, needed in strict mode (default $IRONLOCAL_TOKEN)
  --project ID     project of tasks and queue (default $IRONLOCAL_PROJECT or ` + client.DefaultProject + `)
  --json           print the server's answer as JSON instead of one line
Exit status: 0 done, 1 refused or failed (the server's message on stderr), 2 bad usage.
`)
	return b.String()
}

func writeGroupLines(b *strings.Builder, g *group) {
	for _, c := range g.cmds {
		use := strings.Join(strings.Fields(g.name+" "+c.name+" "+c.args), " ")
		if len(use) <= 34 {
			fmt.Fprintf(b, "  %-35s%s\n", use, c.help)
		} else {
			fmt.Fprintf(b, "  %s\n  %-35s%s\n", use, "", c.help)
		}
	}
}

func groupUsage(g *group) string {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: ironlocald %s …  (%s)\n", g.name, g.about)
	writeGroupLines(&b, g)
	return b.String()
}

func commandUsage(g *group, c *command, fs *flag.FlagSet) string {
	var b strings.Builder
	use := strings.Join(strings.Fields("ironlocald "+g.name+" "+c.name+" "+c.args), " ")
	fmt.Fprintf(&b, "usage: %s\n  %s\nflags:\n", use, c.help)
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	return b.String()
}

// subcommandNames is the one-line list --help prints after the daemon's
// flags.
func subcommandNames() string {
	var names []string
	for _, g := range groups() {
		names = append(names, g.name)
	}
	return strings.Join(names, ", ")
}

// execGroup and triggerGroup keep their own parsing (exec.go, trigger.go);
// their entries feed the usage text and completion.
func execGroup() *group {
	return &group{name: "exec", about: "run a command against a fresh ironlocal",
		cmds: []*command{{args: "[DAEMON FLAGS] -- COMMAND [ARGS…]",
			help:  "start an ephemeral ironlocal, run COMMAND with IRON_* set, exit with its status",
			flags: daemonFlags}},
		dispatch: func(args []string, _, _ io.Writer) int { return runExec(args) }}
}

// daemonFlags registers the daemon's flags (for completion).
func daemonFlags(fs *flag.FlagSet) runFunc {
	var c daemon.Config
	c.Register(fs, func(string) string { return "" })
	return nil
}

func triggerGroup() *group {
	own := func(names ...string) func(fs *flag.FlagSet) runFunc {
		return func(fs *flag.FlagSet) runFunc {
			for _, n := range append([]string{"url", "token"}, names...) {
				fs.String(n, "", "")
			}
			fs.Bool("json", false, "")
			return nil
		}
	}
	return &group{name: "trigger", about: "trigger bindings and plugins",
		cmds: []*command{
			{name: "list", help: "bindings with their state", flags: own()},
			{name: "plugins", help: "plugins with their state", flags: own()},
			{name: "events", args: "BINDING_ID", help: "the binding's event trace, newest first", flags: own()},
			{name: "fire", args: "BINDING_ID [--event-type T] [--payload JSON|@FILE] [--attr KEY=VALUE]…",
				help: "run the binding's action for a test event", flags: own("event-type", "payload", "attr")},
			{name: "replay", args: "BINDING_ID EVENT_ID [--payload TEXT|@FILE]",
				help: "run the action again for a traced event", flags: own("payload")},
		},
		dispatch: runTrigger}
}
