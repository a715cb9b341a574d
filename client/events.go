package client

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ironlocal/ironlocal/wire"
)

// EventMissed is the type of the marker the server puts in an event stream
// when it dropped events because the stream's reader fell behind; its
// Missed field says how many.
const EventMissed = wire.EventMissed

// Event is one state change of ironlocal (queue created, messages posted,
// task finished, cache item stored, clock changed…). Only the fields that
// apply are set.
type Event = wire.Event

// Events subscribes to the server-sent event stream. types are type
// prefixes ("task.", "messages.posted"); none means every event. The
// channel delivers events in order and is closed when ctx ends or the
// connection is lost (ctx.Err() is nil then: call Events again to
// reconnect; events in between are not replayed). A reader that falls
// behind makes the server drop events, reported by an EventMissed marker.
// GET /_ironlocal/events?type=
func (c *Client) Events(ctx context.Context, types ...string) (<-chan Event, error) {
	path := "/_ironlocal/events"
	if len(types) > 0 {
		path += "?type=" + url.QueryEscape(strings.Join(types, ","))
	}
	req, err := c.request(ctx, http.MethodGet, path, nil, "")
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.do(c.stream, req)
	if err != nil {
		return nil, err
	}
	out := make(chan Event, 64)
	go func() {
		defer close(out)
		defer resp.Body.Close()
		readEvents(ctx, bufio.NewReaderSize(resp.Body, 64<<10), out)
	}()
	return out, nil
}

// readEvents parses server-sent events (one "data:" JSON object each) and
// sends them on out until the stream or ctx ends.
func readEvents(ctx context.Context, r *bufio.Reader, out chan<- Event) {
	var typ, data, id string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		if line != "" {
			field, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			switch field {
			case "event":
				typ = value
			case "data":
				if data != "" {
					data += "\n"
				}
				data += value
			case "id":
				id = value
			}
			continue
		}
		// A blank line ends an event.
		if data != "" {
			var e Event
			if json.Unmarshal([]byte(data), &e) == nil {
				if e.Type == "" {
					e.Type = typ
				}
				if e.Seq == 0 {
					e.Seq, _ = strconv.ParseUint(id, 10, 64)
				}
				select {
				case out <- e:
				case <-ctx.Done():
					return
				}
			}
		}
		typ, data, id = "", "", ""
	}
}
