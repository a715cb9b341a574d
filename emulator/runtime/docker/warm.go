package docker

// Warm starts, and streamed cold starts.
//
// A cold start creates the task's container and copies the task's files into
// it. The copy costs the engine a mount of the container's filesystem and an
// extraction that `docker run` never makes: 20–60 ms on two busy cores, ~90
// ms on fuse-overlayfs, most of what a task cost over a bare `docker run
// --rm`. Every file but the payload is the same for all tasks of one image,
// code zip and config, so once such a task has started cold the runtime
// commits those files, once, into a warm image: the task's image plus
// /mnt/task, /mnt/iron/config and the starter (starter/), tagged
// ironlocal/warm:<key>. It also commits, once per image, a starter image:
// the image plus only the starter, tagged ironlocal/warm:start-<key>.
//
// The builds start when that first task ends, or after it has run for
// warmBuildAfter, so they never slow the task's own start.
//
// A later task with the same key is created from the warm image with the
// starter as its entrypoint and the task's command line as its cmd. Its
// payload goes in on the container's stdin, as a tar: the starter extracts
// it, gives the task /dev/null as stdin, removes itself and execs the
// command line, which becomes PID 1. The task sees what a cold start shows
// it (the same files, owners and modes, environment, working directory,
// user, groups, capabilities, arguments and PID), except that /mnt/iron's
// and the payload's mtimes are when the payload was written; the engine's
// view differs too (`docker ps` shows the warm image; the ironlocal.image
// label names the code's). If the starter cannot exec the command, the task
// gets the start error a cold start would give it.
//
// A task with no warm image whose image has a starter image starts from the
// starter image instead of being copied its files: the whole task archive
// (writeTaskArchive's, streamed as the code zip is extracted) goes in on
// stdin, and the starter extracts it as the engine's copy does (owned by
// root, the same modes and mtimes), so the task sees exactly what a copied
// one sees. A code zip that turns out bad half way (over the limits, lying
// about its sizes) ends the stream without the archive's end, which the
// starter refuses, and is the task's start error as on a copy. The
// extraction runs after the container has started, so it counts against
// the task's timeout.
//
// An image that does not run as root has its warm and streamed containers
// run as root, so the starter can make the files root's; it then switches
// to the image's user as the engine would have (see starterUser and the
// starter's lookupUser): TestRuntime_Run_users compares what the task sees
// on the three paths for each form of USER.
//
// A warm image's key hashes the starter, the base image's id, the config and
// the code zip, a starter image's the starter and the base image's id, so a
// rebuilt image or a new code revision gets images of its own. Both outlive
// the emulator (a restarted one finds them by their label); the oldest
// beyond Options.WarmImages are removed, and one removed behind the
// runtime's back only means the next task is copied its files.

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/client"

	"github.com/ironlocal/ironlocal/emulator"
)

const (
	// LabelWarm is on warm and starter images; its value is the image's
	// key.
	LabelWarm = "ironlocal.warm"
	// labelWarmBuild is on the containers warm images are committed from;
	// its value is the builder's instance, so ReapLeftovers finds builds an
	// emulator that died left behind. Committing blanks it.
	labelWarmBuild = "ironlocal.warm.build"
	// warmRepo is where warm images are tagged.
	warmRepo = "ironlocal/warm"
	// starterPath is the starter inside a warm or starter image: in the
	// payload's directory, which every user may write, so it can remove
	// itself.
	starterPath = "/mnt/iron/.start"
	// DefaultWarmImages is how many warm images are kept when
	// Options.WarmImages is 0.
	DefaultWarmImages = 32
	// maxWarmZip: a bigger code zip always starts cold; its warm image
	// would cost the engine's disk more than its copy costs the task.
	maxWarmZip = 64 << 20
	// warmBuildTimeout bounds one warm image build.
	warmBuildTimeout = 2 * time.Minute
	// warmBuildAfter is how long a code's first task runs before its warm
	// image is built beside it (a shorter one's is built when it ends).
	warmBuildAfter = 2 * time.Second
	// starterMarker starts the line the starter writes to stderr when it
	// cannot exec the task (the starter command's Marker).
	starterMarker = "\x00ironlocal-starter\x00"
)

