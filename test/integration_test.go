package test

// Integration suite for the container image and the testcontainers module
// (package tcironlocal), used the way a user's suite uses them: build the
// image, Run it, point an HTTP client at APIURL, and drive IronWorker (a
// task in a sibling container posting to IronMQ), IronMQ, IronCache and the
// control plane (Reset, WaitIdle, AdvanceClock, RunSchedule).

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/testcontainers/testcontainers-go"

	"github.com/ironlocal/ironlocal/internal/nestedengine"
	"github.com/ironlocal/ironlocal/tcironlocal"
)

// fixtureImage is the sample job image fixtures/build.sh builds.
const fixtureImage = "ironlocal/fixture-worker:latest"

func init() {
	// Ryuk (testcontainers' reaper) cannot be pulled where these tests run.
	// Set before any testcontainers call: its configuration is read once.
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") == "" {
		_ = os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
}

var (
	imagesOnce sync.Once
	imagesErr  error
)

// requireDockerEngine skips the test when no Docker engine answers, or
// fails it when IRONLOCAL_REQUIRE_DOCKER=1.
func requireDockerEngine(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("container tests are not short")
	}
	out, err := exec.Command("docker", "version", "--format", "{{.Server.Version}}").CombinedOutput()
	if err == nil {
		return
	}
	msg := fmt.Sprintf("no Docker engine reachable (%v: %s)", err, strings.TrimSpace(string(out)))
	if os.Getenv("IRONLOCAL_REQUIRE_DOCKER") == "1" {
		t.Fatalf("%s, and IRONLOCAL_REQUIRE_DOCKER=1", msg)
	}
	t.Skipf("%s: skipping; IRONLOCAL_REQUIRE_DOCKER=1 makes this a failure", msg)
}

// buildImages builds, once per test binary, the ironlocal image from this
// checkout (`make image`) and the fixture job image.
func buildImages(t *testing.T) {
	t.Helper()
	imagesOnce.Do(func() {
		nestedengine.UseLocalhost()
		root, err := moduleRoot()
		if err != nil {
			imagesErr = err
			return
		}
		start := time.Now()
		for _, cmd := range []*exec.Cmd{
			exec.Command("make", "-C", root, "--no-print-directory", "image"),
			exec.Command(filepath.Join(root, "fixtures", "build.sh")),
		} {
			if out, err := cmd.CombinedOutput(); err != nil {
				imagesErr = fmt.Errorf("%s: %w\n%s", strings.Join(cmd.Args, " "), err, out)
				return
			}
		}
		t.Logf("built %s and %s in %s", tcironlocal.DefaultImage, fixtureImage, time.Since(start).Round(time.Millisecond))
	})
	if imagesErr != nil {
		t.Fatal(imagesErr)
	}
}

// startIronlocal runs the image through the module, as a user's suite
// would, and returns it with a client of its API. The container's log is
// printed when the test fails.
func startIronlocal(ctx context.Context, t *testing.T, opts ...testcontainers.ContainerCustomizer) (*tcironlocal.Container, *apiClient) {
	t.Helper()
	requireDockerEngine(t)
	buildImages(t)
	start := time.Now()
	c, err := tcironlocal.Run(ctx, tcironlocal.DefaultImage, opts...)
	testcontainers.CleanupContainer(t, c)
	require.NoError(t, err)
	t.Logf("ironlocal container ready in %s", time.Since(start).Round(time.Millisecond))
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		if rc, err := c.Logs(context.Background()); err == nil {
			b, _ := io.ReadAll(rc)
			_ = rc.Close()
			t.Logf("ironlocal container log:\n%s", b)
		}
	})
	url, err := c.APIURL(ctx)
	require.NoError(t, err)
	api := newAPIClient(url)
	api.token = c.Token() // strict auth with the container's own token by default
	return c, api
}

