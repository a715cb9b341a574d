package redistrigger

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/ironlocal/ironlocal/plugins/sdk"
)

// Event types.
const (
	eventPop     = "redis:list:pop"
	eventMessage = "redis:pubsub:message"
)

// config is a binding's config.
type config struct {
	// URL is the Redis to watch; "" starts an embedded one on Listen.
	URL    string `json:"url"`
	Listen string `json:"listen"`
	// Expose allows a Listen address other than loopback.
	Expose bool `json:"expose"`
	// Password is the embedded server's (AUTH); "" needs none.
	Password string `json:"password"`
	// MaxBulkBytes and MaxRequestBytes cap one argument and one command
	// a client of the embedded server may send.
	MaxBulkBytes    int `json:"max_bulk_bytes"`
	MaxRequestBytes int `json:"max_request_bytes"`
	// Mode is "list" (BLPOP Keys, the default), "subscribe" or
	// "psubscribe" (Channels are patterns).
	Mode     string   `json:"mode"`
	Keys     []string `json:"keys"`
	Channels []string `json:"channels"`
	// Payload is "envelope" (JSON with the key or channel, the default)
	// or "value" (the item or message as is).
	Payload string `json:"payload"`
}

// Caps of the embedded server. The default argument cap is well above the
// 64 KiB a task payload may hold; Redis's own cap is the maximum.
const (
	defaultMaxBulk = 1 << 20
	maxMaxBulk     = 512 << 20
	maxMaxRequest  = 1 << 30
)

