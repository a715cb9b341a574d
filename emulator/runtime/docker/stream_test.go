package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/codezip"
	"github.com/ironlocal/ironlocal/internal/runtimetest"
)

// TestRuntime_Run_streamed: once an image run as root has a starter image,
// a new code's first task starts from it, its whole task archive streamed
// to the starter, and sees what a task copied its files sees.
func TestRuntime_Run_streamed(t *testing.T) {
	r := newRuntime(t, Options{})
	img := inspectorImage(t, r, "0")
	spec := func() emulator.TaskSpec {
		zip := runtimetest.Zip(t, map[string]string{"data.txt": "from the zip", "sub/more.txt": "nested"})
		zip = zipWithMode(t, zip, "run.sh", "#!/bin/sh\n", 0o755)
		zip = zipWithMode(t, zip, "sub/link", "../data.txt", 0o777|os.ModeSymlink)
		return emulator.TaskSpec{TaskID: "task-" + randomID(t), Image: img, IronArgs: true,
			Payload: []byte(`{"a":1}`), Config: []byte("key=value"), Env: map[string]string{"A": "b"},
			// The same files, and a code of its own: a warm image no
			// other task has.
			CodeZip: zipWith(t, zip, ".code", randomID(t)),
		}
	}
	view := func(r *Runtime, s emulator.TaskSpec) string {
		t.Helper()
		got := runTask(t, t.Context(), r, s)
		require.Equal(t, 0, got.res.ExitCode, "result %+v, stderr %q", got.res, got.stderr)
		require.Empty(t, got.stderr)
		require.Empty(t, containersOf(t, r, s.TaskID), "container removed")
		// What differs between two tasks is their id and their code's
		// marker file.
		out := strings.ReplaceAll(got.stdout, s.TaskID, "<id>")
		return strings.ReplaceAll(out, string(codeMarker(t, s)), "<code>")
	}

	first := spec()
	view(r, first)
	require.Zero(t, r.warm.streamed.Load(), "the image's first task is copied its files")
	r.warm.wg.Wait() // its starter image is built in the background
	info := mustImage(t, r, img)
	key, ok := starterKey(info)
	require.True(t, ok)
	_, ok = r.warmImage(t.Context(), key)
	require.True(t, ok, "starter image built")

	off := newRuntime(t, Options{WarmImages: -1})
	s := spec()
	copied := view(off, s)
	require.Zero(t, off.warm.streamed.Load()+off.warm.starts.Load(), "warm images off: copied")
	s.TaskID = "task-" + randomID(t)
	streamed := view(r, s)
	require.Equal(t, int64(1), r.warm.streamed.Load(), "a new code of the image streams its files")
	require.Equal(t, copied, streamed, "a streamed task sees what a copied one does")
	for _, want := range []string{
		`args: ["/inspect" "-d" "/mnt/task" "-payload" "/mnt/iron/payload.json" "-config" "/mnt/iron/config" "-id" "<id>"]`,
		`"A=b"`, "cwd: /mnt/task <nil>\n", "pid: 1 uid: 0 gid: 0\n",
		"/mnt: drwxr-xr-x 0:0 ", "/mnt/iron: drwxrwxrwx 0:0 ", "/mnt/task/sub: drwxrwxrwx 0:0 ",
		`/mnt/iron/payload.json: -rw-rw-rw- 0:0 size 7 mtime archive "{\"a\":1}"`,
		"/mnt/task/run.sh: -rwxrwxrwx 0:0 size 10 mtime archive",
		"/mnt/task/sub/link: Lrwxrwxrwx 0:0 size 11 mtime archive -> ../data.txt",
	} {
		require.Contains(t, streamed, want)
	}
	require.NotContains(t, streamed, ".start", "the starter removed itself")
	require.NotRegexp(t, `mtime [^a]`, streamed, "every entry has the archive's mtime, directories too")

	t.Run("a command that cannot exec is a start error", func(t *testing.T) {
		requireStarterExecError(t, r, spec(), &r.warm.streamed)
	})

	t.Run("a zip over the limits is a start error", func(t *testing.T) {
		limited := newRuntime(t, Options{CodeLimits: codezip.Limits{MaxBytes: 1 << 20, MaxEntries: 100}})
		for _, tc := range codeLimitCases(t) {
			t.Run(tc.name, func(t *testing.T) {
				s := emulator.TaskSpec{TaskID: "task-" + randomID(t), Image: img, CodeZip: tc.zip}
				got := runTask(t, t.Context(), limited, s)
				require.Equal(t, emulator.ExitResult{ExitCode: -1, StartError: tc.wantError}, got.res)
				require.Empty(t, got.stderr)
				require.Empty(t, containersOf(t, limited, s.TaskID), "container removed")
			})
		}
		require.Equal(t, int64(1), limited.warm.streamed.Load(),
			"the zip that lies about its sizes got past the check, into a streamed start")
	})

	t.Run("another runtime finds the starter image", func(t *testing.T) {
		r2 := newRuntime(t, Options{})
		s := spec()
		require.Equal(t, copied, view(r2, s))
		require.Equal(t, int64(1), r2.warm.streamed.Load())
	})

	t.Run("a starter image removed behind its back means a copy, then it is built again", func(t *testing.T) {
		_, err := r.cli.ImageRemove(t.Context(), warmRepo+":"+key, client.ImageRemoveOptions{Force: true})
		require.NoError(t, err)
		before := r.warm.streamed.Load()
		require.Equal(t, copied, view(r, spec()))
		require.Equal(t, before, r.warm.streamed.Load(), "copied")
		r.warm.wg.Wait()
		_, ok := r.warmImage(t.Context(), key)
		require.True(t, ok, "built again")
		view(r, spec())
		require.Equal(t, before+1, r.warm.streamed.Load(), "streamed again")
	})

	t.Run("a rebuilt image's task does not start from the old one's starter image", func(t *testing.T) {
		commitImage(t, r, img, img, nil, "LABEL rebuilt="+randomID(t))
		before := r.warm.streamed.Load()
		require.Equal(t, copied, view(r, spec()))
		require.Equal(t, before, r.warm.streamed.Load(), "copied")
		r.warm.wg.Wait()
		newKey, ok := starterKey(mustImage(t, r, img))
		require.True(t, ok)
		require.NotEqual(t, key, newKey)
		_, ok = r.warmImage(t.Context(), newKey)
		require.True(t, ok, "the new image's starter image is built")
	})
}

