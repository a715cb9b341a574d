package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator/seed"
	"github.com/ironlocal/ironlocal/emulator/server"
)

// Seeds (README "Use in tests"): a seed file is applied to an empty store at
// start; a bad one fails start-up, naming the entry and field, and loads
// nothing.

const exampleSeed = "../../fixtures/seed/example.json"

// seeded is a running emulator and a client for the seed's project.
type seeded struct {
	srv *server.Server
	hc  *http.Client
}

func newSeeded(t *testing.T, srv *server.Server) *seeded {
	t.Helper()
	hc := &http.Client{Timeout: time.Minute}
	t.Cleanup(hc.CloseIdleConnections)
	return &seeded{srv: srv, hc: hc}
}

// get sends GET path (under /N/projects/{default project} when it starts
// with /1, /2 or /3) and decodes a 200 JSON answer into out.
func (s *seeded) get(t *testing.T, path string, out any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.srv.URL()+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "OAuth seed-token")
	res, err := s.hc.Do(req)
	require.NoError(t, err, "GET %s", path)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode, "GET %s → %s", path, b)
	require.NoError(t, json.Unmarshal(b, out), "GET %s → %s", path, b)
}

func mqPath(rest string) string     { return "/3/projects/" + seed.DefaultProject + "/queues" + rest }
func cachePath(rest string) string  { return "/1/projects/" + seed.DefaultProject + "/caches" + rest }
func workerPath(rest string) string { return "/2/projects/" + seed.DefaultProject + rest }

type seedQueue struct {
	Name           string `json:"name"`
	Size           int    `json:"size"`
	TotalMessages  int    `json:"total_messages"`
	MessageTimeout int    `json:"message_timeout"`
}

func (s *seeded) queueNames(t *testing.T) []string {
	t.Helper()
	var got struct {
		Queues []seedQueue `json:"queues"`
	}
	s.get(t, mqPath(""), &got)
	names := []string{}
	for _, q := range got.Queues {
		names = append(names, q.Name)
	}
	return names
}

func (s *seeded) queue(t *testing.T, name string) seedQueue {
	t.Helper()
	var got struct {
		Queue seedQueue `json:"queue"`
	}
	s.get(t, mqPath("/"+name), &got)
	return got.Queue
}

func (s *seeded) peek(t *testing.T, queue string) []string {
	t.Helper()
	var got struct {
		Messages []struct {
			Body string `json:"body"`
		} `json:"messages"`
	}
	s.get(t, mqPath("/"+queue+"/messages?n=100"), &got)
	out := []string{}
	for _, m := range got.Messages {
		out = append(out, m.Body)
	}
	return out
}

func (s *seeded) cacheNames(t *testing.T) []string {
	t.Helper()
	var got []struct {
		Name string `json:"name"`
	}
	s.get(t, cachePath(""), &got)
	names := []string{}
	for _, c := range got {
		names = append(names, c.Name)
	}
	return names
}

func (s *seeded) codeNames(t *testing.T) []string {
	t.Helper()
	var got struct {
		Codes []struct {
			Name string `json:"name"`
		} `json:"codes"`
	}
	s.get(t, workerPath("/codes"), &got)
	names := []string{}
	for _, c := range got.Codes {
		names = append(names, c.Name)
	}
	return names
}

func (s *seeded) scheduleCount(t *testing.T) int {
	t.Helper()
	var got struct {
		Schedules []json.RawMessage `json:"schedules"`
	}
	s.get(t, workerPath("/schedules"), &got)
	return len(got.Schedules)
}

// requireEmpty checks that the store holds no queue, cache, code or
// schedule of the default project.
func (s *seeded) requireEmpty(t *testing.T) {
	t.Helper()
	require.Empty(t, s.queueNames(t), "queues")
	require.Empty(t, s.cacheNames(t), "caches")
	require.Empty(t, s.codeNames(t), "codes")
	require.Zero(t, s.scheduleCount(t), "schedules")
}

func writeSeed(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "seed.json")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}

// start starts an emulator on a free port; the caller closes it.
func start(t *testing.T, opts server.Options) (*server.Server, error) {
	t.Helper()
	opts.Listen, opts.Runtime, opts.VirtualClock = "127.0.0.1:0", "process", true
	return server.Start(opts)
}

func closeServer(t *testing.T, srv *server.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, srv.Close(ctx))
}

