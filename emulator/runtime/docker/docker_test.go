package docker

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"log/slog"
	"runtime"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/codezip"
	"github.com/ironlocal/ironlocal/internal/dockertest"
	"github.com/ironlocal/ironlocal/internal/runtimetest"
)

// fixtureImage is built from fixtures/worker once per test binary.
const fixtureImage = dockertest.FixtureImage

// newRuntime returns a Runtime with an instance id of its own, so leftovers
// of this test never touch other users of the engine. Without an engine the
// test is skipped, or fails when IRONLOCAL_REQUIRE_DOCKER=1.
func newRuntime(t *testing.T, opts Options) *Runtime {
	t.Helper()
	dockertest.Client(t)

	opts.Instance = "test-" + randomID(t)
	opts.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	r, err := New(opts)
	require.NoError(t, err)
	t.Cleanup(func() {
		r.warm.stop() // a warm image build still running is no leftover
		n, err := r.ReapLeftovers(context.Background())
		if err != nil || n != 0 {
			t.Errorf("leftover containers after the test: %d (%v)", n, err)
		}
		require.NoError(t, r.Close(context.Background()))
	})
	return r
}

func randomID(t *testing.T) string {
	b := make([]byte, 6)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

type result struct {
	res            emulator.ExitResult
	stdout, stderr string
}

func runTask(t *testing.T, ctx context.Context, r *Runtime, spec emulator.TaskSpec) result {
	t.Helper()
	stdout, stderr := runtimetest.NewBuffer(""), runtimetest.NewBuffer("")
	res, err := r.Run(ctx, spec, emulator.Output{Stdout: stdout, Stderr: stderr})
	require.NoError(t, err)
	return result{res, stdout.String(), stderr.String()}
}

// containersOf lists the containers, running or not, of one task.
func containersOf(t *testing.T, r *Runtime, taskID string) []container.Summary {
	t.Helper()
	list, err := r.cli.ContainerList(t.Context(), client.ContainerListOptions{
		All:     true,
		Filters: make(client.Filters).Add("label", LabelTask+"="+taskID),
	})
	require.NoError(t, err)
	return list.Items
}

func TestRuntime_Run(t *testing.T) {
	r := newRuntime(t, Options{Labels: map[string]string{"org.example.session": "s1"}})
	task := func(payload string) emulator.TaskSpec {
		return emulator.TaskSpec{TaskID: "task-" + randomID(t), Image: fixtureImage, Payload: []byte(payload)}
	}

	t.Run("complete with stdout", func(t *testing.T) {
		spec := task(`{"message":"hi"}`)
		got := runTask(t, t.Context(), r, spec)
		require.Equal(t, emulator.ExitResult{}, got.res)
		require.Equal(t, "hello from task "+spec.TaskID+"\nhi\n", got.stdout)
		require.Empty(t, containersOf(t, r, spec.TaskID), "container removed")
	})

	t.Run("stderr captured", func(t *testing.T) {
		got := runTask(t, t.Context(), r, task(`{"stderr":"oops"}`))
		require.Equal(t, 0, got.res.ExitCode)
		require.Equal(t, "oops\n", got.stderr)
	})

	t.Run("non-zero exit", func(t *testing.T) {
		got := runTask(t, t.Context(), r, task(`{"exit":7}`))
		require.Equal(t, emulator.ExitResult{ExitCode: 7}, got.res)
	})

	t.Run("timeout kills and removes the container", func(t *testing.T) {
		spec := task(`{"sleep_ms":120000}`)
		spec.Timeout = time.Second
		got := runTask(t, t.Context(), r, spec)
		require.True(t, got.res.TimedOut, "result %+v", got.res)
		require.False(t, got.res.Stopped)
		require.Equal(t, 137, got.res.ExitCode)
		require.Empty(t, containersOf(t, r, spec.TaskID), "container removed")
	})

	t.Run("ctx cancel stops the task", func(t *testing.T) {
		spec := task(`{"sleep_ms":120000}`)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		stdout := runtimetest.NewBuffer("hello from task")
		done := make(chan emulator.ExitResult, 1)
		go func() {
			res, err := r.Run(ctx, spec, emulator.Output{Stdout: stdout})
			if err != nil {
				t.Errorf("run: %v", err)
			}
			done <- res
		}()
		<-stdout.Seen
		cancel()
		res := <-done
		require.True(t, res.Stopped, "result %+v", res)
		require.False(t, res.TimedOut)
		require.Empty(t, containersOf(t, r, spec.TaskID), "container removed")
	})

	t.Run("missing image", func(t *testing.T) {
		// Pulled like docker run; here no registry answers, and the
		// task's error says which image and what the pull met.
		spec := task(`{}`)
		spec.Image = "ironlocal/no-such-image:never"
		got := runTask(t, t.Context(), r, spec)
		require.Equal(t, -1, got.res.ExitCode)
		require.Contains(t, got.res.StartError, `pull image "ironlocal/no-such-image:never": `)
		require.Contains(t, got.stderr, "ironlocal: pulling image ironlocal/no-such-image:never (anonymously)")

		// With pulls off, the engine is not asked.
		offline := newRuntime(t, Options{Pull: PullNever})
		got = runTask(t, t.Context(), offline, spec)
		require.Equal(t, -1, got.res.ExitCode)
		require.Contains(t, got.res.StartError, `"ironlocal/no-such-image:never" not found locally and --pull never forbids pulling it`)
		require.Empty(t, got.stderr)
	})

	t.Run("shell command line needs a shell", func(t *testing.T) {
		spec := task(`{}`)
		spec.Command = []string{"echo from a shell"} // the scratch image has no sh
		got := runTask(t, t.Context(), r, spec)
		require.Equal(t, -1, got.res.ExitCode)
		require.Contains(t, got.res.StartError, "start container")
		require.Empty(t, containersOf(t, r, spec.TaskID), "container removed")
	})

	t.Run("files visible and task dir writable", func(t *testing.T) {
		spec := task(`{"print_files":["/mnt/iron/payload.json","/mnt/iron/config","data.txt","sub/more.txt"],"write_file":"sub/new.txt"}`)
		spec.Config = []byte("key=value")
		spec.CodeZip = runtimetest.Zip(t, map[string]string{"data.txt": "from the zip", "sub/more.txt": "nested"})
		got := runTask(t, t.Context(), r, spec)
		require.Equal(t, 0, got.res.ExitCode, "result %+v, stderr %q", got.res, got.stderr)
		require.Contains(t, got.stdout, "file /mnt/iron/payload.json: "+string(spec.Payload)+"\n")
		require.Contains(t, got.stdout, "file /mnt/iron/config: key=value\n")
		require.Contains(t, got.stdout, "file data.txt: from the zip\n", "code extracted into the working dir")
		require.Contains(t, got.stdout, "file sub/more.txt: nested\n")
	})

	t.Run("iron args", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			command []string
		}{
			{name: "image entrypoint", command: nil},
			{name: "command", command: []string{"/worker"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				spec := task(`{"print_args":true}`)
				spec.Command = tc.command
				spec.IronArgs = true
				got := runTask(t, t.Context(), r, spec)
				require.Equal(t, 0, got.res.ExitCode, "result %+v, stderr %q", got.res, got.stderr)
				require.Contains(t, got.stdout, "args: -d /mnt/task -payload /mnt/iron/payload.json -config /mnt/iron/config -id "+spec.TaskID+"\n")
			})
		}
	})

	t.Run("command replaces the entrypoint", func(t *testing.T) {
		spec := task(`{}`)
		spec.Command = []string{"/worker", "-id", "from-command"}
		got := runTask(t, t.Context(), r, spec)
		require.Equal(t, 0, got.res.ExitCode, "result %+v, stderr %q", got.res, got.stderr)
		require.Equal(t, "hello from task from-command\n", got.stdout)
	})

	t.Run("labels and limits set", func(t *testing.T) {
		spec := task(`{"sleep_ms":120000}`)
		spec.Labels = map[string]string{"org.example.code": "c1", LabelInstance: "spoofed"}
		spec.MemoryMB = 64
		spec.CPUs = 0.5
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		stdout := runtimetest.NewBuffer("hello from task")
		done := make(chan emulator.ExitResult, 1)
		go func() {
			res, err := r.Run(ctx, spec, emulator.Output{Stdout: stdout})
			if err != nil {
				t.Errorf("run: %v", err)
			}
			done <- res
		}()
		defer func() { cancel(); <-done }()
		<-stdout.Seen

		list := containersOf(t, r, spec.TaskID)
		require.Len(t, list, 1)
		labels := list[0].Labels
		require.Equal(t, r.instance, labels[LabelInstance], "our label wins")
		require.Equal(t, spec.TaskID, labels[LabelTask])
		require.Equal(t, fixtureImage, labels[LabelImage])
		require.Equal(t, "s1", labels["org.example.session"], "caller label")
		require.Equal(t, "c1", labels["org.example.code"], "task label")

		ins, err := r.cli.ContainerInspect(t.Context(), list[0].ID, client.ContainerInspectOptions{})
		require.NoError(t, err)
		host := ins.Container.HostConfig
		require.Equal(t, container.NetworkMode("host"), host.NetworkMode)
		require.Equal(t, int64(64<<20), host.Memory)
		require.Equal(t, int64(5e8), host.NanoCPUs)
		require.False(t, host.Privileged)
		require.Empty(t, ins.Container.Mounts)
	})
}

