package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/codezip"
	"github.com/ironlocal/ironlocal/internal/runtimetest"
)

// TestStarter_fresh fails when the starter's source changed and the
// starters were not rebuilt: make starter stamps each with the SHA-256 of
// its .go files (tests aside) in name order.
func TestStarter_fresh(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("starter", "*.go"))
	require.NoError(t, err)
	slices.Sort(files)
	h := sha256.New()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		h.Write(src)
	}
	sum := h.Sum(nil)
	for _, arch := range []string{"amd64", "arm64"} {
		gz, err := os.ReadFile(filepath.Join("starter", "bin", "start-linux-"+arch+".gz"))
		require.NoError(t, err, "run make starter")
		bin, err := gunzip(gz)
		require.NoError(t, err)
		require.True(t, bytes.Contains(bin, []byte(hex.EncodeToString(sum))),
			"the %s starter was built from other sources: run make starter", arch)
	}
	needStarter(t) // this build's starter is embedded and whole
}

// TestStarter_protocol runs the embedded starter of this machine's
// architecture as a task container's entrypoint would run it, with a
// directory of its own as the root it extracts the tar on stdin under.
func TestStarter_protocol(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skipf("the starter is a Linux program; this is %s", runtime.GOOS)
	}
	st := needStarter(t)
	var pid int // of the last start
	start := func(t *testing.T, root string, archive []byte, argv ...string) (stdout, stderr string, code int) {
		t.Helper()
		// Where a starter image has it.
		bin := filepath.Join(root, starterPath)
		require.NoError(t, os.MkdirAll(filepath.Dir(bin), 0o777))
		require.NoError(t, os.WriteFile(bin, st.bin, 0o755))
		cmd := exec.Command(bin, append([]string{root}, argv...)...)
		cmd.Stdin = bytes.NewReader(archive)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		pid = cmd.Process.Pid
		var exit *exec.ExitError
		if err != nil {
			require.ErrorAs(t, err, &exit)
			code = exit.ExitCode()
		}
		return out.String(), errOut.String(), code
	}
	taskArchive := func(t *testing.T, spec emulator.TaskSpec) []byte {
		t.Helper()
		var buf bytes.Buffer
		require.NoError(t, writeTaskArchive(&buf, spec, codezip.Limits{}.OrDefaults()))
		return buf.Bytes()
	}

	t.Run("extracts the task archive, gives stdin /dev/null, removes itself, execs", func(t *testing.T) {
		root := t.TempDir()
		spec := emulator.TaskSpec{Payload: []byte(`{"a":1}`), Config: []byte("k=v"),
			CodeZip: runtimetest.Zip(t, map[string]string{"data.txt": "data", "sub/deeper/more.txt": "more"})}
		archive := taskArchive(t, spec)
		stdout, stderr, code := start(t, root, archive, "sh", "-c",
			`cat "$0"/mnt/iron/payload.json; echo; cat; test -e "$0"/mnt/iron/.start && echo present || echo removed; echo "$$"`, root)
		require.Equal(t, 0, code, "stderr %q", stderr)
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		require.Len(t, lines, 3, "stdout %q", stdout)
		require.Equal(t, `{"a":1}`, lines[0])
		require.Equal(t, "removed", lines[1], "stdin read nothing, the starter is gone")
		require.Equal(t, strconv.Itoa(pid), lines[2], "the command replaced the starter")
		requireExtracted(t, root, archive)
	})

	t.Run("the payload archive of a warm start", func(t *testing.T) {
		root := t.TempDir()
		var buf bytes.Buffer
		require.NoError(t, writePayloadArchive(&buf, []byte("p")))
		_, stderr, code := start(t, root, buf.Bytes(), "true")
		require.Equal(t, 0, code, "stderr %q", stderr)
		requireExtracted(t, root, buf.Bytes())
	})

	t.Run("symlinks, executables and a replaced entry as the engine's copy makes them", func(t *testing.T) {
		root := t.TempDir()
		zip := runtimetest.Zip(t, map[string]string{"a.txt": "first"})
		zip = zipWith(t, zip, "a.txt", "second") // a later entry of the same name wins
		zip = zipWithMode(t, zip, "run.sh", "#!/bin/sh\n", 0o755)
		zip = zipWithMode(t, zip, "link", "/etc/hostname", fs.ModeSymlink|0o777)
		archive := taskArchive(t, emulator.TaskSpec{CodeZip: zip})
		_, stderr, code := start(t, root, archive, "true")
		require.Equal(t, 0, code, "stderr %q", stderr)
		requireExtracted(t, root, archive)
		body, err := os.ReadFile(filepath.Join(root, TaskDir, "a.txt"))
		require.NoError(t, err)
		require.Equal(t, "second", string(body))
	})

	t.Run("refuses", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			entries func(outside string) []tarEntry
			reason  string
		}{
			{name: "a parent path", entries: func(string) []tarEntry {
				return []tarEntry{{name: "../escaped", body: "x"}}
			}, reason: `entry "../escaped": refused: outside /mnt`},
			{name: "a path climbing out of mnt", entries: func(string) []tarEntry {
				return []tarEntry{{name: "mnt/../escaped", body: "x"}}
			}, reason: `entry "mnt/../escaped": refused: outside /mnt`},
			{name: "an absolute path", entries: func(outside string) []tarEntry {
				return []tarEntry{{name: outside + "/escaped", body: "x"}}
			}, reason: "refused: outside /mnt"},
			{name: "a path outside mnt", entries: func(string) []tarEntry {
				return []tarEntry{{name: "etc/escaped", body: "x"}}
			}, reason: `entry "etc/escaped": refused: outside /mnt`},
			{name: "a path through a symlink", entries: func(outside string) []tarEntry {
				return []tarEntry{{name: "mnt/", dir: true}, {name: "mnt/out", link: outside}, {name: "mnt/out/escaped", body: "x"}}
			}, reason: `entry "mnt/out/escaped": refused: its directory`},
			{name: "a hard link", entries: func(outside string) []tarEntry {
				return []tarEntry{{name: "mnt/", dir: true}, {name: "mnt/hard", hardlink: outside + "/target"}}
			}, reason: `entry "mnt/hard": refused: only directories, files and symlinks are extracted`},
			{name: "an archive without its end", entries: func(string) []tarEntry {
				return []tarEntry{{name: "mnt/", dir: true}, {name: "mnt/file", body: "x"}, {truncate: true}}
			}, reason: "the archive ended early"},
			{name: "an archive cut in an entry", entries: func(string) []tarEntry {
				return []tarEntry{{name: "mnt/", dir: true}, {name: "mnt/file", body: strings.Repeat("x", 2000)}, {truncate: true, cut: 1000}}
			}, reason: "unexpected EOF"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				root, outside := t.TempDir(), t.TempDir()
				require.NoError(t, os.WriteFile(filepath.Join(outside, "target"), []byte("t"), 0o644))
				ran := filepath.Join(outside, "ran")
				_, stderr, code := start(t, root, rawTar(t, tc.entries(outside)), "touch", ran)
				require.Equal(t, 127, code)
				require.True(t, strings.HasPrefix(stderr, starterMarker+"extract the task files: "), "stderr %q", stderr)
				require.Contains(t, stderr, tc.reason)
				require.NoFileExists(t, ran, "the command did not run")
				for _, p := range []string{filepath.Join(outside, "escaped"), filepath.Join(filepath.Dir(root), "escaped"), filepath.Join(root, "escaped")} {
					require.NoFileExists(t, p)
				}
			})
		}
	})

	t.Run("command not found", func(t *testing.T) {
		_, stderr, code := start(t, t.TempDir(), rawTar(t, nil), "no-such-command-here")
		require.Equal(t, 127, code)
		require.Equal(t, starterMarker+`exec: "no-such-command-here": executable file not found in $PATH`+"\n", stderr)
	})

	t.Run("no command", func(t *testing.T) {
		dir := t.TempDir()
		bin := filepath.Join(dir, ".start")
		require.NoError(t, os.WriteFile(bin, st.bin, 0o755))
		var errOut bytes.Buffer
		cmd := exec.Command(bin, dir)
		cmd.Stderr = &errOut
		require.Error(t, cmd.Run())
		require.Equal(t, starterMarker+"no command specified\n", errOut.String())
	})
}

