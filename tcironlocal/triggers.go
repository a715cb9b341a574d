package tcironlocal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/ironlocal/ironlocal/client"
)

// Trigger is a trigger binding WithTrigger creates: a built-in plugin
// (upload, http, redis, queue) or one of yours, its config and the action
// (queue a task for a code, or post to a queue). ProjectID defaults to the
// container's project.
type Trigger = client.NewTrigger

// WithTrigger creates the binding t once ironlocal is ready (the image
// ships the built-in trigger plugins); Run fails if the binding is refused.
// Run returns once the binding runs and its plugin reported its status (the
// address it listens on …). Its id is TriggerID(t.Name). Mind that the plugin runs inside the
// container: an http trigger must listen on 0.0.0.0:PORT and be published
// with testcontainers.WithExposedPorts("PORT/tcp"), and an upload trigger
// watches a folder inside the container (copy files in with
// testcontainers.WithFiles or CopyToContainer).
func WithTrigger(t Trigger) Option {
	return func(o *options) error {
		if t.Plugin == "" {
			return errors.New("trigger: plugin is required")
		}
		o.triggers = append(o.triggers, t)
		return nil
	}
}

// TriggerID is the id of the binding WithTrigger created with this name
// ("" if none).
func (c *Container) TriggerID(name string) string { return c.triggerIDs[name] }

// createTriggers creates the WithTrigger bindings, trying again while a
// plugin is still starting (503: an image older than the wait for plugins
// in ironlocal itself, or a plugin slower than its start timeout) up to
// startupTimeout.
func (c *Container) createTriggers(ctx context.Context, triggers []Trigger) error {
	if len(triggers) == 0 {
		return nil
	}
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	c.triggerIDs = map[string]string{}
	deadline := time.Now().Add(startupTimeout)
	for _, t := range triggers {
		for {
			b, err := cl.CreateTrigger(ctx, t)
			if err == nil {
				c.triggerIDs[t.Name] = b.ID
				if err := waitReported(ctx, cl, b.ID); err != nil {
					return fmt.Errorf("trigger %q (plugin %s): %w", t.Name, t.Plugin, err)
				}
				break
			}
			if client.StatusOf(err) != http.StatusServiceUnavailable || time.Now().After(deadline) {
				return fmt.Errorf("trigger %q (plugin %s): %w", t.Name, t.Plugin, err)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return nil
}

// reportWait bounds how long WithTrigger waits for a binding's plugin to
// report its status (the built-ins do once they listen or watch).
const reportWait = 10 * time.Second

// waitReported waits until the binding runs and its plugin has reported a
// status, so a request right after Run reaches a listening trigger. A
// plugin that never reports one is given reportWait.
func waitReported(ctx context.Context, cl *client.Client, id string) error {
	deadline := time.Now().Add(reportWait)
	for time.Now().Before(deadline) {
		b, err := cl.Trigger(ctx, id)
		if err != nil {
			return err
		}
		if b.State == "running" && b.Status != "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}