// dockerClient talks to the engine the tests use.
func dockerClient(ctx context.Context, t *testing.T) *client.Client {
	t.Helper()
	cli, err := client.New(client.FromEnv)
	require.NoError(t, err)
	t.Cleanup(func() { _ = cli.Close() })
	_, err = cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true})
	require.NoError(t, err)
	return cli
}

// fileGroup is the gid owning path, where the OS has one (without naming
// syscall.Stat_t, which Windows lacks).
func fileGroup(path string) (string, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", false
	}
	v := reflect.Indirect(reflect.ValueOf(fi.Sys()))
	if v.Kind() != reflect.Struct {
		return "", false
	}
	gid := v.FieldByName("Gid")
	if !gid.IsValid() || !gid.CanUint() {
		return "", false
	}
	return strconv.FormatUint(gid.Uint(), 10), true
}

// worker paths of the test project.
func workerPath(rest string) string { return "/2/projects/" + testProject + rest }

type wireTask struct {
	ID       string `json:"id"`
	CodeName string `json:"code_name"`
	Status   string `json:"status"`
	Msg      string `json:"msg"`
}

// registerCode registers a code package running image.
func registerCode(ctx context.Context, t *testing.T, api *apiClient, name, image string) {
	t.Helper()
	status, err := api.do(ctx, http.MethodPost, workerPath("/codes"), map[string]string{"name": name, "image": image}, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, "register code %s", name)
}

// queueTask queues one task and returns its id.
func queueTask(ctx context.Context, t *testing.T, api *apiClient, code, payload string) string {
	t.Helper()
	var out struct {
		Tasks []wireTask `json:"tasks"`
	}
	in := map[string]any{"tasks": []map[string]string{{"code_name": code, "payload": payload}}}
	status, err := api.do(ctx, http.MethodPost, workerPath("/tasks"), in, &out)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, "queue a task")
	require.Len(t, out.Tasks, 1)
	return out.Tasks[0].ID
}

func getTask(ctx context.Context, t *testing.T, api *apiClient, id string) wireTask {
	t.Helper()
	var task wireTask
	status, err := api.do(ctx, http.MethodGet, workerPath("/tasks/"+id), nil, &task)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, "get task %s", id)
	return task
}

func listTasks(ctx context.Context, t require.TestingT, api *apiClient, code string) []wireTask {
	if h, ok := t.(interface{ Helper() }); ok {
		h.Helper()
	}
	var out struct {
		Tasks []wireTask `json:"tasks"`
	}
	status, err := api.do(ctx, http.MethodGet, workerPath("/tasks?code_name="+code), nil, &out)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, "list tasks of %s", code)
	return out.Tasks
}

// reserveOne reserves the next message of queue and returns its body.
func reserveOne(ctx context.Context, t *testing.T, api *apiClient, queue string) string {
	t.Helper()
	msgs, status, err := api.reserve(ctx, queue, 1, 60)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, "reserve from %s", queue)
	require.Len(t, msgs, 1, "one message in %s", queue)
	return msgs[0].Body
}

