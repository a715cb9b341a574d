package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ironlocal/ironlocal/bench"
	"github.com/ironlocal/ironlocal/client"
)

// Trigger plugin figures (docs/triggers.md). They build the
// built-in plugins once and run daemons with --plugins-dir pointing at them.

var builtPlugins struct {
	once sync.Once
	dir  string
	err  error
}

// pluginsDir builds the built-in plugins into the work directory (once).
func (e *env) pluginsDir(ctx context.Context) (string, error) {
	builtPlugins.once.Do(func() {
		root, err := e.moduleRoot(ctx)
		if err != nil {
			builtPlugins.err = err
			return
		}
		dir := filepath.Join(e.work, "plugins")
		e.logf("building the trigger plugins into %s", dir)
		cmd := exec.CommandContext(ctx, "go", "build", "-o", dir+string(os.PathSeparator),
			"./plugins/upload", "./plugins/http", "./plugins/redis", "./plugins/queue")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			builtPlugins.err = fmt.Errorf("build the trigger plugins: %w\n%s", err, out)
			return
		}
		builtPlugins.dir = dir
	})
	return builtPlugins.dir, builtPlugins.err
}

// waitPlugins waits until every discovered plugin runs.
func waitPlugins(ctx context.Context, c *bench.Client, want int) ([]client.TriggerPlugin, error) {
	deadline := time.Now().Add(30 * time.Second)
	api := c.API()
	for {
		plugins, err := api.TriggerPlugins(ctx)
		if err != nil {
			return nil, err
		}
		running := 0
		for _, p := range plugins {
			if p.State == "running" {
				running++
			}
			if p.State == "failed" {
				return nil, fmt.Errorf("plugin %s failed: %s", p.Name, p.Error)
			}
		}
		if running == want && len(plugins) == want {
			return plugins, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%d of %d plugins running after 30 s: %+v", running, want, plugins)
		}
		if err := sleepCtx(ctx, 5*time.Millisecond); err != nil {
			return nil, err
		}
	}
}

// bind creates a binding and waits until its plugin reports its status;
// it returns the status attributes (an http trigger's address …).
func bind(ctx context.Context, c *bench.Client, plugin string, config any, action client.TriggerAction) (map[string]string, error) {
	cfg, err := json.Marshal(config)
	if err != nil {
		return nil, err
	}
	api := c.API()
	b, err := api.CreateTrigger(ctx, client.NewTrigger{ProjectID: project, Plugin: plugin, Config: cfg, Action: action})
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		v, err := api.Trigger(ctx, b.ID)
		if err != nil {
			return nil, err
		}
		if v.State == "running" && v.Status != "" {
			return v.StatusAttrs, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("binding %s of plugin %s: state %q after 10 s", b.ID, plugin, v.State)
		}
		if err := sleepCtx(ctx, 5*time.Millisecond); err != nil {
			return nil, err
		}
	}
}

// figPluginStart: from spawning a plugin to its handshake and Info answer,
// as the host measures it (ready_ms), over every built-in plugin and
// several daemon starts.
func figPluginStart(ctx context.Context, e *env) (outcome, error) {
	dir, err := e.pluginsDir(ctx)
	if err != nil {
		return outcome{}, err
	}
	var all []time.Duration
	per := map[string][]time.Duration{}
	for range max(e.starts, 3) {
		d, err := e.freshDaemon(ctx, "--plugins-dir", dir)
		if err != nil {
			return outcome{}, err
		}
		ps, err := waitPlugins(ctx, e.client(d), 4)
		e.stop(d)
		if err != nil {
			return outcome{}, err
		}
		for _, p := range ps {
			took := time.Duration(p.ReadyMS * float64(time.Millisecond))
			all = append(all, took)
			per[p.Name] = append(per[p.Name], took)
		}
	}
	var parts []string
	for _, name := range []string{"upload", "http", "redis", "queue"} {
		parts = append(parts, fmt.Sprintf("%s %s", name, ms(bench.Median(per[name]))))
	}
	return outcome{value: float64(bench.Median(all)) / float64(time.Millisecond),
		detail: fmt.Sprintf("median of %d starts (4 plugins started at once); max %s; %s", len(all), ms(maxOf(all)),
			strings.Join(parts, ", "))}, nil
}