func TestSeed_Example(t *testing.T) {
	s := newSeeded(t, server.RunT(t, server.Options{Seed: exampleSeed, Runtime: "process", VirtualClock: true}))

	t.Run("queues", func(t *testing.T) {
		require.ElementsMatch(t, []string{"jobs", "audit"}, s.queueNames(t))
		jobs := s.queue(t, "jobs")
		require.Equal(t, 3, jobs.Size, "jobs size counts the delayed message")
		require.Equal(t, 3, jobs.TotalMessages, "jobs total_messages")
		require.Equal(t, 60, jobs.MessageTimeout, "jobs message_timeout")
		require.Zero(t, s.queue(t, "audit").Size, "audit size")
	})
	t.Run("delayed message not visible", func(t *testing.T) {
		require.Equal(t, []string{`{"job":1}`, `{"job":2}`}, s.peek(t, "jobs"))
	})
	t.Run("cache items", func(t *testing.T) {
		require.Equal(t, []string{"config"}, s.cacheNames(t))
		for _, tc := range []struct {
			key, value string
			expires    bool
		}{
			{"mode", `"test"`, false},
			{"hits", `0`, false},
			{"session", `"abc"`, true},
		} {
			var got struct {
				Value   json.RawMessage `json:"value"`
				Expires string          `json:"expires"`
			}
			s.get(t, cachePath("/config/items/"+tc.key), &got)
			require.JSONEq(t, tc.value, string(got.Value), "value of %s", tc.key)
			if tc.expires {
				at, err := time.Parse(time.RFC3339Nano, got.Expires)
				require.NoError(t, err, "expires of %s", tc.key)
				want := s.srv.VirtualClock().Now().Add(time.Hour)
				require.WithinDuration(t, want, at, time.Second, "expires of %s", tc.key)
			}
		}
	})
	t.Run("code", func(t *testing.T) {
		var got struct {
			Codes []struct {
				Name           string            `json:"name"`
				Image          string            `json:"image"`
				MaxConcurrency int               `json:"max_concurrency"`
				Retries        int               `json:"retries"`
				EnvVars        map[string]string `json:"env_vars"`
			} `json:"codes"`
		}
		s.get(t, workerPath("/codes"), &got)
		require.Len(t, got.Codes, 1, "codes")
		c := got.Codes[0]
		require.Equal(t, "hello", c.Name, "name")
		require.Equal(t, "ironlocal/fixture-worker:latest", c.Image, "image")
		require.Equal(t, 2, c.MaxConcurrency, "max_concurrency")
		require.Equal(t, 1, c.Retries, "retries")
		require.Equal(t, map[string]string{"GREETING": "hi"}, c.EnvVars, "env_vars")
	})
	t.Run("schedule", func(t *testing.T) {
		var got struct {
			Schedules []struct {
				CodeName string    `json:"code_name"`
				Name     string    `json:"name"`
				Payload  string    `json:"payload"`
				RunEvery int       `json:"run_every"`
				StartAt  time.Time `json:"start_at"`
			} `json:"schedules"`
		}
		s.get(t, workerPath("/schedules"), &got)
		require.Len(t, got.Schedules, 1, "schedules")
		sc := got.Schedules[0]
		require.Equal(t, "hello", sc.CodeName, "code_name")
		require.Equal(t, "hourly", sc.Name, "name")
		require.Equal(t, `{"message":"tick"}`, sc.Payload, "payload")
		require.Equal(t, 3600, sc.RunEvery, "run_every")
		require.True(t, sc.StartAt.Equal(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)), "start_at: got %s", sc.StartAt)
	})
	t.Run("delayed message becomes visible", func(t *testing.T) {
		s.srv.VirtualClock().Advance(time.Hour)
		require.Equal(t, []string{`{"job":1}`, `{"job":2}`, "later"}, s.peek(t, "jobs"))
	})
}

type obj = map[string]any

// badSeed is a seed of valid entries (a queue with messages, a cache item,
// a code) followed by the bad ones, so a half-applied seed would leave the
// valid ones behind.
func badSeed(t *testing.T, queues, items, codes, schedules []obj) string {
	t.Helper()
	b, err := json.Marshal(obj{
		"ironlocal_seed": 1,
		"queues":         append([]obj{{"name": "first", "messages": []obj{{"body": "a"}, {"body": "b"}}}}, queues...),
		"caches":         []obj{{"name": "kept", "items": append([]obj{{"key": "k", "value": "v"}}, items...)}},
		"codes":          append([]obj{{"name": "c", "image": "x", "command": "true"}}, codes...),
		"schedules":      schedules,
	})
	require.NoError(t, err)
	return string(b)
}

