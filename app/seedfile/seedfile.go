package seedfile

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/ironlocal/ironlocal/client"
)

// Version is the seed format written.
const Version = client.SeedVersion

// MaxMessages bounds the messages saved per queue, and MaxItems the items
// per cache (a seed file is read whole, up to 64 MiB).
const (
	MaxMessages = 10_000
	MaxItems    = 10_000
)

// The seed format's types (client.Seed …, declared once in package wire).
type (
	File     = client.Seed
	Queue    = client.SeedQueue
	Message  = client.SeedMessage
	Cache    = client.SeedCache
	Item     = client.SeedItem
	Code     = client.SeedCode
	Schedule = client.SeedSchedule
)

// Selection is what a seed holds.
type Selection struct {
	Queues bool
	// Messages adds each queue's messages (ready, delayed with the delay
	// left, reserved ones as ready) to Queues.
	Messages  bool
	Caches    bool
	Codes     bool
	Schedules bool
}

// Result is a collected seed and what it leaves out.
type Result struct {
	File File
	// Left lists, one sentence each, what the seed format cannot hold
	// (push queues, dead-letter settings, zip codes …).
	Left []string
}

// Collect reads the selection from the client's project.
func Collect(ctx context.Context, c *client.Client, sel Selection) (Result, error) {
	r := Result{File: File{Version: Version, ProjectID: c.Project()}}
	clock, err := c.Clock(ctx)
	if err != nil {
		return r, fmt.Errorf("read the clock: %w", err)
	}
	now := clock.Now
	if sel.Queues {
		if err := r.queues(ctx, c, sel.Messages, now); err != nil {
			return r, err
		}
	}
	if sel.Caches {
		if err := r.caches(ctx, c, now); err != nil {
			return r, err
		}
	}
	if sel.Codes {
		if err := r.codes(ctx, c); err != nil {
			return r, err
		}
	}
	if sel.Schedules {
		if err := r.schedules(ctx, c); err != nil {
			return r, err
		}
	}
	return r, nil
}

func (r *Result) leave(format string, args ...any) {
	r.Left = append(r.Left, fmt.Sprintf(format, args...))
}

// secondsLeft is the whole seconds from now until t, rounded up, at least 1.
func secondsLeft(now, t time.Time) int {
	return max(1, int(math.Ceil(t.Sub(now).Seconds())))
}

func (r *Result) queues(ctx context.Context, c *client.Client, messages bool, now time.Time) error {
	b := client.Browse{Limit: 100}
	for {
		page, err := c.BrowseQueues(ctx, b)
		if err != nil {
			return fmt.Errorf("list queues: %w", err)
		}
		for _, q := range page.Queues {
			if q.Type != "" && q.Type != client.QueuePull {
				r.leave("queue %s: a %s push queue (a seed holds pull queues only)", q.Name, q.Type)
				continue
			}
			sq := Queue{Name: q.Name, MessageTimeout: &q.MessageTimeout, MessageExpiration: &q.MessageExpiration}
			if q.DeadLetter != nil {
				r.leave("queue %s: its dead-letter queue (a seed has no dead-letter settings)", q.Name)
			}
			if len(q.Alerts) > 0 {
				r.leave("queue %s: its alerts (a seed has no alerts)", q.Name)
			}
			if messages {
				if sq.Messages, err = r.messages(ctx, c, q.Name, now); err != nil {
					return err
				}
			}
			r.File.Queues = append(r.File.Queues, sq)
		}
		if page.Cursor == "" {
			return nil
		}
		b.Cursor = page.Cursor
	}
}

func (r *Result) messages(ctx context.Context, c *client.Client, queue string, now time.Time) ([]Message, error) {
	var out []Message
	b := client.Browse{Limit: 100}
	pushHeaders := false
	for {
		page, err := c.BrowseMessages(ctx, queue, b)
		if err != nil {
			return nil, fmt.Errorf("list the messages of %s: %w", queue, err)
		}
		for _, m := range page.Messages {
			if len(out) == MaxMessages {
				r.leave("queue %s: messages after the first %d", queue, MaxMessages)
				return out, nil
			}
			sm := Message{Body: m.Body}
			if m.Status == client.MessageDelayed && m.AvailableAt.After(now) {
				sm.Delay = secondsLeft(now, m.AvailableAt.Time)
			}
			pushHeaders = pushHeaders || len(m.PushHeaders) > 0
			out = append(out, sm)
		}
		if page.Cursor == "" {
			break
		}
		b.Cursor = page.Cursor
	}
	if pushHeaders {
		r.leave("queue %s: its messages' push headers (a seed has none)", queue)
	}
	return out, nil
}