// starter is the starter for the engine architecture this binary is built
// for (starter_<arch>.go embeds it, gzipped: make starter), decompressed
// once; its arch is "" where none is built. An engine running images of
// another architecture (under emulation) starts their tasks cold.
// Only image builds need it: a task needs only starterSum.
var starter = sync.OnceValue(func() starterBin {
	if starterGzip == nil {
		return starterBin{}
	}
	bin, err := gunzip(starterGzip)
	if err != nil { // a damaged build; TestStarter_fresh catches it
		return starterBin{}
	}
	return starterBin{arch: starterArch, bin: bin}
})

// starterSum identifies the embedded starter in warm and starter image keys:
// the SHA-256 of its gzipped bytes (make starter builds them reproducibly).
// A task's start needs the key, and hashing those bytes takes a millisecond
// where decompressing them takes 20–30 ms, which a fresh runtime's first
// task would wait for.
var starterSum = sync.OnceValue(func() []byte {
	sum := sha256.Sum256(starterGzip)
	return sum[:]
})

func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

type starterBin struct {
	arch string
	bin  []byte
}

// warmImages is the runtime's view of the engine's warm images and the
// builds it runs. Builds are owned here: stop cancels and waits for them.
type warmImages struct {
	keep int // how many to keep; 0: warm starts are off

	ctx    context.Context // ends at stop
	cancel context.CancelFunc
	wg     sync.WaitGroup

	starts   atomic.Int64 // tasks started warm
	streamed atomic.Int64 // tasks started cold from a starter image

	mu       sync.Mutex
	listed   bool              // byKey holds what the engine had at the first look
	byKey    map[string]string // key → image id
	building map[string]bool
}

func (w *warmImages) init(keep int) {
	switch {
	case keep == 0:
		keep = DefaultWarmImages
	case keep < 0:
		keep = 0
	}
	w.keep = keep
	w.ctx, w.cancel = context.WithCancel(context.Background())
	w.byKey, w.building = map[string]string{}, map[string]bool{}
}

// stop cancels the builds in progress and waits for them to end. Under mu,
// so no build starts after it (buildLater checks ctx under mu).
func (w *warmImages) stop() {
	w.mu.Lock()
	w.cancel()
	w.mu.Unlock()
	w.wg.Wait()
}

// warmable reports whether spec's task may start warm at all.
func (w *warmImages) warmable(spec emulator.TaskSpec) bool {
	// A linked folder's files change between tasks: they are copied
	// afresh each time, never committed into an image.
	return w.keep > 0 && spec.CodeDir == "" && len(spec.CodeZip) <= maxWarmZip
}

// warmKey names the warm image of spec on the image info describes; ok is
// false when no starter is built for the image's platform (the starters
// are Linux programs).
func warmKey(info imageInfo, spec emulator.TaskSpec) (key string, ok bool) {
	if !starterRuns(info) {
		return "", false
	}
	zipSum := sha256.Sum256(spec.CodeZip)
	return hashKey([]byte("ironlocal warm image v1"), starterSum(), []byte(info.id), spec.Config, zipSum[:]), true
}

// starterKey names the starter image of the image info describes; ok is
// false when no starter is built for its platform.
func starterKey(info imageInfo) (key string, ok bool) {
	if !starterRuns(info) {
		return "", false
	}
	return "start-" + hashKey([]byte("ironlocal starter image v1"), starterSum(), []byte(info.id)), true
}

// runsAsRoot reports whether the image's tasks run as root as the engine
// runs them. Its containers from warm and starter images keep the image's
// user; any other image's run as root, and the starter switches to the
// image's user once it has extracted the task's files (as root, as the
// engine's copy does). "0:0" is not forced on a root image: the engine
// gives "root" or "0" the supplementary groups /etc/group lists root in,
// an explicit group none.
func runsAsRoot(info imageInfo) bool {
	switch info.user {
	case "", "root", "0", "0:0":
		return true
	}
	return false
}

// starterUser returns the starter's options for a task of spec on the
// image info describes, and the user its container is created with: for
// an image that does not run as root, root, and the image's user for the
// starter to switch to, with -sethome when the container's environment
// (the image's, then the task's) has no HOME, which runc would have set
// from the user's passwd entry and, for a container run as root, sets
// from root's.
func starterUser(info imageInfo, spec emulator.TaskSpec) (user string, options []string) {
	if runsAsRoot(info) {
		return "", nil
	}
	options = []string{"-user=" + info.user}
	home := ""
	for _, kv := range info.env {
		if v, ok := strings.CutPrefix(kv, "HOME="); ok {
			home = v
		}
	}
	if v, ok := spec.Env["HOME"]; ok {
		home = v
	}
	if home == "" { // runc sets an empty HOME too
		options = append(options, "-sethome")
	}
	return "0:0", options
}

