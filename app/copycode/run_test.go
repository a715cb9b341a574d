package copycode

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/server"
	"github.com/ironlocal/ironlocal/internal/testtool"
)

// The renderings are run as they are against a real ironlocal on
// 127.0.0.1:0 (process runtime): curl through bash, the Python programs
// through python3, the Go programs built in a module of their own with
// iron_go3. Each case checks the call's effect through package client.

// runCase is one request, what must hold before it runs, and its effect.
type runCase struct {
	name string
	// build makes the request for names suffixed with sfx (one set per
	// rendering, so the renderings do not see each other's effects).
	build func(sfx string) Request
	// setup runs before the program (nil: nothing).
	setup func(t *testing.T, c *client.Client, sfx string)
	// check verifies the effect; out is what the program printed.
	check func(t *testing.T, c *client.Client, sfx, out string)
}

const echoCommand = `cat "$PAYLOAD_FILE"`

var bg = context.Background()

func runCases() []runCase {
	weird := `it's "quoted" \ and $HOME ` + "`x`" + ` ünïcode`
	return []runCase{
		{name: "post a message",
			build: func(sfx string) Request {
				return PostMessages("post-"+sfx, client.NewMessage{Body: `{"hello":` + fmt.Sprintf("%q", weird) + `}`})
			},
			check: func(t *testing.T, c *client.Client, sfx, _ string) {
				ms, err := c.Peek(bg, "post-"+sfx, 10)
				require.NoError(t, err)
				require.Len(t, ms, 1)
				assert.Equal(t, `{"hello":`+fmt.Sprintf("%q", weird)+`}`, ms[0].Body)
			}},
		{name: "post two messages",
			build: func(sfx string) Request {
				return PostMessages("post2-"+sfx, client.NewMessage{Body: "one"}, client.NewMessage{Body: "two", Delay: 3600})
			},
			check: func(t *testing.T, c *client.Client, sfx, _ string) {
				page, err := c.BrowseMessages(bg, "post2-"+sfx, client.Browse{})
				require.NoError(t, err)
				require.Len(t, page.Messages, 2)
				assert.Equal(t, "one", page.Messages[0].Body)
				assert.Equal(t, client.MessageDelayed, page.Messages[1].Status)
			}},
		{name: "reserve",
			build: func(sfx string) Request { return Reserve("reserve-"+sfx, client.Reservation{N: 1, Timeout: 120}) },
			setup: func(t *testing.T, c *client.Client, sfx string) {
				_, err := c.PostMessages(bg, "reserve-"+sfx, client.NewMessage{Body: "to reserve " + sfx})
				require.NoError(t, err)
			},
			check: func(t *testing.T, c *client.Client, sfx, out string) {
				assert.Contains(t, out, "to reserve "+sfx)
				page, err := c.BrowseMessages(bg, "reserve-"+sfx, client.Browse{})
				require.NoError(t, err)
				require.Len(t, page.Messages, 1)
				assert.Equal(t, client.MessageReserved, page.Messages[0].Status)
			}},
		{name: "peek",
			build: func(sfx string) Request { return Peek("peek-"+sfx, 5) },
			setup: func(t *testing.T, c *client.Client, sfx string) {
				_, err := c.PostMessages(bg, "peek-"+sfx, client.NewMessage{Body: "to peek " + sfx})
				require.NoError(t, err)
			},
			check: func(t *testing.T, c *client.Client, sfx, out string) {
				assert.Contains(t, out, "to peek "+sfx)
				ms, err := c.Peek(bg, "peek-"+sfx, 5)
				require.NoError(t, err)
				assert.Len(t, ms, 1, "peeking reserves nothing")
			}},
		{name: "create a queue with settings",
			build: func(sfx string) Request {
				return PutQueue("made-"+sfx, client.QueueSettings{MessageTimeout: client.Ptr(120), MessageExpiration: client.Ptr(7200),
					Alerts: []client.Alert{{Type: "fixed", Direction: "asc", Trigger: 10, Queue: "alerts-" + sfx, Snooze: 60}}})
			},
			check: func(t *testing.T, c *client.Client, sfx, _ string) {
				q, err := c.Queue(bg, "made-"+sfx)
				require.NoError(t, err)
				assert.Equal(t, 120, q.MessageTimeout)
				assert.Equal(t, 7200, q.MessageExpiration)
				require.Len(t, q.Alerts, 1)
				assert.Equal(t, "alerts-"+sfx, q.Alerts[0].Queue)
			}},
		{name: "put an item",
			build: func(sfx string) Request {
				return PutItem("cache-"+sfx, "key "+sfx, client.ItemPut{Value: weird, ExpiresIn: 3600})
			},
			check: func(t *testing.T, c *client.Client, sfx, _ string) {
				it, err := c.Item(bg, "cache-"+sfx, "key "+sfx)
				require.NoError(t, err)
				assert.Equal(t, weird, it.String())
				assert.NotEqual(t, client.NeverExpires, it.Expires, "expires_in was sent")
			}},
		{name: "put a number",
			build: func(sfx string) Request {
				return PutItem("cache-"+sfx, "n", client.ItemPut{Value: json.RawMessage(`42`)})
			},
			check: func(t *testing.T, c *client.Client, sfx, _ string) {
				it, err := c.Item(bg, "cache-"+sfx, "n")
				require.NoError(t, err)
				assert.JSONEq(t, `42`, string(it.Value))
			}},
		{name: "get an item",
			build: func(sfx string) Request { return GetItem("get-"+sfx, "k") },
			setup: func(t *testing.T, c *client.Client, sfx string) {
				_, err := c.PutItem(bg, "get-"+sfx, "k", client.ItemPut{Value: "value of " + sfx})
				require.NoError(t, err)
			},
			check: func(t *testing.T, _ *client.Client, sfx, out string) {
				assert.Contains(t, out, "value of "+sfx)
			}},
		{name: "upload a code",
			build: func(sfx string) Request {
				return RegisterCode(client.NewCode{Name: "up-" + sfx, Image: "local/echo:latest", Command: echoCommand,
					EnvVars: map[string]string{"MODE": "test"}, MaxConcurrency: client.Ptr(3), Retries: client.Ptr(2),
					RetriesDelay: client.Ptr(5), DefaultPriority: client.Ptr(1)})
			},
			check: func(t *testing.T, c *client.Client, sfx, _ string) {
				code := findCode(t, c, "up-"+sfx)
				assert.Equal(t, "local/echo:latest", code.Image)
				assert.Equal(t, echoCommand, code.Command)
				assert.Equal(t, map[string]string{"MODE": "test"}, code.EnvVars)
				assert.Equal(t, 3, code.MaxConcurrency)
				assert.Equal(t, 2, code.Retries)
				assert.Equal(t, 5, code.RetriesDelay)
				assert.Equal(t, 1, code.DefaultPriority)
			}},
		{name: "queue a task",
			build: func(sfx string) Request {
				return QueueTask(client.NewTask{CodeName: "task-" + sfx, Payload: `{"weird":` + fmt.Sprintf("%q", weird) + `}`,
					Priority: client.Ptr(2), Delay: 3600, Timeout: 30, Label: "copied"})
			},
			setup: func(t *testing.T, c *client.Client, sfx string) {
				_, err := c.RegisterCode(bg, client.NewCode{Name: "task-" + sfx, Image: "local/echo:latest", Command: echoCommand})
				require.NoError(t, err)
			},
			check: func(t *testing.T, c *client.Client, sfx, _ string) {
				ts, err := c.Tasks(bg, client.TaskQuery{CodeName: "task-" + sfx})
				require.NoError(t, err)
				require.Len(t, ts, 1)
				task := ts[0]
				assert.Equal(t, client.TaskQueued, task.Status, "the delay holds it")
				assert.Equal(t, `{"weird":`+fmt.Sprintf("%q", weird)+`}`, task.Payload)
				assert.Equal(t, 2, task.Priority)
				assert.Equal(t, 3600, task.Delay)
				assert.Equal(t, 30, task.Timeout)
				assert.Equal(t, "copied", task.Label)
			}},
		{name: "create a schedule",
			build: func(sfx string) Request {
				return CreateSchedule(client.NewSchedule{CodeName: "sched-" + sfx, Name: "nightly " + sfx, Payload: `{"n":1}`,
					StartAt: time.Date(2099, 1, 2, 3, 4, 5, 0, time.UTC), RunEvery: 3600, RunTimes: 5,
					Priority: client.Ptr(1), Timeout: 60})
			},
			setup: func(t *testing.T, c *client.Client, sfx string) {
				_, err := c.RegisterCode(bg, client.NewCode{Name: "sched-" + sfx, Image: "local/echo:latest", Command: echoCommand})
				require.NoError(t, err)
			},
			check: func(t *testing.T, c *client.Client, sfx, _ string) {
				ss, err := c.Schedules(bg, client.Page{PerPage: 100})
				require.NoError(t, err)
				i := slices.IndexFunc(ss, func(s client.Schedule) bool { return s.CodeName == "sched-"+sfx })
				require.GreaterOrEqual(t, i, 0, "the schedule is listed")
				s := ss[i]
				assert.Equal(t, "nightly "+sfx, s.Name)
				assert.Equal(t, `{"n":1}`, s.Payload)
				assert.True(t, s.StartAt.Equal(time.Date(2099, 1, 2, 3, 4, 5, 0, time.UTC)), "start_at %v", s.StartAt)
				assert.Equal(t, 3600, s.RunEvery)
				assert.Equal(t, 5, s.RunTimes)
				assert.Equal(t, 1, s.Priority)
				assert.Equal(t, 60, s.Timeout)
			}},
	}
}

