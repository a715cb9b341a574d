// Package seed loads a declarative description of initial state (queues with
// messages, caches with items, code packages, schedules) into the services.
//
// The format is JSON, versioned by "ironlocal_seed":
//
//	{
//	  "ironlocal_seed": 1,
//	  "project_id": "000000000000000000000001",
//	  "queues": [{"name": "jobs", "message_timeout": 60, "messages": [{"body": "hi", "delay": 0}]}],
//	  "caches": [{"name": "config", "items": [{"key": "mode", "value": "test", "expires_in": 0}]}],
//	  "codes": [{"name": "hello", "image": "ironlocal/fixture-worker:latest", "max_concurrency": 1}],
//	  "schedules": [{"code_name": "hello", "payload": "{}", "run_every": 3600}],
//	  "triggers": [{"name": "csv drop", "plugin": "upload", "config": {"dir": "/data/in", "suffix": ".csv"},
//	                "action": {"type": "task", "code_name": "hello"}}]
//	}
//
// Any entry may carry its own "project_id". Unknown fields are errors, so a
// typo is reported instead of silently ignored.
package seed

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/cache"
	"github.com/ironlocal/ironlocal/emulator/mq"
	"github.com/ironlocal/ironlocal/emulator/worker"
	"github.com/ironlocal/ironlocal/wire"
)

// Version is the newest seed format this build reads.
const Version = 1

// MaxSize is the largest seed file Parse reads, in bytes.
const MaxSize = 64 << 20

// DefaultProject is used when neither the file nor the entry names one.
const DefaultProject = emulator.DefaultProject

// The seed format's types are declared once, in package wire (the desktop
// app writes what this package reads).

// File is a parsed seed.
type File struct{ wire.Seed }

type (
	Queue         = wire.SeedQueue
	Message       = wire.SeedMessage
	Cache         = wire.SeedCache
	Item          = wire.SeedItem
	Code          = wire.SeedCode
	Schedule      = wire.SeedSchedule
	Trigger       = wire.SeedTrigger
	TriggerAction = wire.SeedTriggerAction
)

// Parse reads and checks a seed file's syntax, version and project ids
// (names are checked by the services when it is applied). It reads at most
// MaxSize bytes. Errors name the line and column, or the field.
func Parse(r io.Reader) (*File, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read seed: %w", err)
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("seed: the file is larger than the %d MiB limit", MaxSize>>20)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f.Seed); err != nil { // not &f: errors name fields from the file's top
		return nil, describe(data, err)
	}
	if extra := bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n"); len(extra) > 0 {
		l, c := position(data, int64(len(data)-len(extra)))
		return nil, fmt.Errorf("seed: line %d, column %d: unexpected data after the seed object", l, c)
	}
	switch {
	case f.Version == 0:
		return nil, errors.New(`seed: "ironlocal_seed" (the format version, 1) is required`)
	case f.Version > Version:
		return nil, fmt.Errorf("seed: format version %d is newer than this ironlocal reads (%d): upgrade ironlocal", f.Version, Version)
	}
	if f.ProjectID == "" {
		f.ProjectID = DefaultProject
	}
	if err := f.checkProjects(); err != nil {
		return nil, err
	}
	return &f, nil
}

// checkProjects runs every project id through the API's validator, so a
// seed cannot create a project the API would refuse to address.
func (f *File) checkProjects() error {
	check := func(at, id string) error {
		if id == "" {
			return nil // the file's project
		}
		if err := emulator.ValidateProjectID(id); err != nil {
			return fmt.Errorf("seed: %sproject_id: %w", at, err)
		}
		return nil
	}
	if err := check("", f.ProjectID); err != nil {
		return err
	}
	for i, q := range f.Queues {
		if err := check(fmt.Sprintf("queues[%d] (%q).", i, q.Name), q.ProjectID); err != nil {
			return err
		}
	}
	for i, c := range f.Caches {
		if err := check(fmt.Sprintf("caches[%d] (%q).", i, c.Name), c.ProjectID); err != nil {
			return err
		}
	}
	for i, c := range f.Codes {
		if err := check(fmt.Sprintf("codes[%d] (%q).", i, c.Name), c.ProjectID); err != nil {
			return err
		}
	}
	for i, s := range f.Schedules {
		if err := check(fmt.Sprintf("schedules[%d] (code %q).", i, s.CodeName), s.ProjectID); err != nil {
			return err
		}
	}
	for i, t := range f.Triggers {
		if err := check(fmt.Sprintf("triggers[%d] (%q).", i, t.Name), t.ProjectID); err != nil {
			return err
		}
	}
	return nil
}

// describe turns a decode error into "line L, column C: …", pointing at the
// offending character (syntax) or the start of the offending value (type).
func describe(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		// Offset counts the bytes read, the offending one included.
		l, c := position(data, se.Offset-1)
		return fmt.Errorf("seed: line %d, column %d: %v", l, c, se)
	case errors.As(err, &te):
		l, c := position(data, valueStart(data, te.Offset))
		return fmt.Errorf("seed: line %d, column %d: field %q must be %s, not %s", l, c, te.Field, te.Type, te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errors.New("seed: unexpected end of file")
	}
	return fmt.Errorf("seed: %w", err) // e.g. `json: unknown field "nmae"`
}

