package test

// ironcli (github.com/iron-io/ironcli), Iron.io's Go command line tool,
// run unchanged against a real ironlocald: the worker workflow (upload a zip
// or an image, register, queue --wait, status, log, schedule, docker login)
// and every mq command. Each step checks what ironcli printed and what the
// emulator then holds, read back over HTTP.
//
// ironcli and iron_go3 are not on the Go module proxy, so this test cannot
// build ironcli itself: IRONLOCAL_IRONCLI names a binary built from a
// checkout (docs/contributing.md), and without it the test skips, or fails
// when IRONLOCAL_REQUIRE_IRONCLI=1.

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/internal/testtool"
)

// ironcliBinary is the ironcli binary IRONLOCAL_IRONCLI names.
func ironcliBinary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("IRONLOCAL_IRONCLI")
	if bin == "" {
		msg := "IRONLOCAL_IRONCLI is not set: ironcli is not on the Go module proxy, so build it from " +
			"github.com/iron-io/ironcli and iron_go3 checkouts (docs/contributing.md) and set " +
			"IRONLOCAL_IRONCLI=/path/to/ironcli"
		if os.Getenv("IRONLOCAL_REQUIRE_IRONCLI") == "1" {
			t.Fatal(msg + " (IRONLOCAL_REQUIRE_IRONCLI=1)")
		}
		t.Skip(msg)
	}
	abs, err := filepath.Abs(bin)
	require.NoError(t, err)
	_, err = os.Stat(abs)
	require.NoError(t, err, "IRONLOCAL_IRONCLI")
	return abs
}

// ironCLI runs ironcli against one daemon, in a working directory of its
// own, with a temporary HOME (no ~/.iron.json) and the IRON_* variables.
type ironCLI struct {
	bin  string
	dir  string
	port string // the daemon's
	env  []string
}

func newIronCLI(t *testing.T, d *Daemon) *ironCLI {
	t.Helper()
	u, err := url.Parse(d.URL)
	require.NoError(t, err)
	host, port, err := net.SplitHostPort(u.Host)
	require.NoError(t, err)
	return &ironCLI{bin: ironcliBinary(t), dir: t.TempDir(), port: port, env: []string{
		"HOME=" + t.TempDir(),
		"PATH=" + os.Getenv("PATH"),
		// iron_go3 reads IRON_SCHEME; IRON_PROTOCOL means nothing to it.
		"IRON_SCHEME=http", "IRON_HOST=" + host, "IRON_PORT=" + port,
		"IRON_TOKEN=" + testToken, "IRON_PROJECT_ID=" + testProject,
		// mq create and mq info ask https://auth.iron.io for a HUD link even
		// when piped, and ignore a failure: refuse it at once, offline or not.
		"HTTPS_PROXY=http://127.0.0.1:1",
	}}
}

// cliResult is what one ironcli run printed. ironcli exits 0 after most API
// errors (it prints them), so the tests read the output.
type cliResult struct {
	stdout, stderr string
}

// run runs ironcli with args. Its stdout is a pipe, as in `iron mq … | cat`:
// that keeps the mq commands from asking auth.iron.io for the project's
// name. stdin is a pipe too when given (ids for mq delete, names for mq rm),
// else /dev/null.
func (c *ironCLI) run(t *testing.T, stdin string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Dir, cmd.Env = c.dir, c.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	err := cmd.Run()
	res := cliResult{stdout: progressless(stdout.String()), stderr: stderr.String()}
	require.NoError(t, err, "ironcli %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), res.stdout, res.stderr)
	return res
}

// ok runs ironcli and requires that it printed nothing on stderr.
func (c *ironCLI) ok(t *testing.T, args ...string) string {
	t.Helper()
	res := c.run(t, "", args...)
	require.Empty(t, res.stderr, "ironcli %s wrote on stderr; stdout:\n%s", strings.Join(args, " "), res.stdout)
	return res.stdout
}

// progressless drops the stopwatch `worker queue -wait` redraws with "\r"
// every millisecond, keeping each line's last state.
func progressless(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		l = strings.TrimRight(l, "\r")
		if j := strings.LastIndexByte(l, '\r'); j >= 0 {
			l = l[j+1:]
		}
		lines[i] = l
	}
	return strings.Join(lines, "\n")
}

