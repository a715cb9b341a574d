// Package exporttest turns what an ironlocal received into a regression
// test: a directory holding the seed the session started from, every Iron
// API write it made (testdata/inputs.json), the state it reached
// (testdata/expect.json: queue sizes, cache values, task statuses and
// outputs) and a Go test using tcironlocal that replays the writes in
// order on a virtual clock — advancing it by the time between them — waits
// until idle and asserts that state. The test passes as generated and
// fails when the behaviour it captured changes.
//
// It reads the emulator's journal (GET /_ironlocal/journal) through
// package client; ironlocald export-test runs it.
package exporttest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/wire"
)

// Options shape the export.
type Options struct {
	// Since marks where the span the test is about begins; the writes
	// before it are replayed too (they rebuild the state at Since) but
	// marked setup. Zero: the journal's start.
	Since time.Time
	// Until ends the span; the expected state is the emulator's state now,
	// so no write may follow Until. Zero: now.
	Until time.Time
	// TestName is the generated test's name; "" = TestRecorded.
	TestName string
	// Package is the generated file's package; "" = recorded_test.
	Package string
}

// Input is one replayed write, as testdata/inputs.json holds it.
type Input struct {
	OffsetMS    int64  `json:"offset_ms"` // after the journal's start, on the emulator's clock
	Setup       bool   `json:"setup,omitempty"`
	Method      string `json:"method"`
	Path        string `json:"path"`
	Query       string `json:"query,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Body        string `json:"body,omitempty"`
	Status      int    `json:"status"`
	// IDs are the ids the recorded answer named (objects in key order),
	// mapped by position to those of the replay's answer.
	IDs []string `json:"ids,omitempty"`
}

// Expect is the state the session reached, as testdata/expect.json holds
// it. Ids are the recorded ones; the test maps them to the replay's.
type Expect struct {
	Queues []QueueState `json:"queues"`
	Items  []ItemState  `json:"items"`
	Tasks  []TaskState  `json:"tasks"`
}

// QueueState is a queue's size (-1: the queue no longer exists).
type QueueState struct {
	Project string `json:"project"`
	Queue   string `json:"queue"`
	Size    int64  `json:"size"`
}

// ItemState is a cache item's value (Absent: deleted or expired).
type ItemState struct {
	Project string          `json:"project"`
	Cache   string          `json:"cache"`
	Key     string          `json:"key"`
	Value   json.RawMessage `json:"value,omitempty"`
	Absent  bool            `json:"absent,omitempty"`
}

// TaskState is a queued task's end: its status and stdout.
type TaskState struct {
	Project string `json:"project"`
	ID      string `json:"id"`
	Code    string `json:"code_name"`
	Status  string `json:"status"`
	Output  string `json:"output"`
}

// Summary says what was written.
type Summary struct {
	Dir    string
	Inputs int
	Setup  int
	Expect Expect
}

var (
	queuePath = regexp.MustCompile(`^/3/projects/([^/]+)/queues/([^/]+)`)
	itemPath  = regexp.MustCompile(`^/1/projects/([^/]+)/caches/([^/]+)/items/([^/]+)$`)
	tasksPath = regexp.MustCompile(`^/2/projects/([^/]+)/tasks(/webhook)?$`)
	firePath  = regexp.MustCompile(`^/_ironlocal/triggers/([^/]+)/fire$`)
)

// Export writes the regression test of c's journal into dir (created; it
// must not hold one already).
func Export(ctx context.Context, c *client.Client, dir string, o Options) (Summary, error) {
	j, err := c.Journal(ctx)
	if err != nil {
		return Summary{}, err
	}
	switch {
	case !j.Enabled:
		return Summary{}, errors.New("this ironlocal keeps no journal (--journal-entries -1)")
	case !j.Clean:
		return Summary{}, errors.New("the journal began on a state it cannot rebuild (a reopened data dir or an imported snapshot): reset ironlocal, or start it with --ephemeral [--seed FILE], then record the session")
	case j.Dropped > 0:
		return Summary{}, fmt.Errorf("the journal dropped its %d oldest writes past its limits: record a shorter session, or raise --journal-entries", j.Dropped)
	case len(j.Entries) == 0:
		return Summary{}, errors.New("the journal holds no writes yet: nothing to replay")
	}
	if last := j.Entries[len(j.Entries)-1].At; !o.Until.IsZero() && last.After(o.Until) {
		return Summary{}, fmt.Errorf("a write at %s follows --until %s: the expected state is ironlocal's state now, so the span must reach the last write", last.Format(time.RFC3339Nano), o.Until.Format(time.RFC3339Nano))
	}
	if o.TestName == "" {
		o.TestName = "TestRecorded"
	}
	if o.Package == "" {
		o.Package = "recorded_test"
	}
	sum := Summary{Dir: dir}
	inputs := make([]Input, 0, len(j.Entries))
	for _, e := range j.Entries {
		if e.Truncated {
			return Summary{}, fmt.Errorf("write %d (%s %s) had a body over 1 MiB, which the journal cut: it cannot be replayed", e.Seq, e.Method, e.Path)
		}
		in := Input{OffsetMS: e.At.Sub(j.StartedAt).Milliseconds(), Setup: e.At.Before(o.Since), Method: e.Method, Path: e.Path,
			Query: e.RawQuery, ContentType: e.ContentType, Body: string(e.Body), Status: e.Status, IDs: e.IDs}
		if in.Setup {
			sum.Setup++
		}
		inputs = append(inputs, in)
	}
	sum.Inputs = len(inputs)
	if sum.Expect, err = expected(ctx, c, j.Entries); err != nil {
		return Summary{}, err
	}
	seed := []byte(`{"ironlocal_seed": 1}` + "\n")
	if j.SeedFile != "" {
		if seed, err = os.ReadFile(j.SeedFile); err != nil {
			return Summary{}, fmt.Errorf("read the seed file the session started from: %w", err)
		}
	}
	return sum, write(dir, o, seed, inputs, sum.Expect)
}

// expected reads, now, the state of everything the writes touched.
func expected(ctx context.Context, c *client.Client, entries []wire.JournalEntry) (Expect, error) {
	var ex Expect
	seenQ, seenI := map[[2]string]bool{}, map[[3]string]bool{}
	for _, e := range entries {
		if m := queuePath.FindStringSubmatch(e.Path); m != nil && !seenQ[[2]string{m[1], m[2]}] {
			seenQ[[2]string{m[1], m[2]}] = true
			q, err := c.ForProject(m[1]).Queue(ctx, unescape(m[2]))
			size := q.Size
			if client.StatusOf(err) == http.StatusNotFound {
				size, err = -1, nil
			}
			if err != nil {
				return ex, err
			}
			ex.Queues = append(ex.Queues, QueueState{Project: m[1], Queue: unescape(m[2]), Size: int64(size)})
		}
		if m := itemPath.FindStringSubmatch(e.Path); m != nil && !seenI[[3]string{m[1], m[2], m[3]}] {
			seenI[[3]string{m[1], m[2], m[3]}] = true
			st := ItemState{Project: m[1], Cache: unescape(m[2]), Key: unescape(m[3])}
			it, err := c.ForProject(m[1]).Item(ctx, st.Cache, st.Key)
			switch {
			case client.StatusOf(err) == http.StatusNotFound:
				st.Absent = true
			case err != nil:
				return ex, err
			default:
				st.Value = it.Value
			}
			ex.Items = append(ex.Items, st)
		}
		project, ids := "", []string(nil)
		if m := tasksPath.FindStringSubmatch(e.Path); m != nil && e.Method == http.MethodPost {
			project, ids = m[1], e.IDs // the tasks queued
		} else if m := firePath.FindStringSubmatch(e.Path); m != nil {
			var err error
			if project, ids, err = firedTask(ctx, c, m[1], e); err != nil {
				return ex, err
			}
		}
		if ids != nil {
			for _, id := range ids {
				pc := c.ForProject(project)
				t, err := pc.Task(ctx, id)
				if err != nil {
					return ex, err
				}
				if !t.Status.Terminal() {
					return ex, fmt.Errorf("task %s is still %s: wait until ironlocal is idle (ironlocald wait-idle), then export", id, t.Status)
				}
				out, err := pc.TaskOutput(ctx, id)
				if err != nil {
					return ex, err
				}
				ex.Tasks = append(ex.Tasks, TaskState{Project: project, ID: id, Code: t.CodeName, Status: string(t.Status), Output: out})
			}
		}
	}
	return ex, nil
}

// unescape undoes the path escaping of a name.
func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// firedTask is the task a trigger event queued: from the fire's answer
// when the journal kept it whole, else the last id it named (task_id sorts
// last), in the binding's project.
func firedTask(ctx context.Context, c *client.Client, bindingID string, e wire.JournalEntry) (string, []string, error) {
	var ev wire.TriggerEvent
	if len(e.Answer) > 0 && json.Unmarshal(e.Answer, &ev) == nil {
		if ev.TaskID == "" {
			return "", nil, nil // filtered, failed, or no task action
		}
		return ev.ProjectID, []string{ev.TaskID}, nil
	}
	if len(e.IDs) < 2 {
		return "", nil, nil
	}
	b, err := c.Trigger(ctx, unescape(bindingID))
	if client.StatusOf(err) == http.StatusNotFound {
		return "", nil, nil // removed since: its task is still checked if the writes queue one again
	}
	if err != nil {
		return "", nil, err
	}
	return b.ProjectID, e.IDs[len(e.IDs)-1:], nil
}

func write(dir string, o Options, seed []byte, inputs []Input, ex Expect) error {
	if _, err := os.Stat(filepath.Join(dir, "recorded_test.go")); err == nil {
		return fmt.Errorf("%s already holds a recorded_test.go", dir)
	}
	if err := os.MkdirAll(filepath.Join(dir, "testdata"), 0o755); err != nil {
		return err
	}
	files := map[string]any{"inputs.json": inputs, "expect.json": ex}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range files {
			if !yield(k) {
				return
			}
		}
	}) {
		b, err := json.MarshalIndent(files[name], "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "testdata", name), append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "testdata", "seed.json"), seed, 0o644); err != nil {
		return err
	}
	var src bytes.Buffer
	if err := testTemplate.Execute(&src, o); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "recorded_test.go"), src.Bytes(), 0o644)
}

var testTemplate = template.Must(template.New("test").Parse(strings.TrimLeft(testSource, "\n")))