func findCode(t *testing.T, c *client.Client, name string) client.Code {
	t.Helper()
	codes, err := c.Codes(bg, client.Page{PerPage: 100})
	require.NoError(t, err)
	i := slices.IndexFunc(codes, func(c client.Code) bool { return c.Name == name })
	require.GreaterOrEqual(t, i, 0, "code %s is listed", name)
	return codes[i]
}

func startServer(t *testing.T) (*client.Client, Conn) {
	t.Helper()
	srv := server.RunT(t, server.Options{Runtime: "process"})
	c, err := client.New(srv.URL(), "copy-token")
	require.NoError(t, err)
	return c, Conn{BaseURL: srv.URL(), Token: c.Token(), Project: c.Project()}
}

func runOutput(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(bg, 2*time.Minute)
	defer cancel()
	run := exec.CommandContext(ctx, cmd.Path, cmd.Args[1:]...)
	run.Dir, run.Env = cmd.Dir, cmd.Env
	out, err := run.CombinedOutput()
	require.NoError(t, err, "%s:\n%s", strings.Join(cmd.Args, " "), out)
	return string(out)
}

func TestRun_Curl(t *testing.T) {
	testtool.Need(t, "bash")
	testtool.Need(t, "curl")
	c, conn := startServer(t)
	for _, tc := range runCases() {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup(t, c, "curl")
			}
			src, err := CurlCommand(conn, tc.build("curl"))
			require.NoError(t, err)
			out := runOutput(t, exec.Command("bash", "-c", src))
			tc.check(t, c, "curl", out)
		})
	}
}