// requireExtracted checks that every entry of archive is under root as the
// engine's copy makes it: type, mode, owner (the test's user), content or
// link target, and mtime, directories' included.
func requireExtracted(t *testing.T, root string, archive []byte) {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(archive))
	want := map[string]*tar.Header{} // a later entry of a name replaces an earlier one
	bodies := map[string][]byte{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		body, err := io.ReadAll(tr)
		require.NoError(t, err)
		want[path.Clean(h.Name)], bodies[path.Clean(h.Name)] = h, body
	}
	require.NotEmpty(t, want)
	for name, h := range want {
		p := filepath.Join(root, name)
		fi, err := os.Lstat(p)
		require.NoError(t, err, name)
		require.Equal(t, h.FileInfo().Mode(), fi.Mode(), name)
		require.True(t, h.ModTime.Equal(fi.ModTime()), "%s: mtime %v, want %v", name, fi.ModTime(), h.ModTime)
		st := fi.Sys().(*syscall.Stat_t)
		require.Equal(t, []int{os.Getuid(), os.Getgid()}, []int{int(st.Uid), int(st.Gid)}, name)
		switch h.Typeflag {
		case tar.TypeReg:
			body, err := os.ReadFile(p)
			require.NoError(t, err)
			require.Equal(t, bodies[name], body, name)
		case tar.TypeSymlink:
			target, err := os.Readlink(p)
			require.NoError(t, err)
			require.Equal(t, h.Linkname, target, name)
		}
	}
}