func TestSeed_Bad(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts server.Options
		seed string
		want []string // parts of the error
	}{
		{
			name: "schedule run_every too short",
			seed: badSeed(t, nil, nil, nil, []obj{{"code_name": "c", "run_every": 5}}),
			want: []string{`schedules[0] (code "c")`, "run_every"},
		},
		{
			name: "schedule of an unknown code",
			seed: badSeed(t, nil, nil, nil, []obj{{"code_name": "nope", "run_every": 3600}}),
			want: []string{`schedules[0] (code "nope")`, "Code not found"},
		},
		{
			name: "message body over 256 KiB",
			seed: badSeed(t, []obj{{"name": "big", "messages": []obj{{"body": strings.Repeat("x", 256<<10+1)}}}}, nil, nil, nil),
			want: []string{`queues[1] ("big").messages[0…0]`, "262144 byte limit"},
		},
		{
			name: "message body over the configured limit",
			opts: server.Options{MessageBodyLimit: 1024},
			seed: badSeed(t, []obj{{"name": "big", "messages": []obj{{"body": strings.Repeat("x", 2048)}}}}, nil, nil, nil),
			want: []string{`queues[1] ("big").messages[0…0]`, "1024 byte limit"},
		},
		{
			name: "cache item with an object value",
			seed: badSeed(t, nil, []obj{{"key": "obj", "value": obj{"a": 1}}}, nil, nil),
			want: []string{`caches[0] ("kept").items[1] ("obj")`, "value must be"},
		},
		{
			name: "code without a name",
			seed: badSeed(t, nil, nil, []obj{{"image": "x"}}, nil),
			want: []string{`codes[1] ("")`, "name"},
		},
		{
			name: "queue name the API refuses",
			seed: `{"ironlocal_seed": 1, "queues": [{"name": "` + strings.Repeat("q", 256) + `"}]}`,
			want: []string{`queues[0] ("qqq`, "Queue name is longer than 255 bytes"},
		},
		{
			name: "cache name the API refuses",
			seed: `{"ironlocal_seed": 1, "caches": [{"name": "a/b", "items": [{"key": "k", "value": 1}]}]}`,
			want: []string{`caches[0] ("a/b").items[0] ("k")`, "Cache name must not contain '/' or NUL"},
		},
		{
			name: "syntax error",
			seed: "{\"ironlocal_seed\": 1,\n \"queues\": [{\"name\": \"q\"}}",
			want: []string{"line 2, column 26"},
		},
		{
			name: "unknown field",
			seed: `{"ironlocal_seed": 1, "queues": [{"name": "q", "timeout": 5}]}`,
			want: []string{`unknown field "timeout"`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := writeSeed(t, tc.seed)
			opts := tc.opts
			opts.DataDir, opts.Seed = dir, path
			srv, err := start(t, opts)
			if err == nil {
				closeServer(t, srv)
				t.Fatalf("start with a bad seed: got no error, want one naming %q", tc.want)
			}
			require.Contains(t, err.Error(), path, "error names the seed file")
			for _, w := range tc.want {
				require.Contains(t, err.Error(), w, "error")
			}

			// Nothing half-loaded: the same data dir, without the seed, is empty.
			srv, err = start(t, server.Options{DataDir: dir})
			require.NoError(t, err, "start again on the data dir")
			defer closeServer(t, srv)
			newSeeded(t, srv).requireEmpty(t)
		})
	}
	t.Run("missing file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "nope.json")
		_, err := start(t, server.Options{Ephemeral: true, Seed: path})
		require.ErrorIs(t, err, os.ErrNotExist)
	})
	t.Run("project id the API refuses", func(t *testing.T) {
		path := writeSeed(t, `{"ironlocal_seed": 1, "queues": [{"name": "q", "project_id": "`+strings.Repeat("a", 300)+`"}]}`)
		_, err := start(t, server.Options{Ephemeral: true, Seed: path})
		require.ErrorContains(t, err, path)
		require.ErrorContains(t, err, `queues[0] ("q").project_id: Invalid project id: at most 255 bytes, no NUL`)
	})
	for _, path := range []string{"/dev/zero", os.TempDir()} {
		t.Run("not a file: "+path, func(t *testing.T) {
			if _, err := os.Stat(path); err != nil {
				t.Skipf("no %s here: %v", path, err)
			}
			_, err := start(t, server.Options{Ephemeral: true, Seed: path})
			require.ErrorContains(t, err, "seed: "+path+" is not a seed file but a ")
		})
	}
}

func TestSeed_DataDirWithData(t *testing.T) {
	dir := t.TempDir()

	t.Run("seed applies to an empty data dir once", func(t *testing.T) {
		srv, err := start(t, server.Options{DataDir: dir, Seed: exampleSeed})
		require.NoError(t, err)
		require.Equal(t, 3, newSeeded(t, srv).queue(t, "jobs").Size, "jobs size")
		closeServer(t, srv)

		srv, err = start(t, server.Options{DataDir: dir, Seed: exampleSeed})
		require.NoError(t, err)
		defer closeServer(t, srv)
		s := newSeeded(t, srv)
		require.Equal(t, 3, s.queue(t, "jobs").Size, "jobs size after a second start: seeded twice?")
		require.Equal(t, 1, s.scheduleCount(t), "schedules")
	})
	t.Run("existing data is left alone", func(t *testing.T) {
		other := t.TempDir()
		srv, err := start(t, server.Options{DataDir: other, Seed: writeSeed(t, `{"ironlocal_seed": 1, "queues": [{"name": "mine"}]}`)})
		require.NoError(t, err)
		closeServer(t, srv)

		srv, err = start(t, server.Options{DataDir: other, Seed: exampleSeed})
		require.NoError(t, err)
		defer closeServer(t, srv)
		s := newSeeded(t, srv)
		require.Equal(t, []string{"mine"}, s.queueNames(t), "queues")
		require.Empty(t, s.cacheNames(t), "caches")
		require.Empty(t, s.codeNames(t), "codes")
	})
}