// codeLimitCase is a zip over the limits of a runtime with
// codezip.Limits{MaxBytes: 1 << 20, MaxEntries: 100}, and the start error
// its task gets.
type codeLimitCase struct {
	name      string
	zip       []byte
	wantError string
}

func codeLimitCases(t *testing.T) []codeLimitCase {
	return []codeLimitCase{
		{name: "declared sizes over the limit", zip: runtimetest.ZeroZip(t, "zeros.bin", 2<<20),
			wantError: "extract code zip: the zip's files add up to 2 MiB, over the 1 MiB limit (--max-code-bytes)"},
		{name: "too many entries", zip: runtimetest.ManyEntriesZip(t, 101),
			wantError: "extract code zip: the zip has 101 entries, over the limit of 100 (--max-code-entries)"},
		{name: "entry larger than its declared size", zip: runtimetest.LyingZip(t, "bomb.bin", 32<<20, 1024),
			wantError: `extract code zip: entry "bomb.bin": holds more data than the 1024 bytes the zip declares for it`},
	}
}

func TestRuntime_Run_codeLimits(t *testing.T) {
	r := newRuntime(t, Options{CodeLimits: codezip.Limits{MaxBytes: 1 << 20, MaxEntries: 100}})
	for _, tc := range codeLimitCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			spec := emulator.TaskSpec{TaskID: "task-" + randomID(t), Image: fixtureImage, CodeZip: tc.zip}
			got := runTask(t, t.Context(), r, spec)
			require.Equal(t, emulator.ExitResult{ExitCode: -1, StartError: tc.wantError}, got.res)
			require.Empty(t, containersOf(t, r, spec.TaskID), "container removed")
		})
	}
}