// valueStart finds where the JSON value that ends just before end begins:
// a type error's offset is past a string, number or literal, and just past
// the opening bracket of an object or array.
func valueStart(data []byte, end int64) int64 {
	i := min(end, int64(len(data))) - 1
	if i < 0 {
		return 0
	}
	switch data[i] {
	case '{', '[':
		return i
	case '"':
		for j := i - 1; j >= 0; j-- {
			if data[j] != '"' {
				continue
			}
			escapes := int64(0)
			for k := j - 1; k >= 0 && data[k] == '\\'; k-- {
				escapes++
			}
			if escapes%2 == 0 {
				return j
			}
		}
		return i
	}
	for i > 0 && strings.IndexByte(" \t\r\n,:[{", data[i-1]) < 0 {
		i--
	}
	return i
}

func position(data []byte, offset int64) (line, col int) {
	line, col = 1, 1
	for i := int64(0); i < offset && i < int64(len(data)); i++ {
		if data[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// Targets are the services a seed is applied to.
type Targets struct {
	MQ     *mq.Service
	Cache  *cache.Service
	Worker *worker.Service
	// Triggers stores the trigger bindings; nil refuses a seed that has some.
	Triggers Bindings
}

// Bindings stores trigger bindings (the plugin host, package trigger). The
// plugin's own config checks run when the plugin comes up.
type Bindings interface {
	SeedBinding(ctx context.Context, b emulator.Binding) error
}

// Apply creates everything the seed describes, in order: queues, caches,
// codes, schedules, triggers. The first failure is returned naming the entry and
// field; callers run Apply against scratch services first so a bad seed
// loads nothing (see server).
func (f *File) Apply(ctx context.Context, t Targets) error {
	pid := func(p string) string {
		if p == "" {
			return f.ProjectID
		}
		return p
	}
	for i, q := range f.Queues {
		at := fmt.Sprintf("queues[%d] (%q)", i, q.Name)
		if _, err := t.MQ.UpsertQueue(ctx, pid(q.ProjectID), q.Name, mq.QueueSettings{
			MessageTimeout: q.MessageTimeout, MessageExpiration: q.MessageExpiration}); err != nil {
			return fmt.Errorf("seed: %s: %w", at, err)
		}
		for j := 0; j < len(q.Messages); j += mq.MaxMessagesPerRequest {
			batch := q.Messages[j:min(len(q.Messages), j+mq.MaxMessagesPerRequest)]
			msgs := make([]mq.NewMessage, len(batch))
			for k, m := range batch {
				msgs[k] = mq.NewMessage{Body: m.Body, Delay: m.Delay}
			}
			if _, err := t.MQ.PostMessages(ctx, pid(q.ProjectID), q.Name, msgs); err != nil {
				return fmt.Errorf("seed: %s.messages[%d…%d]: %w", at, j, j+len(batch)-1, err)
			}
		}
	}
	for i, c := range f.Caches {
		for j, it := range c.Items {
			err := t.Cache.PutItem(ctx, pid(c.ProjectID), c.Name, it.Key, cache.Put{Value: it.Value, ExpiresIn: it.ExpiresIn})
			if err != nil {
				return fmt.Errorf("seed: caches[%d] (%q).items[%d] (%q): %w", i, c.Name, j, it.Key, err)
			}
		}
	}
	for i, c := range f.Codes {
		_, err := t.Worker.UploadCode(ctx, pid(c.ProjectID), worker.CodeUpload{Name: c.Name, Image: c.Image,
			Command: c.Command, Config: c.Config, EnvVars: c.EnvVars, MaxConcurrency: c.MaxConcurrency,
			Retries: c.Retries, RetriesDelay: c.RetriesDelay, DefaultPriority: c.DefaultPriority})
		if err != nil {
			return fmt.Errorf("seed: codes[%d] (%q): %w", i, c.Name, err)
		}
	}
	for i, s := range f.Schedules {
		payload := s.Payload
		_, err := t.Worker.CreateSchedules(ctx, pid(s.ProjectID), []worker.NewSchedule{{CodeName: s.CodeName,
			Name: s.Name, Payload: &payload, StartAt: s.StartAt, EndAt: s.EndAt, RunEvery: s.RunEvery,
			RunTimes: s.RunTimes, Cron: s.Cron, Priority: s.Priority, Timeout: s.Timeout, Cluster: s.Cluster,
			Label: s.Label}})
		if err != nil {
			return fmt.Errorf("seed: schedules[%d] (code %q): %w", i, s.CodeName, err)
		}
	}
	for i, tr := range f.Triggers {
		at := fmt.Sprintf("triggers[%d] (%q)", i, tr.Name)
		if t.Triggers == nil {
			return fmt.Errorf("seed: %s: trigger bindings are not available here", at)
		}
		a := tr.Action
		enabled := tr.Enabled == nil || *tr.Enabled
		err := t.Triggers.SeedBinding(ctx, emulator.Binding{Project: pid(tr.ProjectID), Name: tr.Name,
			Plugin: tr.Plugin, Config: tr.Config, Enabled: enabled, Action: emulator.BindingAction{
				Type: emulator.BindingActionType(a.Type), CodeName: a.CodeName, Priority: a.Priority, Delay: a.Delay,
				Timeout: a.Timeout, Queue: a.Queue, Template: a.Template}})
		if err != nil {
			return fmt.Errorf("seed: %s: %w", at, err)
		}
	}
	return nil
}