// figTriggerQueued: from the source event (a file written, an HTTP request
// sent, an LPUSH) to the task.queued event read from the event stream, one
// event at a time, per plugin; the value is the slowest plugin's p50.
func figTriggerQueued(ctx context.Context, e *env) (outcome, error) {
	dir, err := e.pluginsDir(ctx)
	if err != nil {
		return outcome{}, err
	}
	d, err := e.freshDaemon(ctx, "--runtime", "process", "--plugins-dir", dir)
	if err != nil {
		return outcome{}, err
	}
	defer e.stop(d)
	c := e.client(d)
	if _, err := waitPlugins(ctx, c, 4); err != nil {
		return outcome{}, err
	}
	const code = "triggered"
	if _, err := c.UploadCode(ctx, client.NewCode{Name: code, Image: processImage, Command: ":"}); err != nil {
		return outcome{}, err
	}
	task := client.TriggerAction{Type: "task", CodeName: code}
	bucket := filepath.Join(e.work, "bucket")
	if err := os.MkdirAll(bucket, 0o755); err != nil {
		return outcome{}, err
	}
	if _, err := bind(ctx, c, "upload", map[string]any{"dir": bucket, "settle_ms": 1}, task); err != nil {
		return outcome{}, err
	}
	web, err := bind(ctx, c, "http", map[string]any{"listen": "127.0.0.1:0", "routes": []any{map[string]any{"path": "/hook"}}}, task)
	if err != nil {
		return outcome{}, err
	}
	rds, err := bind(ctx, c, "redis", map[string]any{"keys": []string{"jobs"}}, task)
	if err != nil {
		return outcome{}, err
	}
	redisConn, err := net.Dial("tcp", rds["address"])
	if err != nil {
		return outcome{}, err
	}
	defer redisConn.Close()
	redisReplies := bufio.NewReader(redisConn)
	events, err := c.Events(ctx, "task.queued")
	if err != nil {
		return outcome{}, err
	}
	defer events.Close()

	sources := []struct {
		name string
		fire func(i int) error
	}{
		{"upload", func(i int) error {
			// Written aside (dot files are ignored) and moved in: one event
			// per file, however slow the write.
			tmp := filepath.Join(bucket, fmt.Sprintf(".f%d.tmp", i))
			if err := os.WriteFile(tmp, []byte("x"), 0o644); err != nil {
				return err
			}
			return os.Rename(tmp, filepath.Join(bucket, fmt.Sprintf("f%d.csv", i)))
		}},
		{"http", func(int) error {
			resp, err := c.HTTP.Post("http://"+web["address"]+"/hook", "application/json", strings.NewReader(`{}`))
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				return fmt.Errorf("http trigger answered %s", resp.Status)
			}
			return nil
		}},
		{"redis", func(i int) error {
			v := fmt.Sprint(i)
			if _, err := fmt.Fprintf(redisConn, "*3\r\n$5\r\nLPUSH\r\n$4\r\njobs\r\n$%d\r\n%s\r\n", len(v), v); err != nil {
				return err
			}
			line, err := redisReplies.ReadString('\n')
			if err == nil && !strings.HasPrefix(line, ":") {
				err = fmt.Errorf("LPUSH answered %q", strings.TrimSpace(line))
			}
			return err
		}},
	}
	const warm, samples = 5, 100
	var (
		worst  time.Duration
		detail []string
	)
	for _, src := range sources {
		rec := bench.NewRecorder(samples)
		for i := range warm + samples {
			t0 := time.Now()
			if err := src.fire(i); err != nil {
				return outcome{}, fmt.Errorf("%s: %w", src.name, err)
			}
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			ev, err := events.WaitFor(wctx, func(ev bench.Event) bool { return ev.CodeName == code })
			cancel()
			if err != nil {
				return outcome{}, fmt.Errorf("%s: no task.queued: %w", src.name, err)
			}
			if i >= warm {
				rec.Add(ev.Received.Sub(t0))
			}
		}
		s := rec.Summary()
		worst = max(worst, s.P50)
		detail = append(detail, fmt.Sprintf("%s p50 %s (p90 %s)", src.name, ms(s.P50), ms(s.P90)))
	}
	return outcome{value: float64(worst) / float64(time.Millisecond),
		detail: strings.Join(detail, ", ") + fmt.Sprintf("; %d events each, one at a time; upload with settle_ms 1", samples)}, nil
}