// TestRuntime_Run_users: a task of an image run as any user sees the same
// on a streamed and a warm start as when it is copied its files: the
// container runs as root, the starter extracts the files and switches to
// the image's user as the engine would. Images built FROM scratch, with
// and without /etc/passwd and /etc/group.
func TestRuntime_Run_users(t *testing.T) {
	etc := map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\n" +
			"app:x:1000:1000:app:/home/app:/bin/sh\n" +
			"alias:x:1000:1001::/home/alias:/bin/sh\n" + // the same uid: the first entry is the engine's
			"\n" +
			"nohome:x:2000:2000:::\n" +
			"dup:x:4000:4000::/home/dup:/bin/sh\n",
		"etc/group": "root:x:0:root\n" +
			"app:x:1000:\n" +
			"extra:x:2001:app,other\n" +
			"more:x:2002:other,app\n" +
			"wheel:x:10:root\n" +
			"other:x:3000:alias\n" +
			"dupgroup:x:4000:dup\n",
	}
	for _, tc := range []struct {
		name    string
		files   map[string]string
		changes []string
		env     map[string]string
		want    []string // lines the copied task prints
		// startError: the engine refuses to start it; the streamed and
		// warm starts must too.
		startError string
	}{
		{name: "no passwd, uid:gid", changes: []string{"USER 65534:65534"},
			want: []string{"uid: 65534 gid: 65534\n", "Groups: 65534\n", `"HOME=/"`}},
		{name: "no passwd, uid", changes: []string{"USER 4242"},
			want: []string{"uid: 4242 gid: 0\n", "Groups: 0\n", `"HOME=/"`}},
		{name: "name", files: etc, changes: []string{"USER app"},
			want: []string{"uid: 1000 gid: 1000\n", "Groups: 1000 2001 2002\n", `"HOME=/home/app"`}},
		{name: "name:group", files: etc, changes: []string{"USER app:extra"},
			want: []string{"uid: 1000 gid: 2001\n", "Groups: 2001\n", `"HOME=/home/app"`}},
		{name: "uid with an entry and groups", files: etc, changes: []string{"USER 1000"},
			want: []string{"uid: 1000 gid: 1000\n", "Groups: 1000 2001 2002\n", `"HOME=/home/app"`}},
		{name: "uid:gid without entries", files: etc, changes: []string{"USER 5000:6000"},
			want: []string{"uid: 5000 gid: 6000\n", "Groups: 6000\n", `"HOME=/"`}},
		{name: "name:gid", files: etc, changes: []string{"USER alias:2002"},
			want: []string{"uid: 1000 gid: 2002\n", "Groups: 2002\n", `"HOME=/home/app"`}},
		{name: "uid:group", files: etc, changes: []string{"USER 2000:extra"},
			want: []string{"uid: 2000 gid: 2001\n", "Groups: 2001\n", `"HOME="`}},
		{name: "HOME in the image's ENV", files: etc, changes: []string{"USER app", "ENV HOME=/custom"},
			want: []string{"uid: 1000 gid: 1000\n", `"HOME=/custom"`}},
		{name: "an empty HOME in the image's ENV", files: etc, changes: []string{"USER app", "ENV HOME="},
			want: []string{`"HOME=/home/app"`}},
		{name: "HOME in the task's env", files: etc, changes: []string{"USER app"}, env: map[string]string{"HOME": "/task"},
			want: []string{`"HOME=/task"`}},
		{name: "root with groups", files: etc, changes: []string{"USER root"},
			want: []string{"uid: 0 gid: 0\n", "Groups: 0 10\n", `"HOME=/root"`}},
		{name: "root:group", files: etc, changes: []string{"USER root:wheel"},
			want: []string{"uid: 0 gid: 10\n", "Groups: 10\n", `"HOME=/root"`}},
		{name: "a user listed in its own group", files: etc, changes: []string{"USER dup"},
			want: []string{"uid: 4000 gid: 4000\n", "Groups: 4000\n", `"HOME=/home/dup"`}},
		{name: "an unknown user", files: etc, changes: []string{"USER nosuch"},
			startError: "unable to find user nosuch: no matching entries in passwd file"},
		{name: "an unknown group", files: etc, changes: []string{"USER app:nosuch"},
			startError: "unable to find group nosuch: no matching entries in group file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Each case has its runtimes, image and codes to itself, and
			// spends its time waiting on the engine: the cases overlap.
			t.Parallel()
			r := newRuntime(t, Options{})
			img := inspectorImageWith(t, r, tc.files, tc.changes...)
			// Each spec is a code of its own (a warm image no other task
			// has): its .nonce differs.
			base := runtimetest.Zip(t, map[string]string{"data.txt": "x"})
			spec := func() emulator.TaskSpec {
				return emulator.TaskSpec{TaskID: "task-" + randomID(t), Image: img, IronArgs: true, Env: tc.env,
					Payload: []byte(`{"a":1}`), Config: []byte("k=v"), CodeZip: zipWith(t, base, ".nonce", randomID(t))}
			}
			// view is what the task printed, or its start error.
			view := func(r *Runtime, s emulator.TaskSpec) string {
				t.Helper()
				got := runTask(t, t.Context(), r, s)
				require.Empty(t, containersOf(t, r, s.TaskID), "container removed")
				require.Empty(t, got.stderr)
				if tc.startError != "" {
					require.Equal(t, -1, got.res.ExitCode, "result %+v, stdout %q", got.res, got.stdout)
					require.Contains(t, got.res.StartError, tc.startError)
					require.Empty(t, got.stdout)
					return "start error"
				}
				require.Equal(t, 0, got.res.ExitCode, "result %+v", got.res)
				out := strings.ReplaceAll(got.stdout, s.TaskID, "<id>")
				return nonce.ReplaceAllString(out, "$1<nonce>")
			}
			// startedFrom runs s until it starts from its warm or starter
			// image (counter counts those starts), built first from
			// build(s) (a start error builds none by itself). Other
			// packages' tests share the engine and may remove those images
			// meanwhile: the task then falls back to a copy, as it should,
			// and runs again.
			startedFrom := func(counter *atomic.Int64, s func() emulator.TaskSpec, build func(emulator.TaskSpec) emulator.TaskSpec) (string, emulator.TaskSpec) {
				t.Helper()
				for attempt := 1; ; attempt++ {
					next := s()
					r.warm.buildLater(r, build(next))
					r.warm.wg.Wait()
					before := counter.Load()
					if v := view(r, next); counter.Load() == before+1 {
						return v, next
					}
					require.Less(t, attempt, 3, "never started from its image")
				}
			}

			copied := view(newRuntime(t, Options{WarmImages: -1}), spec())
			for _, want := range tc.want {
				require.Contains(t, copied, want)
			}
			// Each try a new code, whose first task streams its files from
			// the starter image another code's build made.
			streamed, last := startedFrom(&r.warm.streamed, spec, func(emulator.TaskSpec) emulator.TaskSpec { return spec() })
			require.Equal(t, copied, streamed, "a streamed task sees what a copied one does")
			// The same code again: it has a warm image.
			warm, _ := startedFrom(&r.warm.starts, func() emulator.TaskSpec {
				again := last
				again.TaskID = "task-" + randomID(t)
				return again
			}, func(s emulator.TaskSpec) emulator.TaskSpec { return s })
			require.Equal(t, withoutPayloadTimes(copied), withoutPayloadTimes(warm), "a warm task sees what a copied one does")
		})
	}
}