// The task archive streams into the container: a zip that extracts to
// 64 MiB costs the emulator a fraction of that in memory (it was built in
// memory whole, 1.7 GiB allocated for a 510 KB zip).
func TestRuntime_Run_streamsCode(t *testing.T) {
	r := newRuntime(t, Options{})
	spec := emulator.TaskSpec{TaskID: "task-" + randomID(t), Image: fixtureImage,
		Payload: []byte(`{"print_files":["small.txt"]}`),
		CodeZip: zipWith(t, runtimetest.ZeroZip(t, "zeros.bin", 64<<20), "small.txt", "after the big one")}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	got := runTask(t, t.Context(), r, spec)
	runtime.ReadMemStats(&after)
	require.Equal(t, 0, got.res.ExitCode, "result %+v, stderr %q", got.res, got.stderr)
	require.Contains(t, got.stdout, "file small.txt: after the big one\n")
	allocated := after.TotalAlloc - before.TotalAlloc
	require.Less(t, allocated, uint64(24<<20), "running the task allocated %d bytes", allocated)
}

// zipWith returns data (a zip) with one more entry.
func zipWith(t *testing.T, data []byte, name, body string) []byte {
	return zipWithMode(t, data, name, body, 0o644)
}

// zipWithMode returns data (a zip) with one more entry of the given mode
// (a symlink's body is its target).
func zipWithMode(t *testing.T, data []byte, name, body string, mode fs.FileMode) []byte {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		require.NoError(t, zw.Copy(f))
	}
	h := &zip.FileHeader{Name: name, Method: zip.Deflate}
	h.SetMode(mode)
	w, err := zw.CreateHeader(h)
	require.NoError(t, err)
	_, err = w.Write([]byte(body))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func TestRuntime_ReapLeftovers(t *testing.T) {
	r := newRuntime(t, Options{})
	ctx := t.Context()
	_, err := r.cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Image:  fixtureImage,
		Config: &container.Config{Labels: map[string]string{LabelInstance: r.instance, LabelTask: "leftover"}},
	})
	require.NoError(t, err)
	other, err := r.cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Image:  fixtureImage,
		Config: &container.Config{Labels: map[string]string{LabelInstance: r.instance + "-other", LabelTask: "not-ours"}},
	})
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = r.cli.ContainerRemove(context.Background(), other.ID, client.ContainerRemoveOptions{Force: true})
	})

	// An unfinished warm image build of this instance, and a task
	// container of another instance created from a warm image (its build
	// label blanked).
	build, err := r.cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Image:  fixtureImage,
		Config: &container.Config{Labels: map[string]string{labelWarmBuild: r.instance, LabelWarm: "k"}},
	})
	require.NoError(t, err)
	fromWarm, err := r.cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Image:  fixtureImage,
		Config: &container.Config{Labels: map[string]string{labelWarmBuild: "", LabelWarm: "k", LabelInstance: "elsewhere", LabelTask: "warm-elsewhere"}},
	})
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = r.cli.ContainerRemove(context.Background(), fromWarm.ID, client.ContainerRemoveOptions{Force: true})
	})

	n, err := r.ReapLeftovers(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n, "task containers are counted, builds are not")
	require.Empty(t, containersOf(t, r, "leftover"))
	require.Len(t, containersOf(t, r, "not-ours"), 1, "another instance's container is left alone")
	require.Len(t, containersOf(t, r, "warm-elsewhere"), 1, "a task started warm is no build")
	_, err = r.cli.ContainerInspect(ctx, build.ID, client.ContainerInspectOptions{})
	require.True(t, cerrdefs.IsNotFound(err), "the unfinished build is removed: %v", err)
}

