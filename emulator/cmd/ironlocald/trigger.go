package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"
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
// ironlocal's /_ironlocal/triggers control plane for scripts.
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
	c := &triggerClient{base: strings.TrimRight(*base, "/"), token: *token, http: &http.Client{Timeout: time.Minute}}
	cmd, rest := fs.Arg(0), fs.Args()[1:]
	var (
		out []byte
		err error
	)
	switch cmd {
	case "list":
		out, err = c.do(http.MethodGet, "/_ironlocal/triggers", nil)
		if err == nil && !*asJSON {
			return printBindings(out, stdout, stderr)
		}
	case "plugins":
		out, err = c.do(http.MethodGet, "/_ironlocal/plugins", nil)
		if err == nil && !*asJSON {
			return printPlugins(out, stdout, stderr)
		}
	case "events":
		if len(rest) != 1 {
			return usageErr(stderr, "events needs BINDING_ID")
		}
		out, err = c.do(http.MethodGet, "/_ironlocal/triggers/"+url.PathEscape(rest[0])+"/events", nil)
	case "fire":
		out, err = fire(c, rest)
	case "replay":
		out, err = replay(c, rest)
	default:
		return usageErr(stderr, fmt.Sprintf("unknown command %q", cmd))
	}
	if err != nil {
		var u usageError
		if errors.As(err, &u) {
			return usageErr(stderr, u.Error())
		}
		fmt.Fprintln(stderr, "ironlocald trigger:", err)
		return 1
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, out, "", "  ") == nil {
		out = pretty.Bytes()
	}
	fmt.Fprintln(stdout, strings.TrimSpace(string(out)))
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

func fire(c *triggerClient, args []string) ([]byte, error) {
	fs := flag.NewFlagSet("fire", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	typ := fs.String("event-type", "", "event type (default: the plugin's first sample)")
	payload := fs.String("payload", "", "payload JSON or @FILE (default: the sample's)")
	if len(args) == 0 {
		return nil, usageError("fire needs BINDING_ID")
	}
	id := args[0]
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() > 0 {
		return nil, usageError("fire BINDING_ID [--event-type T] [--payload JSON|@FILE]")
	}
	body := map[string]any{}
	if *typ != "" {
		body["event_type"] = *typ
	}
	if *payload != "" {
		p, err := payloadArg(*payload)
		if err != nil {
			return nil, err
		}
		if json.Valid([]byte(p)) {
			body["payload"] = json.RawMessage(p)
		} else {
			body["payload"] = p // text: sent as a JSON string, received as the text
		}
	}
	return c.do(http.MethodPost, "/_ironlocal/triggers/"+url.PathEscape(id)+"/fire", body)
}

func replay(c *triggerClient, args []string) ([]byte, error) {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	payload := fs.String("payload", "", "edited payload or @FILE (default: the recorded one)")
	if len(args) < 2 {
		return nil, usageError("replay needs BINDING_ID EVENT_ID")
	}
	id, event := args[0], args[1]
	if err := fs.Parse(args[2:]); err != nil || fs.NArg() > 0 {
		return nil, usageError("replay BINDING_ID EVENT_ID [--payload TEXT|@FILE]")
	}
	body := map[string]any{}
	if *payload != "" {
		p, err := payloadArg(*payload)
		if err != nil {
			return nil, err
		}
		body["payload"] = p
	}
	return c.do(http.MethodPost, "/_ironlocal/triggers/"+url.PathEscape(id)+"/events/"+url.PathEscape(event)+"/replay", body)
}

type triggerClient struct {
	base, token string
	http        *http.Client
}

// do sends a request and returns the body of a 2xx answer; any other
// answer is an error carrying ironlocal's message.
func (c *triggerClient) do(method, path string, body any) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "OAuth "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		var m struct {
			Msg string `json:"msg"`
		}
		if json.Unmarshal(out, &m) == nil && m.Msg != "" {
			return nil, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, m.Msg)
		}
		return nil, fmt.Errorf("%s %s: %s", method, path, resp.Status)
	}
	return out, nil
}

func printBindings(raw []byte, stdout, stderr io.Writer) int {
	var v struct {
		Bindings []struct {
			ID      string `json:"id"`
			Name    string `json:"name"`
			Plugin  string `json:"plugin"`
			State   string `json:"state"`
			Status  string `json:"status"`
			Enabled bool   `json:"enabled"`
			Action  struct {
				Type     string `json:"type"`
				CodeName string `json:"code_name"`
				Queue    string `json:"queue"`
			} `json:"action"`
		} `json:"bindings"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		fmt.Fprintln(stderr, "ironlocald trigger: decode the answer:", err)
		return 1
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPLUGIN\tACTION\tSTATE\tSTATUS\tNAME")
	for _, b := range v.Bindings {
		action := "task " + b.Action.CodeName
		if b.Action.Type == "message" {
			action = "message " + b.Action.Queue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", b.ID, b.Plugin, action, b.State, b.Status, b.Name)
	}
	_ = tw.Flush()
	return 0
}

func printPlugins(raw []byte, stdout, stderr io.Writer) int {
	var v struct {
		Plugins []struct {
			Name     string `json:"name"`
			Version  string `json:"version"`
			State    string `json:"state"`
			Message  string `json:"message"`
			Error    string `json:"error"`
			Restarts int    `json:"restarts"`
			Path     string `json:"path"`
		} `json:"plugins"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		fmt.Fprintln(stderr, "ironlocald trigger: decode the answer:", err)
		return 1
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tVERSION\tSTATE\tRESTARTS\tPATH\tDETAIL")
	for _, p := range v.Plugins {
		detail := p.Message
		if detail == "" {
			detail = p.Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", p.Name, p.Version, p.State, p.Restarts, p.Path, detail)
	}
	_ = tw.Flush()
	return 0
}