// hashKey hashes fields, each with its length so no two lists collide.
func hashKey(fields ...[]byte) string {
	h := sha256.New()
	for _, field := range fields {
		_ = binary.Write(h, binary.BigEndian, uint64(len(field)))
		h.Write(field)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// starterRuns reports whether a starter is embedded that runs in
// containers of the image info describes.
func starterRuns(info imageInfo) bool {
	return starterGzip != nil && starterArch == info.arch && info.os == "linux"
}

// warmImage returns the id of key's warm image, listing the engine's warm
// images the first time it is asked.
func (r *Runtime) warmImage(ctx context.Context, key string) (string, bool) {
	r.listWarm(ctx)
	w := &r.warm
	w.mu.Lock()
	defer w.mu.Unlock()
	id, ok := w.byKey[key]
	return id, ok
}

// listWarm learns the engine's warm images, once: those of earlier runs
// and other emulators sharing the engine.
func (r *Runtime) listWarm(ctx context.Context) {
	w := &r.warm
	w.mu.Lock()
	listed := w.listed
	w.mu.Unlock()
	if listed {
		return
	}
	list, err := r.cli.ImageList(ctx, client.ImageListOptions{Filters: make(client.Filters).Add("label", LabelWarm)})
	if err != nil {
		r.log.Debug("list warm images", "err", err) // asked again next time
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.listed {
		return
	}
	for _, img := range list.Items {
		if k := img.Labels[LabelWarm]; k != "" {
			w.byKey[k] = img.ID
		}
	}
	w.listed = true
}

// forget drops key's warm image, which the engine no longer has.
func (w *warmImages) forget(key string) {
	w.mu.Lock()
	delete(w.byKey, key)
	w.mu.Unlock()
}

// runWarm runs spec's task from an image holding the starter: its warm
// image, or else its image's starter image, streaming it the whole task
// archive (see starterImage). ran is false when there is none (or the image
// changed, or that image went away) and nothing was started: the caller
// copies the task its files, with the inspection of the image runWarm began
// (pending), so the engine is asked once.
func (r *Runtime) runWarm(ctx context.Context, spec emulator.TaskSpec, out emulator.Output) (res emulator.ExitResult, ran bool, pending chan inspection, err error) {
	if !r.warm.warmable(spec) {
		return res, false, nil, nil
	}
	bg := context.WithoutCancel(ctx)
	// The image as last seen, checked again while the container is
	// created; the first task of an image waits for its inspection.
	var recheck chan inspection
	var info imageInfo
	if v, ok := r.images.Load(spec.Image); ok {
		info = v.(imageInfo)
		recheck = r.inspectAsync(ctx, spec.Image)
	} else {
		// The engine's warm images are listed (the first time) while
		// the image is inspected.
		listed := make(chan struct{})
		go func() {
			defer close(listed)
			r.listWarm(ctx)
		}()
		info, err = r.inspect(ctx, spec.Image)
		<-listed
		if err != nil {
			return res, false, inspectionOf(info, err), nil
		}
		r.images.Store(spec.Image, info)
		recheck = inspectionOf(info, nil)
	}
	key, image, l, ok := r.starterImage(ctx, info, spec)
	if !ok {
		return res, false, recheck, nil
	}

	cfg, host := r.containerConfig(spec, info.cmd)
	command := spec.Argv(TaskDir, PayloadFile, ConfigFile)
	if len(spec.Command) == 0 {
		command = slices.Concat(info.entrypoint, info.cmd, command)
	}
	cfg.Image = image
	user, options := starterUser(info, spec)
	cfg.User = user
	cfg.Entrypoint, cfg.Cmd = slices.Concat([]string{starterPath}, options, []string{"/"}), command
	cfg.OpenStdin, cfg.StdinOnce, cfg.AttachStdin = true, true, true
	created, cerr := r.cli.ContainerCreate(bg, client.ContainerCreateOptions{Config: cfg, HostConfig: host})
	in := <-recheck
	if in.err != nil || in.info.id != info.id {
		// The tag moved (or went away): this warm image is of the old
		// image. The cold start creates from what the tag names now.
		if cerr == nil {
			r.remove(bg, created.ID, spec.TaskID)
		}
		if in.err == nil {
			r.images.Store(spec.Image, in.info)
		}
		return res, false, inspectionOf(in.info, in.err), nil
	}
	switch {
	case cerrdefs.IsNotFound(cerr): // removed behind our back
		r.warm.forget(key)
		return res, false, inspectionOf(in.info, nil), nil
	case cerr != nil:
		res, err = r.refused(ctx, "create container", cerr)
		return res, true, nil, err
	}
	if l.cold {
		r.warm.streamed.Add(1)
	} else {
		r.warm.starts.Add(1)
	}
	res, err = r.start(ctx, created.ID, spec, out, l)
	return res, true, nil, err
}

// starterImage picks the image, holding the starter, that spec's task on
// the image info describes starts from, and what the starter is given on
// stdin: the task's warm image and the payload, or else the image's starter
// image and the whole task archive, streamed as the code zip is extracted. ok is false when the engine has neither.
func (r *Runtime) starterImage(ctx context.Context, info imageInfo, spec emulator.TaskSpec) (key, image string, l launch, ok bool) {
	if key, ok := warmKey(info, spec); ok {
		if image, ok := r.warmImage(ctx, key); ok {
			return key, image, launch{stdin: func(w io.Writer) error { return writePayloadArchive(w, spec.Payload) }}, true
		}
	}
	if key, ok := starterKey(info); ok {
		if image, ok := r.warmImage(ctx, key); ok {
			return key, image, launch{cold: true, stdin: func(w io.Writer) error { return writeTaskArchive(w, spec, r.limits) }}, true
		}
	}
	return "", "", launch{}, false
}

// buildLater builds, in the background, the warm image of spec's task and
// the starter image of its image, each unless the runtime has it or is
// building it.
func (w *warmImages) buildLater(r *Runtime, spec emulator.TaskSpec) {
	if !w.warmable(spec) {
		return
	}
	v, ok := r.images.Load(spec.Image)
	if !ok {
		return
	}
	info := v.(imageInfo)
	if key, ok := warmKey(info, spec); ok {
		w.build(r, key, info, spec.Image, func(dst io.Writer, starter []byte) error {
			return writeWarmArchive(dst, spec, r.limits, starter)
		})
	}
	if key, ok := starterKey(info); ok {
		w.build(r, key, info, spec.Image, writeStarterArchive)
	}
}

// build commits the files write streams (given the starter) onto the image
// info describes, as the image of key, on a goroutine of its own, unless
// the runtime has it or is building it; ref is the image as the code names
// it, for the log.
func (w *warmImages) build(r *Runtime, key string, info imageInfo, ref string, write func(dst io.Writer, starter []byte) error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, have := w.byKey[key]; have || w.building[key] || w.ctx.Err() != nil {
		return
	}
	w.building[key] = true
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		id, err := r.buildWarm(w.ctx, key, info, write)
		w.mu.Lock()
		delete(w.building, key)
		if err == nil {
			w.byKey[key] = id
		}
		w.mu.Unlock()
		switch {
		case err == nil:
			r.pruneWarm(w.ctx)
		case w.ctx.Err() != nil:
			r.log.Debug("warm image build stopped", "image", ref, "key", key, "err", err)
		default:
			r.log.Warn("build warm image (tasks it would start start cold)", "image", ref, "key", key, "err", err)
		}
	}()
}

// buildWarm commits the files write streams (a warm or a starter image's)
// onto the image info describes, and returns the new image's id.
func (r *Runtime) buildWarm(ctx context.Context, key string, info imageInfo, write func(dst io.Writer, starter []byte) error) (string, error) {
	st := starter()
	if st.arch == "" {
		return "", errors.New("the embedded starter is damaged: rebuild it (make starter)")
	}
	ctx, cancel := context.WithTimeout(ctx, warmBuildTimeout)
	defer cancel()
	// Created whatever ctx does meanwhile, so a container the engine made
	// is always known, and removed.
	created, err := r.cli.ContainerCreate(context.WithoutCancel(ctx), client.ContainerCreateOptions{
		Config: &container.Config{Image: info.id, Entrypoint: []string{starterPath}, WorkingDir: TaskDir,
			Labels: map[string]string{LabelWarm: key, labelWarmBuild: r.instance}},
		HostConfig: &container.HostConfig{NetworkMode: "none"},
	})
	if err != nil {
		return "", wrap("create the warm image's container", err)
	}
	defer r.remove(ctx, created.ID, "")
	if err := ctx.Err(); err != nil {
		return "", err
	}

	pr, pw := io.Pipe()
	written := make(chan struct{})
	go func() {
		defer close(written)
		pw.CloseWithError(write(pw, st.bin))
	}()
	_, err = r.cli.CopyToContainer(ctx, created.ID, client.CopyToContainerOptions{DestinationPath: "/", Content: pr})
	pr.CloseWithError(errEngineStopped)
	<-written
	if err != nil {
		return "", wrap("copy the warm image's files", err)
	}
	committed, err := r.cli.ContainerCommit(ctx, created.ID, client.ContainerCommitOptions{
		Reference: warmRepo + ":" + key, NoPause: true,
		Changes: []string{"LABEL " + labelWarmBuild + "="},
	})
	if err != nil {
		return "", wrap("commit the warm image", err)
	}
	return committed.ID, nil
}

// pruneWarm removes the oldest warm images beyond the number to keep. One a
// container still uses stays until a later prune.
func (r *Runtime) pruneWarm(ctx context.Context) {
	list, err := r.cli.ImageList(ctx, client.ImageListOptions{Filters: make(client.Filters).Add("label", LabelWarm)})
	if err != nil || len(list.Items) <= r.warm.keep {
		return
	}
	imgs := list.Items
	// Created is in seconds, and a task's warm and starter images are
	// often built in the same one: the starter image goes first then. A
	// warm image starts every later task of its code, a starter image only
	// new codes' first.
	slices.SortFunc(imgs, func(a, b image.Summary) int {
		if a.Created != b.Created {
			return int(a.Created - b.Created)
		}
		aStarter, bStarter := strings.HasPrefix(a.Labels[LabelWarm], "start-"), strings.HasPrefix(b.Labels[LabelWarm], "start-")
		switch {
		case aStarter && !bStarter:
			return -1
		case bStarter && !aStarter:
			return 1
		}
		return 0
	})
	for _, img := range imgs[:len(imgs)-r.warm.keep] {
		if _, err := r.cli.ImageRemove(ctx, img.ID, client.ImageRemoveOptions{PruneChildren: true}); err != nil {
			if !cerrdefs.IsConflict(err) && !cerrdefs.IsNotFound(err) {
				r.log.Debug("remove old warm image", "image", img.ID, "err", err)
			}
			continue
		}
		r.warm.forget(img.Labels[LabelWarm])
	}
}

// launch is what differs between a copied cold start, a streamed one and a
// warm start once the container exists.
type launch struct {
	// files copies the task's files in before the start (a copied cold
	// start); nil when the starter is given them on stdin.
	files func() (res emulator.ExitResult, failed bool, err error)
	// stdin, when the container runs the starter, writes the tar it
	// extracts to the container's stdin once it has started (the stream
	// is closed after): the whole task archive on a streamed cold start,
	// the payload on a warm one.
	stdin func(io.Writer) error
	// cold: the task's code has no warm image yet, so one is built after.
	cold bool
}

// starterWatch passes a warm task's stderr through, except the starter's
// own line: the reason it could not exec the task, which Run makes the
// task's start error.
type starterWatch struct {
	w     io.Writer
	head  []byte // stderr so far, while it may still be the starter's line
	state watchState
}

type watchState int

const (
	undecided watchState = iota
	taskOutput
	starterLine
)

// maxStarterLine bounds what is kept of the starter's line.
const maxStarterLine = 4 << 10

func (s *starterWatch) Write(p []byte) (int, error) {
	if s.state == taskOutput {
		return s.w.Write(p)
	}
	if s.state == starterLine {
		s.head = append(s.head, p[:min(len(p), max(0, maxStarterLine-len(s.head)))]...)
		return len(p), nil
	}
	s.head = append(s.head, p...)
	n := min(len(s.head), len(starterMarker))
	if !bytes.Equal(s.head[:n], []byte(starterMarker[:n])) {
		s.state = taskOutput
		_, err := s.w.Write(s.head)
		s.head = nil
		return len(p), err
	}
	if len(s.head) >= len(starterMarker) {
		s.state = starterLine
	}
	return len(p), nil
}

// reason returns the starter's line, if stderr was one.
func (s *starterWatch) reason() (string, bool) {
	if s.state != starterLine {
		return "", false
	}
	line, _, _ := bytes.Cut(s.head[len(starterMarker):], []byte("\n"))
	return string(line), true
}

// flush passes on what was held back and turned out to be the task's.
func (s *starterWatch) flush() {
	if s.state != taskOutput && len(s.head) > 0 {
		_, _ = s.w.Write(s.head)
	}
	s.head = nil
}