// tarEntry is one entry of rawTar: a directory, a file, a symlink, a hard
// link, or (truncate) the end of the archive: its end marker left out and
// cut more bytes cut off.
type tarEntry struct {
	name, body, link, hardlink string
	dir, truncate              bool
	cut                        int
}

func rawTar(t *testing.T, entries []tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mtime := time.Unix(1700000000, 0)
	for _, e := range entries {
		if e.truncate {
			require.NoError(t, tw.Flush())
			return buf.Bytes()[:buf.Len()-e.cut]
		}
		h := &tar.Header{Name: e.name, Mode: 0o644, ModTime: mtime, Typeflag: tar.TypeReg, Size: int64(len(e.body))}
		switch {
		case e.dir:
			h.Typeflag, h.Mode = tar.TypeDir, 0o777
		case e.link != "":
			h.Typeflag, h.Linkname = tar.TypeSymlink, e.link
		case e.hardlink != "":
			h.Typeflag, h.Linkname = tar.TypeLink, e.hardlink
		}
		require.NoError(t, tw.WriteHeader(h))
		_, err := tw.Write([]byte(e.body))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	return buf.Bytes()
}

func TestStarterWatch(t *testing.T) {
	for _, tc := range []struct {
		name, reason, passed string
		writes               []string
		starterLine          bool
	}{
		{name: "task output", writes: []string{"oops\n", "more"}, passed: "oops\nmore"},
		{name: "task output starting with NUL", writes: []string{"\x00", "abc"}, passed: "\x00abc"},
		{name: "short task output", writes: []string{"\x00iron"}, passed: "\x00iron"},
		{name: "starter line in pieces", writes: []string{"\x00ironlocal", "-starter\x00exec: x", ": not found\n"},
			starterLine: true, reason: "exec: x: not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := &starterWatch{w: &buf}
			for _, s := range tc.writes {
				n, err := w.Write([]byte(s))
				require.NoError(t, err)
				require.Equal(t, len(s), n)
			}
			reason, ok := w.reason()
			require.Equal(t, tc.starterLine, ok)
			require.Equal(t, tc.reason, reason)
			if !ok {
				w.flush()
			}
			require.Equal(t, tc.passed, buf.String())
		})
	}
}