func TestContainer_Workflow(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, api := startIronlocal(ctx, t, tcironlocal.WithVirtualClock(), tcironlocal.WithProject(testProject),
		tcironlocal.WithTaskLabels(map[string]string{"ironlocal.suite": "integration"}))

	// fresh starts a subtest on an empty emulator, as a suite would.
	fresh := func(t *testing.T) {
		t.Helper()
		require.NoError(t, c.Reset(ctx))
	}

	t.Run("runs as non-root, with the Docker socket and its group", func(t *testing.T) {
		inspect, err := c.Inspect(ctx)
		require.NoError(t, err)
		require.Equal(t, "65532:65532", inspect.Config.User)
		require.Contains(t, inspect.HostConfig.Binds, testcontainers.MustExtractDockerSocket(ctx)+":/var/run/docker.sock")
		if gid, ok := fileGroup("/var/run/docker.sock"); ok && os.Getenv("DOCKER_HOST") == "" {
			require.Contains(t, inspect.HostConfig.GroupAdd, gid)
		}
		var health struct {
			Services map[string]string `json:"services"`
		}
		status, err := api.do(ctx, http.MethodGet, "/_ironlocal/health", nil, &health)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, "docker", health.Services["runtime"], "the non-root user can use the socket")
	})

	t.Run("a task runs in a sibling container that carries the session labels and posts to a queue", func(t *testing.T) {
		fresh(t)
		registerCode(ctx, t, api, "hello", fixtureImage)

		// Watch the engine for task containers of this testcontainers
		// session: they are removed after the task, so events are the
		// record. The subscription is live once Events returns.
		cli := dockerClient(ctx, t)
		evCtx, stopEvents := context.WithCancel(ctx)
		defer stopEvents()
		stream := cli.Events(evCtx, client.EventsListOptions{Filters: make(client.Filters).
			Add("type", "container").Add("event", "create").
			Add("label", "org.testcontainers.sessionId="+testcontainers.SessionID())})

		id := queueTask(ctx, t, api, "hello", `{"message":"hello from a sibling","post_queue":"results"}`)
		require.NoError(t, c.WaitIdle(ctx, time.Minute))

		task := getTask(ctx, t, api, id)
		require.Equal(t, "complete", task.Status, "task %s: %s", id, task.Msg)
		require.Equal(t, "hello from a sibling", reserveOne(ctx, t, api, "results"),
			"the task reached ironlocal at IRON_HOST=127.0.0.1 through the shared network")
		log, err := c.TaskLog(ctx, id)
		require.NoError(t, err)
		require.Equal(t, "hello from task "+id+"\nhello from a sibling\nposted to queue results\n", log)

		var created events.Message
		timeout := time.After(30 * time.Second)
		for created.Actor.Attributes["ironlocal.task"] != id {
			select {
			case created = <-stream.Messages:
			case err := <-stream.Err:
				t.Fatalf("docker events: %v", err)
			case <-timeout:
				t.Fatalf("no container of this testcontainers session was created for task %s", id)
			}
		}
		attrs := created.Actor.Attributes
		require.Equal(t, fixtureImage, attrs["ironlocal.image"])
		if attrs["image"] != fixtureImage { // a warm start: created from the code's warm image
			require.NotEmpty(t, attrs["ironlocal.warm"], "created from %s", attrs["image"])
		}
		require.Equal(t, testcontainers.SessionID(), attrs["org.testcontainers.sessionId"])
		require.Equal(t, "true", attrs["org.testcontainers"])
		require.Equal(t, "integration", attrs["ironlocal.suite"], "WithTaskLabels reaches task containers")
		require.NotEmpty(t, attrs["ironlocal.instance"])

		left, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true,
			Filters: make(client.Filters).Add("label", "ironlocal.task="+id)})
		require.NoError(t, err)
		require.Empty(t, left.Items, "the task container is removed after the task")
	})

	t.Run("cache items round-trip", func(t *testing.T) {
		fresh(t)
		status, err := api.putItem(ctx, "sessions", "user-1", "alice")
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status)
		v, status, err := api.getItem(ctx, "sessions", "user-1")
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status)
		require.JSONEq(t, `"alice"`, string(v))
	})

	t.Run("reset wipes queues, caches and codes", func(t *testing.T) {
		fresh(t)
		_, status, err := api.postMessages(ctx, "doomed", []string{"m1"})
		require.NoError(t, err)
		require.Equal(t, http.StatusCreated, status)
		status, err = api.putItem(ctx, "doomed", "k", "v")
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status)
		registerCode(ctx, t, api, "doomed", fixtureImage)

		require.NoError(t, c.Reset(ctx))
		for _, path := range []string{api.mqPath("doomed", ""), api.cachePath("doomed", "/items/k")} {
			status, err := api.do(ctx, http.MethodGet, path, nil, nil)
			require.NoError(t, err)
			require.Equal(t, http.StatusNotFound, status, "GET %s after reset", path)
		}
		var codes struct {
			Codes []json.RawMessage `json:"codes"`
		}
		status, err = api.do(ctx, http.MethodGet, workerPath("/codes"), nil, &codes)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status)
		require.Empty(t, codes.Codes)
	})

	t.Run("advancing the virtual clock fires a schedule", func(t *testing.T) {
		fresh(t)
		registerCode(ctx, t, api, "tick", fixtureImage)
		now, err := c.Now(ctx)
		require.NoError(t, err)
		in := map[string]any{"schedules": []map[string]any{{
			"code_name": "tick", "payload": `{"message":"scheduled run","post_queue":"ticks"}`,
			"start_at": now.Add(time.Hour).Format(time.RFC3339), "run_times": 1,
		}}}
		status, err := api.do(ctx, http.MethodPost, workerPath("/schedules"), in, nil)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status, "create schedule")

		require.NoError(t, c.WaitIdle(ctx, 10*time.Second))
		require.Empty(t, listTasks(ctx, t, api, "tick"), "not due before the clock moves")

		require.NoError(t, c.AdvanceClock(ctx, 2*time.Hour))
		// The scheduler wakes on the clock change in its own goroutine;
		// wait-idle only sees the task once it is queued.
		var tasks []wireTask
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			tasks = listTasks(ctx, c, api, "tick")
			assert.NotEmpty(c, tasks)
		}, 10*time.Second, 20*time.Millisecond, "the schedule fired")
		require.NoError(t, c.WaitIdle(ctx, time.Minute))
		require.Len(t, tasks, 1, "run_times 1 fires once")
		task := getTask(ctx, t, api, tasks[0].ID)
		require.Equal(t, "complete", task.Status, "task %s: %s", task.ID, task.Msg)
		require.Equal(t, "scheduled run", reserveOne(ctx, t, api, "ticks"))
	})

	t.Run("Env and IronJSON point at the API", func(t *testing.T) {
		env, err := c.Env(ctx)
		require.NoError(t, err)
		require.Equal(t, "http", env["IRON_SCHEME"])
		require.Equal(t, "http", env["IRON_PROTOCOL"])
		require.Equal(t, c.Token(), env["IRON_TOKEN"])
		require.Len(t, c.Token(), 32, "a random per-container token by default")
		require.Equal(t, testProject, env["IRON_PROJECT_ID"])
		byEnv := newAPIClient("http://" + net.JoinHostPort(env["IRON_HOST"], env["IRON_PORT"]))
		byEnv.token = env["IRON_TOKEN"]
		status, err := byEnv.do(ctx, http.MethodGet, "/version", nil, nil)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status)

		raw, err := c.IronJSON(ctx)
		require.NoError(t, err)
		var conf struct {
			Host      string `json:"host"`
			Port      int    `json:"port"` // a JSON number: the Java client needs it
			Scheme    string `json:"scheme"`
			Token     string `json:"token"`
			ProjectID string `json:"project_id"`
		}
		require.NoError(t, json.Unmarshal(raw, &conf))
		require.Equal(t, env["IRON_HOST"], conf.Host)
		require.Equal(t, env["IRON_PORT"], strconv.Itoa(conf.Port))
		require.Equal(t, testProject, conf.ProjectID)
	})
}