// The host shows "password" as set, never its value (writeOnly).
const schema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "url": {"type": "string", "pattern": "^redis://", "description": "Redis to watch; empty: an embedded Redis-compatible server"},
    "listen": {"type": "string", "default": "127.0.0.1:0", "description": "the embedded server's address (port 0: any free port); an address other than loopback needs expose"},
    "expose": {"type": "boolean", "default": false, "description": "let the embedded server listen on an address other than loopback, reachable from other machines (set a password)"},
    "password": {"type": "string", "writeOnly": true, "description": "the embedded server's password (AUTH); empty: none"},
    "max_bulk_bytes": {"type": "integer", "minimum": 1, "maximum": 536870912, "default": 1048576, "description": "the largest argument a client of the embedded server may send"},
    "max_request_bytes": {"type": "integer", "minimum": 1, "maximum": 1073741824, "description": "the largest command a client of the embedded server may send, framing included (default: 4 × max_bulk_bytes)"},
    "mode": {"enum": ["list", "subscribe", "psubscribe"], "default": "list"},
    "keys": {"type": "array", "items": {"type": "string", "minLength": 1}, "description": "lists to pop (mode list)"},
    "channels": {"type": "array", "items": {"type": "string", "minLength": 1}, "description": "channels or patterns (mode subscribe/psubscribe)"},
    "payload": {"enum": ["envelope", "value"], "default": "envelope"}
  }
}`

func parseConfig(raw []byte) (config, error) {
	var c config
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, fmt.Errorf("%w: %v", sdk.ErrInvalid, err)
	}
	if c.Mode == "" {
		c.Mode = "list"
	}
	if c.Listen == "" {
		c.Listen = "127.0.0.1:0"
	}
	if c.Payload == "" {
		c.Payload = "envelope"
	}
	if c.MaxBulkBytes == 0 {
		c.MaxBulkBytes = defaultMaxBulk
	}
	if c.MaxRequestBytes == 0 {
		c.MaxRequestBytes = min(4*c.MaxBulkBytes, maxMaxRequest)
	}
	switch c.Mode {
	case "list":
		if len(c.Keys) == 0 {
			return c, fmt.Errorf("%w: keys: mode list needs at least one key", sdk.ErrInvalid)
		}
	case "subscribe", "psubscribe":
		if len(c.Channels) == 0 {
			return c, fmt.Errorf("%w: channels: mode %s needs at least one channel", sdk.ErrInvalid, c.Mode)
		}
	default:
		return c, fmt.Errorf("%w: mode %q: want list, subscribe or psubscribe", sdk.ErrInvalid, c.Mode)
	}
	if c.URL != "" {
		if c.Password != "" {
			return c, fmt.Errorf("%w: password: applies to the embedded server; give a Redis's password in its url (redis://:password@host:port)", sdk.ErrInvalid)
		}
		return c, nil
	}
	if c.MaxBulkBytes < 1 || c.MaxBulkBytes > maxMaxBulk {
		return c, fmt.Errorf("%w: max_bulk_bytes: want 1 to %d", sdk.ErrInvalid, maxMaxBulk)
	}
	if c.MaxRequestBytes < c.MaxBulkBytes || c.MaxRequestBytes > maxMaxRequest {
		return c, fmt.Errorf("%w: max_request_bytes: want max_bulk_bytes (%d) to %d", sdk.ErrInvalid, c.MaxBulkBytes, maxMaxRequest)
	}
	lo, err := loopback(c.Listen)
	if err != nil {
		return c, fmt.Errorf("%w: listen: %v", sdk.ErrInvalid, err)
	}
	if !lo && !c.Expose {
		return c, fmt.Errorf("%w: listen %q is not a loopback address, so other machines could reach the embedded Redis: "+
			"set \"expose\": true to allow it (with a password)", sdk.ErrInvalid, c.Listen)
	}
	return c, nil
}

// loopback reports whether a listen address binds loopback only. An empty
// or unspecified host binds every interface; a name other than localhost
// could resolve to anything.
func loopback(listen string) (bool, error) {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false, err
	}
	if host == "localhost" {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}

type trigger struct{}

func (*trigger) Info(context.Context) (sdk.Info, error) {
	envelope := func(v map[string]any) json.RawMessage { b, _ := json.Marshal(v); return b }
	return sdk.Info{
		Name: "redis", Version: version,
		Description:  "Redis lists (BLPOP) and channels (SUBSCRIBE/PSUBSCRIBE); an embedded Redis-compatible server when no URL is given",
		EventTypes:   []string{eventPop, eventMessage},
		ConfigSchema: json.RawMessage(schema),
		Samples: []sdk.Sample{
			{Name: "list item", EventType: eventPop, Payload: envelope(map[string]any{"source": "redis", "mode": "list",
				"key": "jobs", "value": `{"job":1}`})},
			{Name: "channel message", EventType: eventMessage, Payload: envelope(map[string]any{"source": "redis",
				"mode": "subscribe", "channel": "events", "message": "hello"})},
		},
	}, nil
}

func (*trigger) Validate(_ context.Context, raw json.RawMessage) error {
	_, err := parseConfig(raw)
	return err
}

// Run watches the list or channels until ctx ends, reconnecting after a
// lost connection.
func (*trigger) Run(ctx context.Context, b sdk.Binding, host sdk.Host, emit sdk.Emitter) error {
	c, err := parseConfig(b.Config)
	if err != nil {
		return err
	}
	// dialURL may hold a password; shown, for status and logs, never does.
	dialURL, shown := c.URL, redactURL(c.URL)
	if c.URL == "" {
		e, err := startEmbedded(c)
		if err != nil {
			return fmt.Errorf("start the embedded Redis on %s: %w", c.Listen, err)
		}
		defer e.Close()
		addr := e.Addr().String()
		dialURL, shown = embeddedURL(e.Addr(), c.Password), "redis://"+addr
		status, attrs := "embedded Redis on "+addr, map[string]string{"address": addr, "url": shown, "embedded": "true", "auth": "none"}
		if c.Password != "" {
			status += ", password set"
			attrs["auth"] = "password"
		}
		if lo, _ := loopback(c.Listen); !lo {
			status += ", exposed to the network"
			attrs["exposed"] = "true"
		}
		_ = host.SetStatus(ctx, status, attrs)
	} else {
		_ = host.SetStatus(ctx, "watching "+shown, map[string]string{"url": shown})
	}
	backoff := 100 * time.Millisecond
	for {
		err := watch(ctx, dialURL, c, emit)
		if ctx.Err() != nil {
			return nil
		}
		sdk.Log.Warn("redis connection lost", "url", shown, "err", err, "retry_in", backoff.String())
		_ = host.SetStatus(ctx, fmt.Sprintf("reconnecting to %s: %v", shown, err), map[string]string{"url": shown})
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 10*time.Second)
	}
}

// embeddedURL is the URL the plugin itself dials: loopback when the server
// listens on every interface.
func embeddedURL(addr net.Addr, password string) string {
	host, port, _ := net.SplitHostPort(addr.String())
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip.To4() == nil {
			host = "::1"
		}
	}
	u := url.URL{Scheme: "redis", Host: net.JoinHostPort(host, port)}
	if password != "" {
		u.User = url.UserPassword("", password)
	}
	return u.String()
}

// watch runs one connection until it fails or ctx ends.
func watch(ctx context.Context, url string, c config, emit sdk.Emitter) error {
	conn, err := dial(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if c.Mode == "list" {
		args := append(append([]string{"BLPOP"}, c.Keys...), "0")
		for {
			reply, err := conn.do(args...)
			if err != nil {
				return err
			}
			kv := replyStrings(reply)
			if len(kv) != 2 {
				continue
			}
			if err := send(ctx, emit, c, eventPop, kv[1], map[string]any{"source": "redis", "mode": "list",
				"key": kv[0], "value": kv[1]}, map[string]string{"key": kv[0]}); err != nil {
				return err
			}
		}
	}
	cmd := "SUBSCRIBE"
	if c.Mode == "psubscribe" {
		cmd = "PSUBSCRIBE"
	}
	if err := conn.send(append([]string{cmd}, c.Channels...)...); err != nil {
		return err
	}
	for {
		reply, err := conn.read()
		if err != nil {
			return err
		}
		parts := replyStrings(reply)
		var channel, pattern, msg string
		switch {
		case len(parts) == 3 && parts[0] == "message":
			channel, msg = parts[1], parts[2]
		case len(parts) == 4 && parts[0] == "pmessage":
			pattern, channel, msg = parts[1], parts[2], parts[3]
		default:
			continue // subscription confirmations
		}
		env := map[string]any{"source": "redis", "mode": c.Mode, "channel": channel, "message": msg}
		if pattern != "" {
			env["pattern"] = pattern
		}
		if err := send(ctx, emit, c, eventMessage, msg, env, map[string]string{"channel": channel}); err != nil {
			return err
		}
	}
}

func send(ctx context.Context, emit sdk.Emitter, c config, typ, value string, envelope map[string]any, attrs map[string]string) error {
	payload := []byte(value)
	if c.Payload != "value" {
		var err error
		if payload, err = json.Marshal(envelope); err != nil {
			return err
		}
	}
	_, err := emit.Emit(ctx, sdk.Event{Type: typ, Payload: payload, Attrs: attrs})
	return err
}
