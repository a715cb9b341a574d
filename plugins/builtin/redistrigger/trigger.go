package redistrigger

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2"

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
	// Mode is "list" (BLPOP Keys, the default), "subscribe" or
	// "psubscribe" (Channels are patterns).
	Mode     string   `json:"mode"`
	Keys     []string `json:"keys"`
	Channels []string `json:"channels"`
	// Payload is "envelope" (JSON with the key or channel, the default)
	// or "value" (the item or message as is).
	Payload string `json:"payload"`
}

const schema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "url": {"type": "string", "pattern": "^redis://", "description": "Redis to watch; empty: an embedded Redis-compatible server"},
    "listen": {"type": "string", "default": "127.0.0.1:0", "description": "the embedded server's address (port 0: any free port)"},
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
	return c, nil
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
	url := c.URL
	if url == "" {
		m := miniredis.NewMiniRedis()
		if err := m.StartAddr(c.Listen); err != nil {
			return fmt.Errorf("start the embedded Redis on %s: %w", c.Listen, err)
		}
		defer m.Close()
		url = "redis://" + m.Addr()
		_ = host.SetStatus(ctx, "embedded Redis on "+m.Addr(), map[string]string{"address": m.Addr(), "url": url, "embedded": "true"})
	} else {
		_ = host.SetStatus(ctx, "watching "+url, map[string]string{"url": url})
	}
	backoff := 100 * time.Millisecond
	for {
		err := watch(ctx, url, c, emit)
		if ctx.Err() != nil {
			return nil
		}
		sdk.Log.Warn("redis connection lost", "url", url, "err", err, "retry_in", backoff.String())
		_ = host.SetStatus(ctx, fmt.Sprintf("reconnecting to %s: %v", url, err), map[string]string{"url": url})
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 10*time.Second)
	}
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