// TestRuntime_Run_warm: after a code's first task (cold), the next start
// from its warm image and see the same files, arguments and payload.
func TestRuntime_Run_warm(t *testing.T) {
	r := newRuntime(t, Options{})
	spec := func(payload string) emulator.TaskSpec {
		return emulator.TaskSpec{TaskID: "task-" + randomID(t), Image: fixtureImage, IronArgs: true,
			Payload: []byte(payload), Config: []byte("key=value"),
			// A zip of its own: a key no other test has built.
			CodeZip: runtimetest.Zip(t, map[string]string{"data.txt": "from the zip " + randomID(t), "sub/more.txt": "nested"}),
		}
	}
	first := spec(`{"print_args":true,"print_files":["/mnt/iron/payload.json","/mnt/iron/config","data.txt","sub/more.txt"],"write_file":"sub/new.txt"}`)
	t.Cleanup(func() { removeWarmImage(t, r, first) })
	view := func(s emulator.TaskSpec) string {
		t.Helper()
		got := runTask(t, t.Context(), r, s)
		require.Equal(t, 0, got.res.ExitCode, "result %+v, stderr %q", got.res, got.stderr)
		require.Empty(t, got.stderr)
		require.Empty(t, containersOf(t, r, s.TaskID), "container removed")
		// What differs between two tasks is their id.
		return strings.ReplaceAll(got.stdout, s.TaskID, "<id>")
	}

	cold := view(first)
	require.Zero(t, r.warm.starts.Load(), "the code's first task starts cold")
	r.warm.wg.Wait() // its warm image is built in the background
	key, ok := warmKey(mustImage(t, r, fixtureImage), first)
	require.True(t, ok)
	_, ok = r.warmImage(t.Context(), key)
	require.True(t, ok, "warm image built")

	second := first
	second.TaskID = "task-" + randomID(t)
	warm := view(second)
	require.Equal(t, int64(1), r.warm.starts.Load(), "the second task starts warm")
	require.Equal(t, cold, warm, "a warm task sees what a cold one does")
	require.Contains(t, warm, "args: -d /mnt/task -payload /mnt/iron/payload.json -config /mnt/iron/config -id <id>\n")
	require.Contains(t, warm, "file data.txt: from the zip")

	t.Run("the payload is each task's own, the starter gone", func(t *testing.T) {
		s := first
		s.TaskID = "task-" + randomID(t)
		s.Payload = []byte(`{"print_files":["/mnt/iron/payload.json","/mnt/iron/.start"]}`)
		got := runTask(t, t.Context(), r, s)
		require.Equal(t, int64(2), r.warm.starts.Load())
		require.Contains(t, got.stdout, "file /mnt/iron/payload.json: "+string(s.Payload)+"\n")
		require.Contains(t, got.stdout, "file /mnt/iron/.start: error: open /mnt/iron/.start: no such file or directory\n")
	})

	t.Run("a command that cannot run is a start error", func(t *testing.T) {
		s := first
		s.TaskID = "task-" + randomID(t)
		requireStarterExecError(t, r, s, &r.warm.starts)
	})

	t.Run("the image's entrypoint, with iron args off", func(t *testing.T) {
		s := first
		s.TaskID = "task-" + randomID(t)
		s.IronArgs = false
		s.Payload = []byte(`{"message":"warm"}`)
		got := runTask(t, t.Context(), r, s)
		require.Equal(t, "hello from task "+s.TaskID+"\nwarm\n", got.stdout)
	})

	t.Run("another runtime finds the warm image", func(t *testing.T) {
		r2 := newRuntime(t, Options{})
		s := first
		s.TaskID = "task-" + randomID(t)
		require.Equal(t, warm, strings.ReplaceAll(runTask(t, t.Context(), r2, s).stdout, s.TaskID, "<id>"))
		require.Equal(t, int64(1), r2.warm.starts.Load())
	})

	t.Run("a warm image removed behind its back means a cold start", func(t *testing.T) {
		removeWarmImage(t, r, first)
		s := first
		s.TaskID = "task-" + randomID(t)
		before := r.warm.starts.Load()
		require.Equal(t, warm, strings.ReplaceAll(runTask(t, t.Context(), r, s).stdout, s.TaskID, "<id>"))
		require.Equal(t, before, r.warm.starts.Load())
		r.warm.wg.Wait()
		_, ok := r.warmImage(t.Context(), key)
		require.True(t, ok, "built again")
	})

	t.Run("off", func(t *testing.T) {
		r3 := newRuntime(t, Options{WarmImages: -1})
		s := first
		s.TaskID = "task-" + randomID(t)
		require.Equal(t, warm, strings.ReplaceAll(runTask(t, t.Context(), r3, s).stdout, s.TaskID, "<id>"))
		require.Zero(t, r3.warm.starts.Load())
	})
}