var (
	codeIDRe     = regexp.MustCompile(`(?:Uploaded|Registered) code package with id='([0-9a-f]{24})'`)
	taskIDRe     = regexp.MustCompile(`Queued task with id='([0-9a-f]{24})'`)
	scheduleIDRe = regexp.MustCompile(`Scheduled task with id='([0-9a-f]{24})'`)
	messageIDRe  = regexp.MustCompile(`^[0-9]{19}$`)
)

// idIn returns the id re finds in ironcli's output.
func idIn(t *testing.T, re *regexp.Regexp, out string) string {
	t.Helper()
	m := re.FindStringSubmatch(out)
	require.NotNil(t, m, "no %s in ironcli's output:\n%s", re, out)
	return m[1]
}

// The Iron objects the tests read back, as the emulator serves them.
type (
	cliCode struct {
		ID              string            `json:"id"`
		Name            string            `json:"name"`
		Rev             int               `json:"rev"`
		Image           string            `json:"image"`
		Command         string            `json:"command"`
		Config          string            `json:"config"`
		EnvVars         map[string]string `json:"env_vars"`
		MaxConcurrency  int               `json:"max_concurrency"`
		Retries         int               `json:"retries"`
		RetriesDelay    int               `json:"retries_delay"`
		DefaultPriority int               `json:"default_priority"`
		LatestChecksum  string            `json:"latest_checksum"`
	}
	cliTask struct {
		ID         string `json:"id"`
		CodeName   string `json:"code_name"`
		Status     string `json:"status"`
		Msg        string `json:"msg"`
		Payload    string `json:"payload"`
		Priority   int    `json:"priority"`
		Timeout    int    `json:"timeout"`
		Label      string `json:"label"`
		Cluster    string `json:"cluster"`
		ScheduleID string `json:"schedule_id"`
	}
	cliSchedule struct {
		CodeName       string `json:"code_name"`
		Payload        string `json:"payload"`
		Status         string `json:"status"`
		StartAt        string `json:"start_at"`
		EndAt          string `json:"end_at"`
		RunEvery       int    `json:"run_every"`
		RunTimes       int    `json:"run_times"`
		RunCount       int    `json:"run_count"`
		Priority       int    `json:"priority"`
		Timeout        int    `json:"timeout"`
		Label          string `json:"label"`
		MaxConcurrency int    `json:"max_concurrency"`
	}
	cliQueue struct {
		Name          string `json:"name"`
		Type          string `json:"type"`
		Size          int    `json:"size"`
		TotalMessages int    `json:"total_messages"`
	}
	cliBrowsed struct {
		ID            string `json:"id"`
		Body          string `json:"body"`
		Status        string `json:"status"`
		ReservationID string `json:"reservation_id"`
	}
)

// get decodes a 200 answer of GET path into out.
func (c *apiClient) get(t *testing.T, path string, out any) {
	t.Helper()
	status, err := c.do(context.Background(), http.MethodGet, path, nil, out)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, "GET %s", path)
}

// status is the HTTP status of GET path.
func (c *apiClient) status(t *testing.T, path string) int {
	t.Helper()
	status, err := c.do(context.Background(), http.MethodGet, path, nil, nil)
	require.NoError(t, err)
	return status
}

// text is the body of a 200 answer of GET path.
func (c *apiClient) text(t *testing.T, path string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "OAuth "+c.token)
	resp, err := c.http.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "GET %s: %s", path, b)
	return string(b)
}

// waitIdle waits until no task is queued or running and no schedule is due.
func (c *apiClient) waitIdle(t *testing.T) {
	t.Helper()
	status, err := c.do(context.Background(), http.MethodGet, "/_ironlocal/wait-idle?timeout=30s", nil, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, "wait-idle")
}

func (c *apiClient) code(t *testing.T, id string) cliCode {
	t.Helper()
	var code cliCode
	c.get(t, workerPath("/codes/"+id), &code)
	return code
}

func (c *apiClient) task(t *testing.T, id string) cliTask {
	t.Helper()
	var task cliTask
	c.get(t, workerPath("/tasks/"+id), &task)
	return task
}

func (c *apiClient) queueInfo(t *testing.T, name string) cliQueue {
	t.Helper()
	var out struct {
		Queue cliQueue `json:"queue"`
	}
	c.get(t, c.mqPath(name, ""), &out)
	return out.Queue
}

