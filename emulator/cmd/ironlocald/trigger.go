package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/wire"
)

const triggerUsage = `usage: ironlocald trigger [--url URL] [--token TOKEN] COMMAND
commands:
  list                               bindings with their state (--json for the raw answer)
  plugins                            plugins with their state
  events BINDING_ID                  the binding's event trace, newest first
  fire BINDING_ID [--event-type T] [--payload JSON|@FILE]
                                     run the binding's action for a test event (the plugin's sample by default)
  replay BINDING_ID EVENT_ID [--payload TEXT|@FILE]
                                     run the action again for a traced event, optionally with another payload
URL defaults to $IRONLOCAL_URL or http://127.0.0.1:4766; TOKEN to $IRONLOCAL_TOKEN (needed in strict mode).`

// runTrigger implements `ironlocald trigger …`, a client of a running
// ironlocal's /_ironlocal/triggers control plane for scripts. It prints
// the answers as the server wrote them (indented), or as tables.
func runTrigger(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ironlocald trigger", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	base := fs.String("url", envOr("IRONLOCAL_URL", "http://127.0.0.1:4766"), "ironlocal's URL")
	token := fs.String("token", firstToken(os.Getenv("IRONLOCAL_TOKEN")), "control plane token (strict mode)")
	asJSON := fs.Bool("json", false, "print the raw JSON answer")
	if err := fs.Parse(args); err != nil || fs.NArg() == 0 {
		fmt.Fprintln(stderr, triggerUsage)
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	c, err := client.New(*base, *token, client.WithHTTPClient(&http.Client{Timeout: time.Minute}))
	if err != nil {
		fmt.Fprintln(stderr, "ironlocald trigger:", err)
		return 2
	}
	ctx := context.Background()
	cmd, rest := fs.Arg(0), fs.Args()[1:]
	var out any
	switch cmd {
	case "list":
		var bs []client.TriggerBinding
		if bs, err = c.Triggers(ctx); err == nil && !*asJSON {
			printBindings(bs, stdout)
			return 0
		}
		out = wire.BindingList{Bindings: bs}
	case "plugins":
		var ps []client.TriggerPlugin
		if ps, err = c.TriggerPlugins(ctx); err == nil && !*asJSON {
			printPlugins(ps, stdout)
			return 0
		}
		out = wire.PluginList{Plugins: ps}
	case "events":
		if len(rest) != 1 {
			return usageErr(stderr, "events needs BINDING_ID")
		}
		var evs []client.TriggerEvent
		evs, err = c.TriggerEvents(ctx, rest[0], 0)
		out = wire.TriggerEventList{Events: evs}
	case "fire":
		out, err = fire(ctx, c, rest)
	case "replay":
		out, err = replay(ctx, c, rest)
	default:
		return usageErr(stderr, fmt.Sprintf("unknown command %q", cmd))
	}
	if err != nil {
		var u usageError
		if errors.As(err, &u) {
			return usageErr(stderr, u.Error())
		}
		var ce *client.Error
		if errors.As(err, &ce) {
			err = fmt.Errorf("%s %s: %d %s", ce.Method, ce.Path, ce.Status, ce.Msg)
		}
		fmt.Fprintln(stderr, "ironlocald trigger:", err)
		return 1
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(stderr, "ironlocald trigger:", err)
		return 1
	}
	return 0
}

type usageError string

func (u usageError) Error() string { return string(u) }

func usageErr(stderr io.Writer, msg string) int {
	fmt.Fprintf(stderr, "ironlocald trigger: %s\n%s\n", msg, triggerUsage)
	return 2
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func firstToken(list string) string {
	first, _, _ := strings.Cut(list, ",")
	return strings.TrimSpace(first)
}

// payloadArg reads a --payload value: @FILE reads the file.
func payloadArg(v string) (string, error) {
	if name, ok := strings.CutPrefix(v, "@"); ok {
		b, err := os.ReadFile(name)
		return string(b), err
	}
	return v, nil
}

func fire(ctx context.Context, c *client.Client, args []string) (client.TriggerEvent, error) {
	fs := flag.NewFlagSet("fire", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	typ := fs.String("event-type", "", "event type (default: the plugin's first sample)")
	payload := fs.String("payload", "", "payload JSON or @FILE (default: the sample's)")
	var attrs map[string]string
	fs.Func("attr", "an attribute of the event, KEY=VALUE (repeatable)", func(kv string) error {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return fmt.Errorf("--attr %q: want KEY=VALUE", kv)
		}
		if attrs == nil {
			attrs = map[string]string{}
		}
		attrs[k] = v
		return nil
	})
	if len(args) == 0 {
		return client.TriggerEvent{}, usageError("fire needs BINDING_ID")
	}
	id := args[0]
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() > 0 {
		return client.TriggerEvent{}, usageError("fire BINDING_ID [--event-type T] [--payload JSON|@FILE] [--attr KEY=VALUE]…")
	}
	var raw json.RawMessage
	if *payload != "" {
		p, err := payloadArg(*payload)
		if err != nil {
			return client.TriggerEvent{}, err
		}
		if json.Valid([]byte(p)) {
			raw = json.RawMessage(p)
		} else {
			raw, _ = json.Marshal(p) // text: sent as a JSON string, received as the text
		}
	}
	return c.FireTriggerEvent(ctx, id, wire.FireBody{EventType: *typ, Payload: raw, Attrs: attrs})
}

func replay(ctx context.Context, c *client.Client, args []string) (client.TriggerEvent, error) {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	payload := fs.String("payload", "", "edited payload or @FILE (default: the recorded one)")
	if len(args) < 2 {
		return client.TriggerEvent{}, usageError("replay needs BINDING_ID EVENT_ID")
	}
	id, event := args[0], args[1]
	if err := fs.Parse(args[2:]); err != nil || fs.NArg() > 0 {
		return client.TriggerEvent{}, usageError("replay BINDING_ID EVENT_ID [--payload TEXT|@FILE]")
	}
	var edited *string
	if *payload != "" {
		p, err := payloadArg(*payload)
		if err != nil {
			return client.TriggerEvent{}, err
		}
		edited = &p
	}
	return c.ReplayTriggerEvent(ctx, id, event, edited)
}

func printBindings(bs []client.TriggerBinding, stdout io.Writer) {
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPLUGIN\tACTION\tSTATE\tSTATUS\tNAME")
	for _, b := range bs {
		action := "task " + b.Action.CodeName
		if b.Action.Type == "message" {
			action = "message " + b.Action.Queue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", b.ID, b.Plugin, action, b.State, b.Status, b.Name)
	}
	_ = tw.Flush()
}

func printPlugins(ps []client.TriggerPlugin, stdout io.Writer) {
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tVERSION\tSTATE\tRESTARTS\tPATH\tDETAIL")
	for _, p := range ps {
		detail := p.Message
		if detail == "" {
			detail = p.Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", p.Name, p.Version, p.State, p.Restarts, p.Path, detail)
	}
	_ = tw.Flush()
}