// TestRuntime_pruneWarm keeps the newest warm images. Each task builds
// its code's warm image and, beside it, its image's starter image when
// that is missing: which of the second task's two is newer is the engine's
// timing, and either is right to keep.
func TestRuntime_pruneWarm(t *testing.T) {
	r := newRuntime(t, Options{WarmImages: 1})
	var specs []emulator.TaskSpec
	for range 2 {
		s := emulator.TaskSpec{TaskID: "task-" + randomID(t), Image: fixtureImage, Payload: []byte(`{}`),
			CodeZip: runtimetest.Zip(t, map[string]string{"x": randomID(t)})}
		t.Cleanup(func() { removeWarmImage(t, r, s) })
		specs = append(specs, s)
		require.Equal(t, 0, runTask(t, t.Context(), r, s).res.ExitCode)
		r.warm.wg.Wait()
	}
	info := mustImage(t, r, fixtureImage)
	newest, _ := warmKey(info, specs[1])
	starter, _ := starterKey(info)
	oldest, _ := warmKey(info, specs[0])
	list, err := r.cli.ImageList(t.Context(), client.ImageListOptions{Filters: make(client.Filters).Add("label", LabelWarm)})
	require.NoError(t, err)
	// Other packages' tests share the engine: they may build warm images
	// meanwhile, newer than this test's, or remove them all.
	var kept []string
	for _, img := range list.Items {
		switch k := img.Labels[LabelWarm]; k {
		case oldest, newest, starter:
			kept = append(kept, k)
		}
	}
	require.NotContains(t, kept, oldest, "the oldest is removed")
	require.LessOrEqual(t, len(kept), 1, "one kept at most")
}

func mustImage(t *testing.T, r *Runtime, ref string) imageInfo {
	t.Helper()
	info, err := r.inspect(context.Background(), ref) // also from cleanups

	require.NoError(t, err)
	return info
}

// removeWarmImage removes spec's warm image from the engine, if it has one.
func removeWarmImage(t *testing.T, r *Runtime, spec emulator.TaskSpec) {
	t.Helper()
	key, ok := warmKey(mustImage(t, r, spec.Image), spec)
	require.True(t, ok)
	_, err := r.cli.ImageRemove(context.Background(), warmRepo+":"+key, client.ImageRemoveOptions{Force: true})
	if !cerrdefs.IsNotFound(err) {
		require.NoError(t, err)
	}
}

// needStarter returns this build's embedded starter. It skips only on an
// architecture make starter builds none for; where one should be embedded,
// a missing or damaged one fails the test.
func needStarter(t *testing.T) starterBin {
	t.Helper()
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skipf("no starter is built for %s: its tasks always start cold", runtime.GOARCH)
	}
	st := starter()
	require.Equal(t, runtime.GOARCH, st.arch, "the embedded starter is missing or damaged: run make starter")
	return st
}

func TestWarmKey(t *testing.T) {
	info := imageInfo{id: "sha256:1", os: "linux", arch: needStarter(t).arch}
	spec := emulator.TaskSpec{TaskID: "t1", Image: "img", Payload: []byte("p1"), Config: []byte("c"), CodeZip: []byte("zip")}
	key, ok := warmKey(info, spec)
	require.True(t, ok)

	same := spec
	same.TaskID, same.Payload, same.Env = "t2", []byte("p2"), map[string]string{"A": "b"}
	k, _ := warmKey(info, same)
	require.Equal(t, key, k, "what differs per task is not in the image")

	for name, change := range map[string]func(*imageInfo, *emulator.TaskSpec){
		"image id": func(i *imageInfo, _ *emulator.TaskSpec) { i.id = "sha256:2" },
		"config":   func(_ *imageInfo, s *emulator.TaskSpec) { s.Config = []byte("c2") },
		"zip":      func(_ *imageInfo, s *emulator.TaskSpec) { s.CodeZip = []byte("zip2") },
		"config and zip boundary": func(_ *imageInfo, s *emulator.TaskSpec) {
			s.Config, s.CodeZip = []byte("cz"), []byte("ip")
		},
	} {
		i, s := info, spec
		change(&i, &s)
		k, ok := warmKey(i, s)
		require.True(t, ok, name)
		require.NotEqual(t, key, k, name)
	}

	for _, i := range []imageInfo{{id: "x", os: "windows", arch: info.arch}, {id: "x", os: "linux", arch: "s390x"}} {
		_, ok := warmKey(i, spec)
		require.False(t, ok, "%s/%s has no starter", i.os, i.arch)
	}
}