func TestNew(t *testing.T) {
	t.Run("instance required", func(t *testing.T) {
		_, err := New(Options{})
		require.ErrorIs(t, err, emulator.ErrInvalid)
	})
}

// A container is created with the image's cmd seen last while the image is
// inspected again; when the tag has moved to an image with another cmd
// meanwhile, the task must still run with the new one.
func TestRuntime_Run_imageCmdChanged(t *testing.T) {
	r := newRuntime(t, Options{})
	ref := "ironlocal/test-cmd-" + randomID(t) + ":latest"
	tagWithCmd := func(cmd string) {
		t.Helper()
		commitImage(t, r, fixtureImage, ref, nil, cmd)
	}
	t.Cleanup(func() {
		_, _ = r.cli.ImageRemove(context.Background(), ref, client.ImageRemoveOptions{Force: true})
	})
	run := func() string {
		spec := emulator.TaskSpec{TaskID: "task-" + randomID(t), Image: ref, Payload: []byte(`{"print_args":true}`), IronArgs: true}
		got := runTask(t, t.Context(), r, spec)
		require.Equal(t, 0, got.res.ExitCode, "result %+v, stderr %q", got.res, got.stderr)
		return got.stdout
	}

	tagWithCmd(`CMD ["-id", "first"]`)
	require.Contains(t, run(), "args: -id first -d /mnt/task")
	require.Contains(t, run(), "args: -id first -d /mnt/task", "the remembered cmd, confirmed")
	tagWithCmd(`CMD ["-id", "second"]`)
	require.Contains(t, run(), "args: -id second -d /mnt/task", "the tag moved: the new image's cmd")
}