func (r *Result) caches(ctx context.Context, c *client.Client, now time.Time) error {
	for page := 0; ; page++ {
		names, err := c.Caches(ctx, client.Page{Page: page, PerPage: 100})
		if err != nil {
			return fmt.Errorf("list caches: %w", err)
		}
		for _, name := range names {
			sc := Cache{Name: name}
			b := client.Browse{Limit: 100}
		items:
			for {
				ip, err := c.BrowseItems(ctx, name, b)
				if err != nil {
					return fmt.Errorf("list the items of %s: %w", name, err)
				}
				for _, it := range ip.Items {
					if len(sc.Items) == MaxItems {
						r.leave("cache %s: items after the first %d", name, MaxItems)
						break items
					}
					si := Item{Key: it.Key, Value: it.Value}
					if !it.Expires.IsZero() && !it.Expires.Equal(client.NeverExpires) {
						si.ExpiresIn = secondsLeft(now, it.Expires.Time)
					}
					sc.Items = append(sc.Items, si)
				}
				if ip.Cursor == "" {
					break
				}
				b.Cursor = ip.Cursor
			}
			if len(sc.Items) == 0 {
				r.leave("cache %s: it is empty (a seed creates a cache through its items)", name)
				continue
			}
			r.File.Caches = append(r.File.Caches, sc)
		}
		if len(names) < 100 {
			return nil
		}
	}
}

func (r *Result) codes(ctx context.Context, c *client.Client) error {
	for page := 0; ; page++ {
		codes, err := c.Codes(ctx, client.Page{Page: page, PerPage: 100})
		if err != nil {
			return fmt.Errorf("list codes: %w", err)
		}
		for _, cd := range codes {
			if cd.Image == "" {
				r.leave("code %s: a zip code package (a seed holds image codes only)", cd.Name)
				continue
			}
			if cd.Memory > 0 || cd.CPUs > 0 {
				r.leave("code %s: its memory and cpu limits (a seed has none)", cd.Name)
			}
			r.File.Codes = append(r.File.Codes, Code{Name: cd.Name, Image: cd.Image, Command: cd.Command,
				Config: cd.Config, EnvVars: cd.EnvVars, MaxConcurrency: &cd.MaxConcurrency, Retries: &cd.Retries,
				RetriesDelay: &cd.RetriesDelay, DefaultPriority: &cd.DefaultPriority})
		}
		if len(codes) < 100 {
			return nil
		}
	}
}

func (r *Result) schedules(ctx context.Context, c *client.Client) error {
	var all []client.Schedule
	for page := 0; ; page++ {
		ss, err := c.Schedules(ctx, client.Page{Page: page, PerPage: 100})
		if err != nil {
			return fmt.Errorf("list schedules: %w", err)
		}
		all = append(all, ss...)
		if len(ss) < 100 {
			break
		}
	}
	// Oldest first, so a seeded emulator lists them in the same order.
	for i := len(all) - 1; i >= 0; i-- {
		s := all[i]
		if s.Status != client.ScheduleActive {
			continue // finished or cancelled: nothing left to run
		}
		ss := Schedule{CodeName: s.CodeName, Name: s.Name, Payload: s.Payload, Priority: &s.Priority,
			Cluster: s.Cluster, Label: s.Label}
		if !s.NextStart.IsZero() {
			at := s.NextStart.UTC()
			ss.StartAt = &at // resume where it stands
		}
		if !s.EndAt.IsZero() {
			at := s.EndAt.UTC()
			ss.EndAt = &at
		}
		if s.RunEvery > 0 {
			ss.RunEvery = &s.RunEvery
		}
		if s.RunTimes > 0 {
			left := max(1, s.RunTimes-s.RunCount)
			ss.RunTimes = &left
		}
		if s.Cron != "" {
			ss.Cron = &s.Cron
		}
		if s.Timeout > 0 {
			ss.Timeout = &s.Timeout
		}
		if s.TaskDelay > 0 || s.MaxConcurrency > 0 {
			r.leave("schedule %s: its task delay and max concurrency (a seed has neither)", s.ID)
		}
		r.File.Schedules = append(r.File.Schedules, ss)
	}
	return nil
}

// Write writes f as indented JSON.
func Write(w io.Writer, f File) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(f); err != nil {
		return fmt.Errorf("write the seed: %w", err)
	}
	return nil
}