// TestContainer_StrictAuthAndSeed starts the emulator with a token, a
// project and a seed file, and checks what the seed loaded through the
// module's helpers.
func TestContainer_StrictAuthAndSeed(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	seed := filepath.Join(t.TempDir(), "seed.json")
	require.NoError(t, os.WriteFile(seed, []byte(`{
  "ironlocal_seed": 1,
  "project_id": "`+testProject+`",
  "queues": [{"name": "jobs", "messages": [{"body": "job 1"}, {"body": "later", "delay": 3600}]}],
  "caches": [{"name": "config", "items": [{"key": "mode", "value": "test"}]}],
  "codes": [{"name": "hello", "image": "`+fixtureImage+`"}],
  "schedules": [{"code_name": "hello", "name": "nightly", "payload": "{\"message\":\"seeded schedule\"}",
                 "run_every": 86400, "start_at": "2030-01-01T00:00:00Z"}]
}`), 0o644))
	const token = "secret-token"
	c, _ := startIronlocal(ctx, t, tcironlocal.WithToken(token), tcironlocal.WithProject(testProject),
		tcironlocal.WithSeed(seed), tcironlocal.WithTaskSlots(1), tcironlocal.WithLogLevel("debug"))
	require.Equal(t, token, c.Token())
	require.Equal(t, testProject, c.ProjectID())
	base, err := c.APIURL(ctx)
	require.NoError(t, err)

	get := func(t *testing.T, tok, path string, out any) int {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "OAuth "+tok)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		if out != nil && resp.StatusCode == http.StatusOK {
			require.NoError(t, json.Unmarshal(b, out), "GET %s: %s", path, b)
		}
		return resp.StatusCode
	}

	t.Run("strict auth", func(t *testing.T) {
		require.Equal(t, http.StatusOK, get(t, token, "/3/projects/"+testProject+"/queues", nil))
		require.Equal(t, http.StatusUnauthorized, get(t, "wrong-token", "/3/projects/"+testProject+"/queues", nil))
		require.Equal(t, http.StatusNotFound, get(t, token, "/3/projects/ffffffffffffffffffffffff/queues", nil))
	})

	t.Run("the seed is loaded", func(t *testing.T) {
		var peek struct {
			Messages []wireMessage `json:"messages"`
		}
		require.Equal(t, http.StatusOK, get(t, token, "/3/projects/"+testProject+"/queues/jobs/messages?n=10", &peek))
		require.Len(t, peek.Messages, 1, "the delayed message is not visible yet")
		require.Equal(t, "job 1", peek.Messages[0].Body)
		var item struct {
			Value json.RawMessage `json:"value"`
		}
		require.Equal(t, http.StatusOK, get(t, token, "/1/projects/"+testProject+"/caches/config/items/mode", &item))
		require.JSONEq(t, `"test"`, string(item.Value))
	})

	t.Run("RunSchedule runs a seeded schedule now", func(t *testing.T) {
		var list struct {
			Schedules []struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"schedules"`
		}
		require.Equal(t, http.StatusOK, get(t, token, workerPath("/schedules"), &list))
		require.Len(t, list.Schedules, 1)
		taskID, err := c.RunSchedule(ctx, list.Schedules[0].ID)
		require.NoError(t, err)
		require.NoError(t, c.WaitIdle(ctx, time.Minute))
		log, err := c.TaskLog(ctx, taskID)
		require.NoError(t, err)
		require.Contains(t, log, "seeded schedule")
	})
}

// TestContainer_PersistentVolume: state in a named volume survives the
// container; the image's non-root user can write to a fresh volume.
func TestContainer_PersistentVolume(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	requireDockerEngine(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	volume := "ironlocal-it-" + hex.EncodeToString(b[:])
	cli := dockerClient(ctx, t)
	t.Cleanup(func() { // registered first: runs after the containers are gone
		if _, err := cli.VolumeRemove(context.Background(), volume, client.VolumeRemoveOptions{Force: true}); err != nil {
			t.Logf("remove volume %s: %v", volume, err)
		}
	})

	first, api := startIronlocal(ctx, t, tcironlocal.WithPersistentVolume(volume))
	_, status, err := api.postMessages(ctx, "durable", []string{"kept in a volume"})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, status)
	require.NoError(t, first.Terminate(ctx), "stop (SIGTERM: the store closes cleanly) and remove")

	_, api = startIronlocal(ctx, t, tcironlocal.WithPersistentVolume(volume))
	require.Equal(t, "kept in a volume", reserveOne(ctx, t, api, "durable"))
}
