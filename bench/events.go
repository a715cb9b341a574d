package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ironlocal/ironlocal/client"
)

// Event is one event of GET /_ironlocal/events (client.Event), stamped
// with the time this process read it.
type Event struct {
	client.Event
	Received time.Time
}

// Status is the "status" attribute of a task event ("" when absent).
func (e Event) Status() string {
	s, _ := e.Attrs["status"].(string)
	return s
}

// EventStream is an open subscription to the emulator's event stream.
// Events arrive on C in order; C is closed when the stream ends, after
// which Err says why.
type EventStream struct {
	C      <-chan Event
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// Events subscribes to the event stream, filtered by type prefixes (none:
// every event). It returns once the emulator has accepted the subscription,
// so every event published after that is delivered (unless the emulator
// finds this reader too slow and drops some). Close ends it.
func (c *Client) Events(ctx context.Context, typePrefixes ...string) (*EventStream, error) {
	ctx, cancel := context.WithCancel(ctx)
	path := "/_ironlocal/events"
	if len(typePrefixes) > 0 {
		path += "?type=" + url.QueryEscape(strings.Join(typePrefixes, ","))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL+path, nil)
	if err != nil {
		cancel()
		return nil, err
	}
	// The shared client's timeout covers reading the body: a stream needs
	// the same transport without it.
	resp, err := (&http.Client{Transport: c.HTTP.Transport}).Do(req)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("subscribe to events: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		cancel()
		return nil, &StatusError{Method: http.MethodGet, Path: path, Status: resp.StatusCode, Body: string(bytes.TrimSpace(b))}
	}
	ch := make(chan Event, 4096)
	s := &EventStream{C: ch, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer close(ch)
		defer resp.Body.Close()
		err := ReadSSE(resp.Body, func(_ string, data []byte) error {
			e := Event{Received: time.Now()}
			if err := json.Unmarshal(data, &e); err != nil {
				return fmt.Errorf("decode event %q: %w", data, err)
			}
			select {
			case ch <- e:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		if ctx.Err() == nil {
			s.err = err
		}
	}()
	return s, nil
}

// Close ends the subscription and waits for its reader.
func (s *EventStream) Close() {
	s.cancel()
	<-s.done
}

// Err is why the stream ended early (nil after Close or a clean end).
// Read it only after C is closed.
func (s *EventStream) Err() error { return s.err }

// WaitFor returns the first event for which match is true, discarding the
// others, or an error when ctx ends or the stream does.
func (s *EventStream) WaitFor(ctx context.Context, match func(Event) bool) (Event, error) {
	for {
		select {
		case e, ok := <-s.C:
			if !ok {
				return Event{}, errors.Join(errors.New("event stream ended"), s.Err())
			}
			if match(e) {
				return e, nil
			}
		case <-ctx.Done():
			return Event{}, ctx.Err()
		}
	}
}

// ReadSSE reads a text/event-stream from r and calls fn with the event
// name and the data of each event (multi-line data joined with "\n").
// Comments and events without data are skipped; data is valid only during
// the call. It returns nil at EOF, or the first error of r or fn.
func ReadSSE(r io.Reader, fn func(event string, data []byte) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		name    string
		data    []byte
		hasData bool
	)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
			switch {
			case len(line) == 0: // end of an event
				if hasData {
					if ferr := fn(name, data); ferr != nil {
						return ferr
					}
				}
				name, data, hasData = "", data[:0], false
			case line[0] == ':': // comment
			default:
				field, value, _ := bytes.Cut(line, []byte(":"))
				value = bytes.TrimPrefix(value, []byte(" "))
				switch string(field) {
				case "event":
					name = string(value)
				case "data":
					if hasData {
						data = append(data, '\n')
					}
					data, hasData = append(data, value...), true
				}
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