// browse lists a queue's messages, whatever their state, in queue order.
func (c *apiClient) browse(t *testing.T, name string) []cliBrowsed {
	t.Helper()
	var out struct {
		Messages []cliBrowsed `json:"messages"`
	}
	c.get(t, "/_ironlocal/queues/"+c.project+"/"+name+"/messages", &out)
	return out.Messages
}

// writeZip writes a zip of files (name → content) to path.
func writeZip(t *testing.T, path string, files map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range files {
		w, err := zw.Create(name)
		require.NoError(t, err)
		_, err = io.WriteString(w, content)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o600))
}

// TestIronCLI_Worker runs ironcli's worker workflow on the process runtime:
// the code's command runs on this machine, in the task directory where the
// zip was extracted.
func TestIronCLI_Worker(t *testing.T) {
	ironcliBinary(t) // skips before the daemon is built
	testtool.Need(t, "sh")
	d := StartDaemon(t, "--ephemeral", "--runtime", "process")
	cli, api := newIronCLI(t, d), newAPIClient(d.URL)

	// The zip's script prints what a task gets; the Iron args
	// (-d … -payload … -config … -id …) are appended to its command line.
	writeZip(t, filepath.Join(cli.dir, "hello.zip"), map[string]string{
		"hello.sh": `echo "hello from $TASK_ID"; cat note.txt; echo "env FROM_CLI=$FROM_CLI"; ` +
			`echo "payload $(cat "$PAYLOAD_FILE")"; echo "config $(cat "$CONFIG_FILE")"` + "\n",
		"note.txt": "note from the zip\n",
	})

	var codeID, taskID string
	t.Run("worker upload -zip", func(t *testing.T) {
		out := cli.ok(t, "worker", "upload", "-zip", "hello.zip", "-name", "hello",
			"-config", `{"greeting":"hi"}`, "-max-concurrency", "2", "-retries", "1", "-retries-delay", "5",
			"-default-priority", "1", "-e", "FROM_CLI=yes", "alpine", "sh", "hello.sh")
		require.Contains(t, out, "Uploading worker 'hello'")
		codeID = idIn(t, codeIDRe, out)

		code := api.code(t, codeID)
		require.Equal(t, "hello", code.Name)
		require.Equal(t, 1, code.Rev)
		require.Equal(t, "alpine", code.Image)
		require.Equal(t, "sh hello.sh", code.Command)
		require.Equal(t, `{"greeting":"hi"}`, code.Config)
		require.Equal(t, map[string]string{"FROM_CLI": "yes"}, code.EnvVars)
		require.Equal(t, 2, code.MaxConcurrency)
		require.Equal(t, 1, code.Retries)
		require.Equal(t, 5, code.RetriesDelay)
		require.Equal(t, 1, code.DefaultPriority)
		require.NotEmpty(t, code.LatestChecksum, "a zip was uploaded")
	})

	t.Run("worker queue -wait", func(t *testing.T) {
		require.NotEmpty(t, codeID, "needs the uploaded code")
		out := cli.ok(t, "worker", "queue", "-wait", "-payload", `{"n":1}`, "-label", "cli", "hello")
		taskID = idIn(t, taskIDRe, out)
		for _, want := range []string{
			"----->  Done", "----->  Printing Log:", "hello from " + taskID, "note from the zip",
			"env FROM_CLI=yes", `payload {"n":1}`, `config {"greeting":"hi"}`,
		} {
			require.Contains(t, out, want)
		}

		task := api.task(t, taskID)
		require.Equal(t, "complete", task.Status)
		require.Empty(t, task.Msg)
		require.Equal(t, "hello", task.CodeName)
		require.Equal(t, `{"n":1}`, task.Payload)
		require.Equal(t, "cli", task.Label)
		require.Equal(t, 1, task.Priority, "ironcli sends priority -3 when unset: the code's default")
		require.Equal(t, 3600, task.Timeout, "ironcli sends timeout 0: the longest")
	})

	t.Run("worker queue -n 2 with every flag", func(t *testing.T) {
		require.NotEmpty(t, codeID, "needs the uploaded code")
		out := cli.ok(t, "worker", "queue", "-n", "2", "-payload", "many", "-priority", "2", "-timeout", "30",
			"-cluster", "c1", "-label", "many", "hello")
		first := idIn(t, taskIDRe, out) // ironcli prints the first id only
		api.waitIdle(t)
		var list struct {
			Tasks []cliTask `json:"tasks"`
		}
		api.get(t, workerPath("/tasks?code_name=hello&label=many"), &list)
		require.Len(t, list.Tasks, 2)
		for _, task := range list.Tasks {
			require.Equal(t, cliTask{ID: task.ID, CodeName: "hello", Status: "complete", Payload: "many",
				Priority: 2, Timeout: 30, Label: "many", Cluster: "c1"}, task)
		}
		require.Contains(t, []string{list.Tasks[0].ID, list.Tasks[1].ID}, first)
	})

	t.Run("worker status", func(t *testing.T) {
		require.NotEmpty(t, taskID, "needs the queued task")
		out := cli.ok(t, "worker", "status", taskID)
		require.Equal(t, "complete", lastLine(out))
	})

	t.Run("worker log", func(t *testing.T) {
		require.NotEmpty(t, taskID, "needs the queued task")
		out := cli.ok(t, "worker", "log", taskID)
		log := api.text(t, workerPath("/tasks/"+taskID+"/log"))
		require.Contains(t, log, "note from the zip")
		require.True(t, strings.HasSuffix(out, "\n"+log+"\n"), "ironcli printed\n%s\nthe log is\n%s", out, log)
	})

	t.Run("worker queue -wait of a failing task", func(t *testing.T) {
		cli.ok(t, "register", "-name", "fails", "alpine", "false")
		res := cli.run(t, "", "worker", "queue", "-wait", "fails")
		task := api.task(t, idIn(t, taskIDRe, res.stdout))
		require.Equal(t, "error", task.Status)
		require.NotEmpty(t, task.Msg)
		require.Equal(t, "error running task: "+task.Msg+"\n", res.stderr)
		require.NotContains(t, res.stdout, "Printing Log:")
	})

	t.Run("register with a command", func(t *testing.T) {
		out := cli.ok(t, "register", "-name", "greeter", "alpine", "echo", "registered", "from", "ironcli")
		require.Contains(t, out, "Registering worker 'greeter'")
		code := api.code(t, idIn(t, codeIDRe, out))
		require.Equal(t, "greeter", code.Name)
		require.Equal(t, "alpine", code.Image)
		require.Equal(t, "echo registered from ironcli", code.Command)
		require.Empty(t, code.LatestChecksum, "no zip")
		require.Equal(t, 0, code.DefaultPriority, "ironcli register sends -1000: unset")

		out = cli.ok(t, "worker", "queue", "-wait", "greeter")
		require.Contains(t, out, "registered from ironcli -d ")
		require.Equal(t, "complete", api.task(t, idIn(t, taskIDRe, out)).Status)
	})

	t.Run("register names the code after the image", func(t *testing.T) {
		out := cli.ok(t, "register", fixtureImage)
		require.Contains(t, out, "Registering worker 'ironlocal/fixture-worker'")
		code := api.code(t, idIn(t, codeIDRe, out))
		require.Equal(t, "ironlocal/fixture-worker", code.Name)
		require.Equal(t, fixtureImage, code.Image)
		require.Empty(t, code.Command)
	})

	t.Run("worker upload of an image", func(t *testing.T) {
		out := cli.ok(t, "worker", "upload", "-name", "img", fixtureImage)
		code := api.code(t, idIn(t, codeIDRe, out))
		require.Equal(t, "img", code.Name)
		require.Equal(t, fixtureImage, code.Image)
		require.Empty(t, code.Command)
		require.Empty(t, code.LatestChecksum, "no zip")
	})

	t.Run("worker upload again: a new revision", func(t *testing.T) {
		require.NotEmpty(t, codeID, "needs the uploaded code")
		out := cli.ok(t, "worker", "upload", "-zip", "hello.zip", "-name", "hello", "-e", "FROM_CLI=yes", "alpine", "sh", "hello.sh")
		require.Equal(t, codeID, idIn(t, codeIDRe, out), "same name, same code")
		require.Equal(t, 2, api.code(t, codeID).Rev)
	})

	t.Run("worker schedule: runs now", func(t *testing.T) {
		out := cli.ok(t, "worker", "schedule", "-payload", `{"s":1}`, "hello")
		id := idIn(t, scheduleIDRe, out)
		api.waitIdle(t)
		var sched cliSchedule
		api.get(t, workerPath("/schedules/"+id), &sched)
		require.Equal(t, "hello", sched.CodeName)
		require.Equal(t, `{"s":1}`, sched.Payload)
		require.Equal(t, 1, sched.RunCount)

		var list struct {
			Tasks []cliTask `json:"tasks"`
		}
		api.get(t, workerPath("/tasks?code_name=hello"), &list)
		var ran []cliTask
		for _, task := range list.Tasks {
			if task.ScheduleID == id {
				ran = append(ran, task)
			}
		}
		require.Len(t, ran, 1)
		require.Equal(t, "complete", ran[0].Status)
		require.Contains(t, api.text(t, workerPath("/tasks/"+ran[0].ID+"/log")), `payload {"s":1}`)
	})

	t.Run("worker schedule with every flag", func(t *testing.T) {
		out := cli.ok(t, "worker", "schedule", "-payload", `{"x":1}`, "-start-at", "2030-01-02T03:04:05Z",
			"-end-at", "2030-02-01T00:00:00Z", "-run-every", "120", "-run-times", "3", "-priority", "2",
			"-max-concurrency", "1", "-label", "nightly", "-timeout", "40", "hello")
		var sched cliSchedule
		api.get(t, workerPath("/schedules/"+idIn(t, scheduleIDRe, out)), &sched)
		require.Equal(t, cliSchedule{
			CodeName: "hello", Payload: `{"x":1}`, Status: "scheduled",
			StartAt: "2030-01-02T03:04:05.000Z", EndAt: "2030-02-01T00:00:00.000Z",
			RunEvery: 120, RunTimes: 3, Priority: 2, Timeout: 40, Label: "nightly", MaxConcurrency: 1,
		}, sched)
	})

	t.Run("worker status of an unknown task", func(t *testing.T) {
		out := cli.ok(t, "worker", "status", "000000000000000000000bad")
		require.Contains(t, out, "404 Not Found: Task not found")
	})

	// POST /2/projects/{pid}/credentials: ironcli sends {"auth": base64 of
	// its JSON {email, username, password, serveraddress}} and prints the
	// answer's msg.
	t.Run("docker login", func(t *testing.T) {
		res := cli.run(t, "", "docker", "login", "-e", "dev@example.test", "-u", "cli-user",
			"-p", "cli-secret", "-url", "registry.example.test:5000")
		require.Empty(t, res.stderr)
		require.Contains(t, res.stdout, "Added docker repo credentials: Credentials added")

		// Stored for the registry, and never shown back: a snapshot
		// holds the login only when asked for it.
		snap := api.text(t, "/_ironlocal/snapshot?credentials=true")
		require.Contains(t, snap, "registry.example.test:5000")
		require.Contains(t, snap, "cli-secret")
		require.NotContains(t, api.text(t, "/_ironlocal/snapshot"), "cli-secret")
	})
}