// nonce is the line of the file that gives each code of
// TestRuntime_Run_users a warm image of its own.
var nonce = regexp.MustCompile(`(?m)^(/mnt/task/\.nonce: .* size \d+ mtime archive ).*$`)

// payloadTimes are the mtimes a warm start gives: /mnt/iron's and the
// payload's are when the payload was written, not the archive's.
var payloadTimes = regexp.MustCompile(`(?m)^(/mnt/iron(?:/payload\.json)?: \S+ \S+ size \d+ mtime) \S+`)

func withoutPayloadTimes(view string) string {
	return payloadTimes.ReplaceAllString(view, "$1 <payload>")
}

// requireStarterExecError runs s with a command that does not exist and
// checks that it is the task's start error, from the starter of a start
// that started counts.
func requireStarterExecError(t *testing.T, r *Runtime, s emulator.TaskSpec, started *atomic.Int64) {
	t.Helper()
	s.Command = []string{"/no-such-program"}
	before := started.Load()
	got := runTask(t, t.Context(), r, s)
	require.Equal(t, before+1, started.Load())
	require.Equal(t, -1, got.res.ExitCode, "result %+v", got.res)
	require.Contains(t, got.res.StartError, "start container")
	require.Contains(t, got.res.StartError, `"/no-such-program"`)
	require.Empty(t, got.stderr, "the starter's line is not the task's output")
}