// figHTTPAsync: async requests per second through the http trigger, each
// queueing a task (the code is paused, so the tasks wait instead of
// spawning processes).
func figHTTPAsync(ctx context.Context, e *env) (outcome, error) {
	dir, err := e.pluginsDir(ctx)
	if err != nil {
		return outcome{}, err
	}
	d, err := e.freshDaemon(ctx, "--runtime", "process", "--plugins-dir", dir)
	if err != nil {
		return outcome{}, err
	}
	defer e.stop(d)
	c := e.client(d)
	if _, err := waitPlugins(ctx, c, 4); err != nil {
		return outcome{}, err
	}
	const code = "hooked"
	id, err := c.UploadCode(ctx, client.NewCode{Name: code, Image: processImage, Command: ":"})
	if err != nil {
		return outcome{}, err
	}
	if err := c.PauseTaskQueue(ctx, id); err != nil {
		return outcome{}, err
	}
	web, err := bind(ctx, c, "http", map[string]any{"listen": "127.0.0.1:0", "routes": []any{map[string]any{"path": "/hook"}}},
		client.TriggerAction{Type: "task", CodeName: code})
	if err != nil {
		return outcome{}, err
	}
	url := "http://" + web["address"] + "/hook"
	res, detail, err := e.throughput(ctx, d, "request", func(ctx context.Context, _ int) (int, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(`{"n":1}`))
		if err != nil {
			return 0, err
		}
		resp, err := c.HTTP.Do(req)
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			return 0, fmt.Errorf("http trigger answered %s", resp.Status)
		}
		return 1, nil
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		return outcome{}, err
	}
	return outcome{value: res.ItemsPerSec(),
		detail: fmt.Sprintf("%d requests, %d clients, %s; each queues a task (202 with its id)",
			res.Ops, e.workers, detail)}, nil
}

// figHTTPSync: a sync request's round trip through the http trigger minus
// the same task's round trip through the API (queue → task.finished), p50
// each, on the process runtime.
func figHTTPSync(ctx context.Context, e *env) (outcome, error) {
	dir, err := e.pluginsDir(ctx)
	if err != nil {
		return outcome{}, err
	}
	d, err := e.freshDaemon(ctx, "--runtime", "process", "--plugins-dir", dir)
	if err != nil {
		return outcome{}, err
	}
	defer e.stop(d)
	c := e.client(d)
	if _, err := waitPlugins(ctx, c, 4); err != nil {
		return outcome{}, err
	}
	const code = "answer"
	answer := `echo '{"statusCode":200,"body":"ok"}'; :`
	if _, err := c.UploadCode(ctx, client.NewCode{Name: code, Image: processImage, Command: answer}); err != nil {
		return outcome{}, err
	}
	web, err := bind(ctx, c, "http", map[string]any{"listen": "127.0.0.1:0",
		"routes": []any{map[string]any{"path": "/sync", "mode": "sync"}}}, client.TriggerAction{Type: "task", CodeName: code})
	if err != nil {
		return outcome{}, err
	}
	events, err := c.Events(ctx, "task.finished")
	if err != nil {
		return outcome{}, err
	}
	defer events.Close()
	const warm, samples = 5, 100
	viaHTTP, viaAPI := bench.NewRecorder(samples), bench.NewRecorder(samples)
	for i := range warm + samples {
		t0 := time.Now()
		resp, err := c.HTTP.Get("http://" + web["address"] + "/sync")
		if err != nil {
			return outcome{}, err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != "ok" {
			return outcome{}, fmt.Errorf("sync trigger answered %s %q", resp.Status, body)
		}
		took := time.Since(t0)
		t1 := time.Now()
		ids, err := c.QueueTasks(ctx, []client.NewTask{{CodeName: code}})
		if err != nil {
			return outcome{}, err
		}
		if _, err := waitTask(ctx, events, ids[0], 10*time.Second); err != nil {
			return outcome{}, err
		}
		if i >= warm {
			viaHTTP.Add(took)
			viaAPI.Add(time.Since(t1))
		}
	}
	h, a := viaHTTP.Summary(), viaAPI.Summary()
	return outcome{value: float64(h.P50-a.P50) / float64(time.Millisecond),
		detail: fmt.Sprintf("sync request p50 %s vs queue → task.finished p50 %s (p90 %s vs %s), %d each, interleaved",
			ms(h.P50), ms(a.P50), ms(h.P90), ms(a.P90), h.N)}, nil
}