// lastLine is the last non-blank line of out, trimmed.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// TestIronCLI_MQ runs every ironcli mq command, output piped.
func TestIronCLI_MQ(t *testing.T) {
	ironcliBinary(t)
	d := StartDaemon(t, "--ephemeral", "--runtime", "process")
	cli, api := newIronCLI(t, d), newAPIClient(d.URL)
	const q = "ironcli-jobs"
	ids := map[string]string{} // body → message id

	t.Run("create", func(t *testing.T) {
		out := cli.ok(t, "mq", "create", q)
		require.Contains(t, out, "Queue "+q+" has been successfully created.")
		info := api.queueInfo(t, q)
		require.Equal(t, "pull", info.Type)
		require.Equal(t, 0, info.Size, "create posts an empty message, then clears the queue")
	})

	t.Run("push", func(t *testing.T) {
		out := cli.ok(t, "mq", "push", q, "one", "two", "three")
		got := strings.Fields(out)
		require.Len(t, got, 3, "one id a line when piped:\n%s", out)
		for i, body := range []string{"one", "two", "three"} {
			require.Regexp(t, messageIDRe, got[i])
			ids[body] = got[i]
		}
	})

	t.Run("push -f", func(t *testing.T) {
		require.NoError(t, os.WriteFile(filepath.Join(cli.dir, "msgs.json"), []byte(`{"messages":["four","five"]}`), 0o600))
		got := strings.Fields(cli.ok(t, "mq", "push", "-f", "msgs.json", q))
		require.Len(t, got, 2)
		ids["four"], ids["five"] = got[0], got[1]

		var bodies []string
		for _, m := range api.browse(t, q) {
			require.Equal(t, ids[m.Body], m.ID, "message %q", m.Body)
			bodies = append(bodies, m.Body)
		}
		require.Equal(t, []string{"one", "two", "three", "four", "five"}, bodies)
	})

	t.Run("info", func(t *testing.T) {
		out := cli.ok(t, "mq", "info", q)
		for _, want := range []string{"Name: " + q, "Current Size: 5", "Total messages: 6", "Message expiration: 604800", "Message timeout: 60"} {
			require.Contains(t, out, want)
		}
	})

	t.Run("list", func(t *testing.T) {
		cli.ok(t, "mq", "push", "other", "x")
		require.Equal(t, []string{q, "other"}, strings.Fields(cli.ok(t, "mq", "list")))
		require.Equal(t, []string{"other"}, strings.Fields(cli.ok(t, "mq", "list", "-filter", "oth")))
		require.Equal(t, []string{q}, strings.Fields(cli.ok(t, "mq", "list", "-perPage", "1")))
	})

	t.Run("peek", func(t *testing.T) {
		out := cli.ok(t, "mq", "peek", "-n", "2", q)
		require.Equal(t, fmt.Sprintf("%s \"one\"\n%s \"two\"\n", ids["one"], ids["two"]), out)
		for _, m := range api.browse(t, q) {
			require.Equal(t, "ready", m.Status, "peek reserves nothing")
		}
	})

	t.Run("reserve", func(t *testing.T) {
		out := cli.ok(t, "mq", "reserve", "-n", "1", "-t", "120", "-o", "reserved.json", q)
		f := strings.Fields(out)
		require.Len(t, f, 3, "id, reservation id, body:\n%s", out)
		require.Equal(t, ids["one"], f[0])
		require.Regexp(t, `^[0-9a-f]{32}$`, f[1])
		require.Equal(t, `"one"`, f[2])

		b, err := os.ReadFile(filepath.Join(cli.dir, "reserved.json"))
		require.NoError(t, err)
		var saved []struct {
			ID            string `json:"id"`
			ReservationID string `json:"reservation_id"`
		}
		require.NoError(t, json.Unmarshal(b, &saved))
		require.Len(t, saved, 1)
		require.Equal(t, f[1], saved[0].ReservationID)

		m := api.browse(t, q)[0]
		require.Equal(t, ids["one"], m.ID)
		require.Equal(t, "reserved", m.Status)
		require.Equal(t, f[1], m.ReservationID)
	})

	t.Run("pop", func(t *testing.T) {
		out := cli.ok(t, "mq", "pop", q)
		require.Equal(t, fmt.Sprintf("%s \"two\"\n", ids["two"]), out, "the next ready message")
		require.Equal(t, http.StatusNotFound, api.status(t, api.mqPath(q, "/messages/"+ids["two"])))
	})

	t.Run("delete", func(t *testing.T) {
		out := cli.ok(t, "mq", "delete", q, ids["three"])
		require.Contains(t, out, "Done deleting message")
		require.Equal(t, http.StatusNotFound, api.status(t, api.mqPath(q, "/messages/"+ids["three"])))
	})

	t.Run("delete a reserved message: 403 without its reservation", func(t *testing.T) {
		out := cli.ok(t, "mq", "delete", q, ids["one"])
		require.Contains(t, out, "403 Forbidden")
		require.Equal(t, http.StatusOK, api.status(t, api.mqPath(q, "/messages/"+ids["one"])))
	})

	t.Run("peek | delete", func(t *testing.T) {
		peeked := cli.ok(t, "mq", "peek", "-n", "10", q)
		require.Equal(t, fmt.Sprintf("%s \"four\"\n%s \"five\"\n", ids["four"], ids["five"]), peeked)
		res := cli.run(t, peeked, "mq", "delete", q)
		require.Empty(t, res.stderr)
		require.Contains(t, res.stdout, "Done deleting messages")
		require.Len(t, api.browse(t, q), 1, "only the reserved message is left")
	})

	t.Run("reserve from an empty queue", func(t *testing.T) {
		res := cli.run(t, "", "mq", "reserve", q)
		require.Empty(t, res.stdout)
		require.Equal(t, "Queue is empty\n", res.stderr)
	})

	t.Run("clear", func(t *testing.T) {
		res := cli.run(t, "", "mq", "clear", q)
		require.Contains(t, res.stderr, "Queue "+q+" has been successfully cleared") // ironcli's choice of stream
		require.Equal(t, 0, api.queueInfo(t, q).Size)
		require.Empty(t, api.browse(t, q), "reserved messages go too")
	})

	t.Run("info of a push queue -subscriber-list", func(t *testing.T) {
		status, err := api.do(context.Background(), http.MethodPut, api.mqPath("fanout", ""), map[string]any{"queue": map[string]any{
			"type": "multicast", "push": map[string]any{"retries": 2, "retries_delay": 7,
				"subscribers": []map[string]string{{"name": "s1", "url": "http://127.0.0.1:9/hook"}}},
		}}, nil)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status)
		out := cli.ok(t, "mq", "info", "-subscriber-list", "fanout")
		for _, want := range []string{"Type: multicast", "Subscribers: 1", "Retries: 2", "Retries delay: 7", "http://127.0.0.1:9/hook"} {
			require.Contains(t, out, want)
		}
	})

	t.Run("rm", func(t *testing.T) {
		out := cli.ok(t, "mq", "rm", q)
		require.Contains(t, out, q+" has been sucessfully deleted.") // sic
		require.Equal(t, http.StatusNotFound, api.status(t, api.mqPath(q, "")))
		require.Equal(t, "404 Not Found: Queue not found\n", cli.run(t, "", "mq", "info", q).stderr)
	})

	t.Run("list | rm", func(t *testing.T) {
		names := cli.ok(t, "mq", "list")
		require.Equal(t, []string{"fanout", "other"}, strings.Fields(names))
		res := cli.run(t, names, "mq", "rm")
		require.Empty(t, res.stderr)
		require.Empty(t, strings.TrimSpace(cli.ok(t, "mq", "list")))
	})

	t.Run("iron.json instead of the environment", func(t *testing.T) {
		// No IRON_* variables: ./iron.json alone, its port a JSON number.
		bare := &ironCLI{bin: cli.bin, dir: t.TempDir(), env: []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "HTTPS_PROXY=http://127.0.0.1:1"}}
		conf := fmt.Sprintf(`{"scheme":"http","host":"127.0.0.1","port":%s,"token":%q,"project_id":%q}`, cli.port, testToken, testProject)
		require.NoError(t, os.WriteFile(filepath.Join(bare.dir, "iron.json"), []byte(conf), 0o600))
		id := strings.TrimSpace(bare.ok(t, "mq", "push", "from-json", "hi"))
		require.Equal(t, []cliBrowsed{{ID: id, Body: "hi", Status: "ready"}}, api.browse(t, "from-json"))
	})
}