func TestRunsAsRoot(t *testing.T) {
	for user, want := range map[string]bool{"": true, "root": true, "0": true, "0:0": true,
		"65534": false, "nobody": false, "0:1": false, "1000:0": false, "root:wheel": false} {
		require.Equal(t, want, runsAsRoot(imageInfo{user: user}), "user %q", user)
	}
}

// codeMarker is the content of the marker file that gives each code of
// TestRuntime_Run_streamed a warm image of its own.
func codeMarker(t *testing.T, s emulator.TaskSpec) []byte {
	t.Helper()
	var found []byte
	err := codezip.Walk(s.CodeZip, codezip.Limits{}, func(e codezip.Entry) error {
		if e.Name != ".code" {
			return nil
		}
		var buf bytes.Buffer
		if err := copyEntry(&buf, e); err != nil {
			return err
		}
		found = buf.Bytes()
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, found)
	return found
}

var inspector struct {
	once sync.Once
	bin  []byte
	err  error
}

// inspectorImage returns an image that runs testdata/inspect as user:
// the fixture image plus the inspector, built for the engine's platform.
// Its warm and starter images are removed with it when the test ends.
func inspectorImage(t *testing.T, r *Runtime, user string) string {
	t.Helper()
	return inspectorImageWith(t, r, nil, "USER "+user)
}

// inspectorImageWith is inspectorImage with files of its own (name →
// content) and changes (Dockerfile instructions) instead of a user. The
// fixture image is built FROM scratch: it has no /etc.
func inspectorImageWith(t *testing.T, r *Runtime, files map[string]string, changes ...string) string {
	t.Helper()
	base := mustImage(t, r, fixtureImage)
	inspector.once.Do(func() {
		dir, err := os.MkdirTemp("", "ironlocal-inspect-")
		if err != nil {
			inspector.err = err
			return
		}
		defer os.RemoveAll(dir)
		bin := filepath.Join(dir, "inspect")
		cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", bin, "./testdata/inspect")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+base.os, "GOARCH="+base.arch)
		if out, err := cmd.CombinedOutput(); err != nil {
			inspector.err = &buildError{err: err, out: string(out)}
			return
		}
		inspector.bin, inspector.err = os.ReadFile(bin)
	})
	require.NoError(t, inspector.err)

	ref := "ironlocal/test-inspect-" + randomID(t) + ":latest"
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "inspect", Mode: 0o755, Size: int64(len(inspector.bin))}))
	_, err := tw.Write(inspector.bin)
	require.NoError(t, err)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if dir := path.Dir(name); dir != "." {
			require.NoError(t, tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: dir + "/", Mode: 0o755}))
		}
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(files[name]))}))
		_, err := tw.Write([]byte(files[name]))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	commitImage(t, r, fixtureImage, ref, &buf, append(changes, `ENTRYPOINT ["/inspect"]`)...)
	id := mustImage(t, r, ref).id
	t.Cleanup(func() {
		r.warm.wg.Wait()
		removeImageTree(t, r, id)
	})
	return ref
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string {
	return "go build testdata/inspect: " + e.err.Error() + ": " + e.out
}