func TestRun_Python(t *testing.T) {
	testtool.Need(t, "python3")
	c, conn := startServer(t)
	dir := t.TempDir()
	for i, tc := range runCases() {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup(t, c, "py")
			}
			src, err := PythonProgram(conn, tc.build("py"))
			require.NoError(t, err)
			file := filepath.Join(dir, fmt.Sprintf("case%d.py", i))
			require.NoError(t, os.WriteFile(file, []byte(src), 0o600))
			out := runOutput(t, exec.Command("python3", file))
			tc.check(t, c, "py", out)
		})
	}
}

// TestRun_Go builds every Go rendering in one module of its own that
// requires iron_go3, then runs each. iron_go3 has no go.mod and no
// licence file, and the Go module proxy does not serve it: set
// IRONLOCAL_IRON_GO3 to a checkout of github.com/iron-io/iron_go3 (it is
// used through a replace directive); without it the test tries the proxy
// and skips when that fails, unless IRONLOCAL_REQUIRE_IRON_GO3=1.
func TestRun_Go(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	mod := t.TempDir()
	gomod := "module example.com/copied\n\ngo 1.21\n"
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if src := os.Getenv("IRONLOCAL_IRON_GO3"); src != "" {
		dst := filepath.Join(t.TempDir(), "iron_go3")
		require.NoError(t, os.CopyFS(dst, os.DirFS(src)))
		if _, err := os.Stat(filepath.Join(dst, "go.mod")); err != nil {
			require.NoError(t, os.WriteFile(filepath.Join(dst, "go.mod"), []byte("module github.com/iron-io/iron_go3\n\ngo 1.13\n"), 0o600))
		}
		gomod += "\nrequire github.com/iron-io/iron_go3 v0.0.0-00010101000000-000000000000\n\nreplace github.com/iron-io/iron_go3 => " + dst + "\n"
	}
	require.NoError(t, os.WriteFile(filepath.Join(mod, "go.mod"), []byte(gomod), 0o600))
	if os.Getenv("IRONLOCAL_IRON_GO3") == "" {
		get := exec.Command("go", "get", "github.com/iron-io/iron_go3@latest")
		get.Dir, get.Env = mod, env
		if out, err := get.CombinedOutput(); err != nil {
			msg := fmt.Sprintf("iron_go3 cannot be fetched (%v: %s); set IRONLOCAL_IRON_GO3 to a checkout of github.com/iron-io/iron_go3", err, strings.TrimSpace(string(out)))
			if os.Getenv("IRONLOCAL_REQUIRE_IRON_GO3") == "1" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}

	c, conn := startServer(t)
	cases := runCases()
	for i, tc := range cases {
		src, err := GoProgram(conn, tc.build("go"))
		require.NoError(t, err, tc.name)
		dir := filepath.Join(mod, fmt.Sprintf("case%d", i))
		require.NoError(t, os.MkdirAll(dir, 0o700))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o600))
	}
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", bin+string(filepath.Separator), "./...")
	build.Dir, build.Env = mod, append(env, "CGO_ENABLED=0")
	runOutput(t, build)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup(t, c, "go")
			}
			// A clean HOME and no IRON_* variables: iron_go3 reads
			// ~/.iron.json and the environment before the settings.
			cmd := exec.Command(filepath.Join(bin, fmt.Sprintf("case%d", i)))
			cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
			cmd.Dir = t.TempDir()
			out := runOutput(t, cmd)
			tc.check(t, c, "go", out)
		})
	}
}