// TestIronCLI_DockerImage runs ironcli's image workflow on the Docker
// runtime: a zip uploaded with the fixture image, and the image registered
// alone, each queued with -wait.
func TestIronCLI_DockerImage(t *testing.T) {
	ironcliBinary(t)
	requireDockerEngine(t)
	root, err := moduleRoot()
	require.NoError(t, err)
	if out, err := exec.Command(filepath.Join(root, "fixtures", "build.sh")).CombinedOutput(); err != nil {
		t.Fatalf("fixtures/build.sh: %v\n%s", err, out)
	}
	d := StartDaemon(t, "--ephemeral", "--runtime", "docker")
	// A clean stop, so the warm images being built in the background leave
	// no container behind.
	t.Cleanup(func() { d.Stop(t) })
	cli, api := newIronCLI(t, d), newAPIClient(d.URL)

	t.Run("worker upload -zip with an image", func(t *testing.T) {
		writeZip(t, filepath.Join(cli.dir, "files.zip"), map[string]string{"note.txt": "note from the zip"})
		cli.ok(t, "worker", "upload", "-zip", "files.zip", "-name", "fx", fixtureImage)
		out := cli.ok(t, "worker", "queue", "-wait", "-payload", `{"message":"hi from ironcli","print_files":["note.txt"]}`, "fx")
		id := idIn(t, taskIDRe, out)
		require.Contains(t, out, "Printing Log:\nhello from task "+id+"\nhi from ironcli\nfile note.txt: note from the zip\n")
		require.Equal(t, "complete", api.task(t, id).Status)
	})

	t.Run("register then queue -wait", func(t *testing.T) {
		cli.ok(t, "register", fixtureImage)
		out := cli.ok(t, "worker", "queue", "-wait", "-payload", "plain message", "ironlocal/fixture-worker")
		id := idIn(t, taskIDRe, out)
		require.Contains(t, out, "Printing Log:\nhello from task "+id+"\nplain message\n")
		require.Equal(t, "complete", api.task(t, id).Status)
	})
}