// commitImage tags as ref an image committed from a container of from,
// with the files of the tar files (when not nil) and changes (Dockerfile
// instructions).
func commitImage(t *testing.T, r *Runtime, from, ref string, files io.Reader, changes ...string) {
	t.Helper()
	c, err := r.cli.ContainerCreate(t.Context(), client.ContainerCreateOptions{
		Config: &container.Config{Image: from, Labels: map[string]string{LabelInstance: r.instance}}})
	require.NoError(t, err)
	defer r.remove(context.Background(), c.ID, "")
	if files != nil {
		_, err = r.cli.CopyToContainer(t.Context(), c.ID, client.CopyToContainerOptions{DestinationPath: "/", Content: files})
		require.NoError(t, err)
	}
	_, err = r.cli.ContainerCommit(t.Context(), c.ID, client.ContainerCommitOptions{Reference: ref, Changes: changes})
	require.NoError(t, err)
}

// removeImageTree removes image id and every image committed onto it
// (warm and starter images, a rebuild of it), children first.
func removeImageTree(t *testing.T, r *Runtime, id string) {
	t.Helper()
	ctx := context.Background()
	list, err := r.cli.ImageList(ctx, client.ImageListOptions{All: true})
	require.NoError(t, err)
	children := map[string][]string{}
	for _, img := range list.Items {
		children[img.ParentID] = append(children[img.ParentID], img.ID)
	}
	var remove func(id string)
	remove = func(id string) {
		for _, child := range children[id] {
			remove(child)
		}
		_, err := r.cli.ImageRemove(ctx, id, client.ImageRemoveOptions{Force: true})
		if !cerrdefs.IsNotFound(err) {
			require.NoError(t, err)
		}
	}
	remove(id)
}
