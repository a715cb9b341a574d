package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/codezip"
)

// Labels on every container this runtime creates.
const (
	LabelInstance = "ironlocal.instance"
	LabelTask     = "ironlocal.task"
	// LabelImage names the task's image as the code gives it; a warm
	// start's container is created from the warm image instead.
	LabelImage = "ironlocal.image"
)

// Paths inside the container (spec §3.6).
const (
	TaskDir     = "/mnt/task"
	PayloadFile = "/mnt/iron/payload.json"
	ConfigFile  = "/mnt/iron/config"
)

const (
	// drainGrace bounds the wait for the log stream to end after the
	// container has exited; the engine normally closes it at once.
	drainGrace = 10 * time.Second
	// cleanupTimeout bounds kill, inspect and remove calls made after ctx
	// may have ended.
	cleanupTimeout = 30 * time.Second
)

// Options configures a Runtime.
type Options struct {
	// Instance identifies this emulator among others sharing the engine; it
	// is the value of the ironlocal.instance label, and ReapLeftovers removes
	// every container carrying it. Required.
	Instance string
	// Labels are added to every container (e.g. testcontainers session
	// labels, so its reaper also finds tasks).
	Labels map[string]string
	// NetworkMode is the container's network: "host" (default) so a task
	// reaches an emulator listening on 127.0.0.1, "container:<id>" to share
	// the emulator container's network, or a network name. With Docker
	// Desktop, "host" is the VM's network, not the desktop's.
	NetworkMode string
	// Logger receives cleanup problems Run cannot return; nil discards.
	Logger *slog.Logger
	// CodeLimits bound what a task's code zip may extract to; zero fields
	// take codezip's defaults. A zip over them fails the task.
	CodeLimits codezip.Limits
	// WarmImages is how many warm and starter images (warm.go) the engine
	// keeps: 0 means DefaultWarmImages, a negative number turns warm and
	// streamed starts off (every task is copied its files).
	WarmImages int
	// Pull says when a task's image is pulled; "" is PullMissing.
	Pull PullPolicy
}

// Runtime runs tasks in Docker containers. It is safe for concurrent use.
type Runtime struct {
	cli      *client.Client
	instance string
	labels   map[string]string
	network  string
	log      *slog.Logger
	limits   codezip.Limits
	// images remembers each image as last inspected (image reference →
	// imageInfo), so the next container of the image is created while the
	// image is inspected again (see create and runWarm).
	images sync.Map
	// warm holds the warm images (see warm.go).
	warm warmImages
	// pullPolicy says when images are pulled (pull.go).
	pullPolicy PullPolicy
}

// imageInfo is what the runtime needs of an image: its id, architecture,
// user and environment (for warm and starter images), its entrypoint and
// cmd (for the command line).
type imageInfo struct {
	id, os, arch, user   string
	entrypoint, cmd, env []string
}

// inspect asks the engine about image.
func (r *Runtime) inspect(ctx context.Context, image string) (imageInfo, error) {
	img, err := r.cli.ImageInspect(ctx, image)
	if err != nil {
		return imageInfo{}, err
	}
	info := imageInfo{id: img.ID, os: img.Os, arch: img.Architecture}
	if img.Config != nil {
		info.entrypoint, info.cmd, info.user, info.env = img.Config.Entrypoint, img.Config.Cmd, img.Config.User, img.Config.Env
	}
	return info, nil
}

var _ emulator.Runtime = (*Runtime)(nil)

// New returns a Docker Runtime configured from DOCKER_HOST and the other
// DOCKER_* variables. It does no I/O: the engine is first contacted by Ping
// or Run, which also negotiate the API version.
func New(opts Options) (*Runtime, error) {
	if opts.Instance == "" {
		return nil, emulator.Invalid("docker runtime: Options.Instance is required")
	}
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	network := opts.NetworkMode
	if network == "" {
		network = "host"
	}
	pull, err := ParsePullPolicy(string(opts.Pull))
	if err != nil {
		return nil, err
	}
	r := &Runtime{cli: cli, instance: opts.Instance, labels: maps.Clone(opts.Labels), network: network, log: log,
		limits: opts.CodeLimits.OrDefaults(), pullPolicy: pull}
	r.warm.init(opts.WarmImages)
	return r, nil
}

// Name returns "docker".
func (r *Runtime) Name() string { return "docker" }

// NeedsImage returns true: every task runs in a container of spec.Image.
func (r *Runtime) NeedsImage() bool { return true }

// CodeDirMode returns CodeDirStreamed: a linked code's folder is copied
// into the container when its task starts, since nothing is bind-mounted
// (the engine may not see this host's files: a remote engine, or
// ironlocal itself in a container).
func (r *Runtime) CodeDirMode() emulator.CodeDirMode { return emulator.CodeDirStreamed }

// Ping checks that the engine answers and negotiates the API version.
func (r *Runtime) Ping(ctx context.Context) error {
	if _, err := r.cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		return fmt.Errorf("ping docker engine at %s: %w", r.cli.DaemonHost(), err)
	}
	return nil
}

// Close stops the warm image builds in progress and releases the client's
// connections. Runs still in progress fail.
func (r *Runtime) Close(context.Context) error {
	r.warm.stop()
	return r.cli.Close()
}

// ReapLeftovers force-removes every container labelled with this instance:
// tasks an earlier run of the emulator did not clean up. It returns how many
// it removed. It also removes, without counting them, the containers of
// warm image builds this instance left unfinished, and those of any
// instance older than a build may take (their emulator died).
func (r *Runtime) ReapLeftovers(ctx context.Context) (int, error) {
	builds, err := r.cli.ContainerList(ctx, client.ContainerListOptions{
		All:     true,
		Filters: make(client.Filters).Add("label", labelWarmBuild),
	})
	if err != nil {
		return 0, wrap("list leftover warm image builds", err)
	}
	for _, c := range builds.Items {
		// A build's container is never started; a task container from a
		// warm image carries the label blanked.
		builder := c.Labels[labelWarmBuild]
		if builder == "" || c.State != container.StateCreated {
			continue
		}
		if builder == r.instance || time.Since(time.Unix(c.Created, 0)) > warmBuildTimeout {
			r.remove(ctx, c.ID, "")
		}
	}
	list, err := r.cli.ContainerList(ctx, client.ContainerListOptions{
		All:     true,
		Filters: make(client.Filters).Add("label", LabelInstance+"="+r.instance),
	})
	if err != nil {
		return 0, wrap("list leftover containers", err)
	}
	var errs []error
	n := 0
	for _, c := range list.Items {
		_, err := r.cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
		switch {
		case err == nil:
			n++
		case !cerrdefs.IsNotFound(err): // already gone is what we wanted
			errs = append(errs, wrap("remove leftover container "+c.ID, err))
		}
	}
	return n, errors.Join(errs...)
}

// Run creates, starts and supervises one container; see the package
// documentation for what the task sees. A task whose code has a warm image
// starts from it, one whose image has a starter image is streamed its files
// (warm.go); any other is a cold start copied its files, described here.
//
// Setting a container up costs engine round trips a bare `docker run` does
// not make (the image's cmd, the task files), so Run overlaps them: the
// container is created with the image's cmd seen last time while the image
// is inspected again (a changed cmd recreates it before anything runs), and
// the task files are copied in while the output is attached and the wait
// for removal is set up. What the container is given is the same either way.
func (r *Runtime) Run(ctx context.Context, spec emulator.TaskSpec, out emulator.Output) (emulator.ExitResult, error) {
	if spec.Image == "" {
		return startError("the docker runtime needs an image"), nil
	}
	// The zip's directory is checked before any container exists; the
	// bytes themselves are counted while they stream into it.
	if len(spec.CodeZip) > 0 {
		if err := codezip.Check(spec.CodeZip, r.limits); err != nil {
			return startError((&codeError{err: err}).Error()), nil
		}
	}

	if spec.Debug && r.hostNetwork() {
		// No port can be mapped: the debugger listens on a host port.
		var err error
		if spec, _, err = spec.DebugOnHost(); err != nil {
			return startError(err.Error()), nil
		}
	}
	if r.pullPolicy == PullAlways {
		if res, ok := r.pullImage(ctx, spec, out); !ok {
			return res, nil
		}
	}
	res, err := r.run(ctx, spec, out)
	if !errors.Is(err, errImageMissing) {
		return res, err
	}
	if r.pullPolicy == PullNever {
		return imageMissing(spec.Image), nil
	}
	if res, ok := r.pullImage(ctx, spec, out); !ok {
		return res, nil
	}
	res, err = r.run(ctx, spec, out)
	if errors.Is(err, errImageMissing) { // removed as soon as pulled
		return imageMissing(spec.Image), nil
	}
	return res, err
}

// hostNetwork reports whether tasks share a network namespace with a host
// (this one's, or the emulator container's), where ports cannot be
// published.
func (r *Runtime) hostNetwork() bool {
	return r.network == "host" || strings.HasPrefix(r.network, "container:")
}

// run runs spec's task from its image; errImageMissing means the engine
// has no such image and nothing was started.
func (r *Runtime) run(ctx context.Context, spec emulator.TaskSpec, out emulator.Output) (emulator.ExitResult, error) {
	res, ran, pending, err := r.runWarm(ctx, spec, out)
	if ran {
		return res, err
	}

	// From here on calls ignore ctx's cancel: a container created while ctx
	// ends must still be seen, killed and removed. ctx is checked between
	// steps instead.
	bg := context.WithoutCancel(ctx)
	id, res, err := r.create(ctx, bg, spec, pending)
	if id == "" {
		return res, err
	}
	return r.start(ctx, id, spec, out, launch{cold: true, files: func() (emulator.ExitResult, bool, error) {
		return r.copyTaskFiles(ctx, bg, id, spec)
	}})
}

// start starts the created container id and supervises it to its end.
func (r *Runtime) start(ctx context.Context, id string, spec emulator.TaskSpec, out emulator.Output, l launch) (res emulator.ExitResult, err error) {
	bg := context.WithoutCancel(ctx)
	// The engine removes the container once it has run (AutoRemove, like
	// `docker run --rm`); until it has started, removing it is ours to do.
	started := false
	defer func() {
		if !started {
			r.remove(bg, id, spec.TaskID)
		}
	}()

	// Attach and wait before the start, so neither misses a container that
	// exits (and is removed) at once; both run while the files are copied.
	streams, cancelStreams := context.WithCancel(bg)
	defer cancelStreams()
	type attachment struct {
		res client.ContainerAttachResult
		err error
	}
	attachedC := make(chan attachment, 1)
	go func() {
		a, err := r.cli.ContainerAttach(streams, id, client.ContainerAttachOptions{Stream: true, Stdin: l.stdin != nil, Stdout: true, Stderr: true})
		attachedC <- attachment{a, err}
	}()
	waitC := make(chan client.ContainerWaitResult, 1)
	go func() {
		waitC <- r.cli.ContainerWait(streams, id, client.ContainerWaitOptions{Condition: container.WaitConditionRemoved})
	}()
	var failed bool
	if l.files != nil {
		res, failed, err = l.files()
	}
	attached, wait := <-attachedC, <-waitC
	if attached.err == nil {
		defer attached.res.Close()
	}
	switch {
	case failed:
		return res, err
	case ctx.Err() != nil:
		return stopped(), nil
	case attached.err != nil:
		return r.refused(ctx, "attach to container", attached.err)
	}
	if _, err := r.cli.ContainerStart(bg, id, client.ContainerStartOptions{}); err != nil {
		// The engine's reason (e.g. executable not found) is the task's
		// start error.
		return r.refused(ctx, "start container", err)
	}
	started = true
	if spec.Debug && out.Debugging != nil {
		if addr, err := r.debugAddress(bg, id, spec); err != nil {
			fmt.Fprintf(orDiscard(out.Stderr), "ironlocal: cannot tell where the debugger listens: %v\n", err)
		} else {
			out.Debugging(addr)
		}
	}
	if l.cold {
		// The task's files went in whole: the next task of the same
		// image, code and config can start warm, and a new code of the
		// image from its starter image. Those images are built when this
		// task ends, or once it has run a while, so the build does not
		// slow this task's start.
		early := time.AfterFunc(warmBuildAfter, func() { r.warm.buildLater(r, spec) })
		defer func() {
			early.Stop()
			// A streamed start's start error may be a code zip that
			// failed half way: no image of it is worth building.
			if res.StartError == "" {
				r.warm.buildLater(r, spec)
			}
		}()
	}
	if l.stdin == nil {
		return r.supervise(ctx, id, spec, attached.res.Reader, wait, out)
	}

	// The starter reads the archive to its end before it execs the task.
	// A code zip that fails half way ends the stream without the archive's
	// end, which the starter refuses: the task never runs.
	wrote := make(chan error, 1)
	go func() {
		werr := l.stdin(stdinWriter{attached.res.Conn})
		if cerr := attached.res.CloseWrite(); werr == nil && cerr != nil {
			werr = &stdinError{cerr}
		}
		if werr != nil {
			r.log.Debug("write the task files to the starter", "task_id", spec.TaskID, "container_id", id, "err", werr)
		}
		wrote <- werr
	}()
	watch := &starterWatch{w: orDiscard(out.Stderr)}
	out.Stderr = watch
	res, err = r.supervise(ctx, id, spec, attached.res.Reader, wait, out)
	attached.res.Close() // ends a write the container never read
	var ce *codeError
	if werr := <-wrote; err == nil && !res.Stopped && errors.As(werr, &ce) && !errors.As(werr, new(*stdinError)) {
		// What a copied cold start reports for the same zip.
		return startError(ce.Error()), nil
	}
	if reason, ok := watch.reason(); ok && err == nil && res.ExitCode == 127 && !res.TimedOut && !res.Stopped {
		return startError("start container: " + reason), nil
	}
	watch.flush()
	return res, err
}

// debugAddress is where a debugger reaches the started debug container
// id: the host port DebugOnHost chose on a host network, else the one the
// engine published for the debug port.
func (r *Runtime) debugAddress(ctx context.Context, id string, spec emulator.TaskSpec) (string, error) {
	if r.hostNetwork() {
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(spec.DebugPort)), nil
	}
	if spec.DebugPort <= 0 {
		return "", errors.New("the code has no debug_port to publish")
	}
	in, err := r.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return "", err
	}
	port, err := network.ParsePort(strconv.Itoa(spec.DebugPort))
	if err != nil {
		return "", err
	}
	if ns := in.Container.NetworkSettings; ns != nil {
		for _, b := range ns.Ports[port] {
			if b.HostPort != "" {
				return net.JoinHostPort("127.0.0.1", b.HostPort), nil
			}
		}
	}
	return "", fmt.Errorf("the engine published no host port for %d/tcp", spec.DebugPort)
}

// stdinWriter writes a container's stdin, marking its errors so they are
// not taken for the code zip's fault.
type stdinWriter struct{ w io.Writer }

func (s stdinWriter) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	if err != nil {
		err = &stdinError{err}
	}
	return n, err
}

// stdinError is a write to a container's stdin that failed: the container
// stopped reading (it exited, or was killed).
type stdinError struct{ err error }

func (e *stdinError) Error() string { return "write the container's stdin: " + e.err.Error() }
func (e *stdinError) Unwrap() error { return e.err }

// inspection is an image inspection's outcome, delivered on a channel.
type inspection struct {
	info imageInfo
	err  error
}

// inspectAsync inspects image on a goroutine of its own, which ends with
// the call (ctx bounds it); the result arrives on the channel, which is
// buffered so nobody need read it.
func (r *Runtime) inspectAsync(ctx context.Context, image string) chan inspection {
	c := make(chan inspection, 1)
	go func() {
		info, err := r.inspect(ctx, image)
		c <- inspection{info, err}
	}()
	return c
}

// inspectionOf is a channel holding an inspection already made.
func inspectionOf(info imageInfo, err error) chan inspection {
	c := make(chan inspection, 1)
	c <- inspection{info, err}
	return c
}

// create makes the task's container and returns its id; with no id, Run
// ends with res and err (a missing image, an engine failure). The command
// line depends on the image's cmd: when an earlier task saw this image, the
// container is created with that cmd while the image is inspected again,
// and created anew (before it ever runs) if the cmd changed meanwhile.
// pending, when not nil, is an inspection of the image already under way
// (or made), used instead of asking the engine again.
func (r *Runtime) create(ctx, bg context.Context, spec emulator.TaskSpec, pending chan inspection) (id string, res emulator.ExitResult, err error) {
	inspected := pending
	if inspected == nil {
		inspected = r.inspectAsync(ctx, spec.Image)
	}
	guess, known := r.images.Load(spec.Image)
	for {
		if !known {
			in := <-inspected
			if res, failed, err := r.inspectFailed(ctx, spec.Image, in.err); failed {
				return "", res, err
			}
			guess, known, inspected = in.info, true, nil
		}
		info := guess.(imageInfo)
		cfg, host := r.containerConfig(spec, info.cmd)
		created, err := r.cli.ContainerCreate(bg, client.ContainerCreateOptions{Config: cfg, HostConfig: host})
		if cerrdefs.IsNotFound(err) { // no such image, or it went away since the inspect
			return "", emulator.ExitResult{}, errImageMissing
		}
		if err != nil {
			res, err := r.refused(ctx, "create container", err)
			return "", res, err
		}
		if inspected == nil { // created from a fresh inspection
			r.images.Store(spec.Image, info)
			return created.ID, emulator.ExitResult{}, nil
		}
		in := <-inspected
		if res, failed, err := r.inspectFailed(ctx, spec.Image, in.err); failed {
			r.remove(bg, created.ID, spec.TaskID)
			return "", res, err
		}
		r.images.Store(spec.Image, in.info)
		if slices.Equal(in.info.cmd, info.cmd) {
			return created.ID, emulator.ExitResult{}, nil
		}
		// The image changed since the guess: this container would run the
		// old cmd. Drop it and create one from what the image says now.
		r.remove(bg, created.ID, spec.TaskID)
		guess, known = nil, false
		inspected = make(chan inspection, 1)
		inspected <- in
	}
}

// inspectFailed turns a failed image inspection into Run's answer.
func (r *Runtime) inspectFailed(ctx context.Context, image string, err error) (emulator.ExitResult, bool, error) {
	switch {
	case err == nil:
		return emulator.ExitResult{}, false, nil
	case cerrdefs.IsNotFound(err):
		r.images.Delete(image)
		return emulator.ExitResult{}, true, errImageMissing
	}
	res, rerr := r.refused(ctx, "inspect image", err)
	return res, true, rerr
}

// errEngineStopped ends the task archive's writer when the engine has
// stopped reading it.
var errEngineStopped = errors.New("the engine stopped reading the task files")

// copyTaskFiles streams the task archive into container id as it is built,
// so memory stays small whatever the code zip holds. failed reports that
// Run must end with res and err: a code zip that cannot be extracted is
// the task's start error, an engine failure is refused's answer.
func (r *Runtime) copyTaskFiles(ctx, bg context.Context, id string, spec emulator.TaskSpec) (res emulator.ExitResult, failed bool, err error) {
	pr, pw := io.Pipe()
	written := make(chan error, 1)
	go func() {
		err := writeTaskArchive(pw, spec, r.limits)
		pw.CloseWithError(err) // nil: the engine reads EOF
		written <- err
	}()
	_, copyErr := r.cli.CopyToContainer(bg, id, client.CopyToContainerOptions{DestinationPath: "/", Content: pr})
	pr.CloseWithError(errEngineStopped) // unblocks the writer if the engine stopped early
	archiveErr := <-written
	var ce *codeError
	switch {
	case errors.As(archiveErr, &ce) && !errors.Is(archiveErr, errEngineStopped) && !errors.Is(archiveErr, io.ErrClosedPipe):
		return startError(ce.Error()), true, nil
	case copyErr != nil:
		res, err = r.refused(ctx, "copy task files into container", copyErr)
		return res, true, err
	case archiveErr != nil:
		res, err = r.refused(ctx, "copy task files into container", archiveErr)
		return res, true, err
	}
	return emulator.ExitResult{}, false, nil
}

// supervise copies the attached output of the started container id and
// waits for it to exit and be removed, killing it at the timeout or when
// ctx ends.
func (r *Runtime) supervise(ctx context.Context, id string, spec emulator.TaskSpec, output io.Reader, wait client.ContainerWaitResult, out emulator.Output) (emulator.ExitResult, error) {
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		if _, err := stdcopy.StdCopy(orDiscard(out.Stdout), orDiscard(out.Stderr), output); err != nil && !errors.Is(err, net.ErrClosed) {
			r.log.Debug("copy task output", "task_id", spec.TaskID, "container_id", id, "err", err)
		}
	}()
	// Run owns the copier: it has ended before Run returns (the caller's
	// deferred Close of the attachment ends a stream that never does).
	defer func() {
		grace := time.NewTimer(drainGrace)
		defer grace.Stop()
		select {
		case <-copied:
		case <-grace.C:
			r.log.Warn("task output stream did not end after exit", "task_id", spec.TaskID, "container_id", id)
		}
	}()

	var deadline <-chan time.Time
	if spec.Timeout > 0 {
		timeout := time.NewTimer(spec.Timeout)
		defer timeout.Stop()
		deadline = timeout.C
	}
	var res emulator.ExitResult
	var exit container.WaitResponse
	select {
	case exit = <-wait.Result:
	case err := <-wait.Error:
		return emulator.ExitResult{}, wrap("wait for container", err)
	case <-deadline:
		res.TimedOut = true
	case <-ctx.Done():
		res.Stopped = true
	}
	if res.TimedOut || res.Stopped {
		r.kill(ctx, id, spec.TaskID)
		stuck := time.NewTimer(cleanupTimeout)
		defer stuck.Stop()
		select {
		case exit = <-wait.Result:
		case err := <-wait.Error:
			return emulator.ExitResult{}, wrap("wait for killed container", err)
		case <-stuck.C:
			r.remove(ctx, id, spec.TaskID)
			return emulator.ExitResult{}, fmt.Errorf("container %s did not stop after kill", id)
		}
	}
	if exit.Error != nil && exit.Error.Message != "" {
		return emulator.ExitResult{}, fmt.Errorf("wait for container: %s", exit.Error.Message)
	}
	res.ExitCode = int(exit.StatusCode)
	// The container is gone, so the engine can no longer say whether the
	// memory limit killed it: a SIGKILL exit under a memory limit that we
	// did not send is taken as that.
	res.OOMKilled = !res.TimedOut && !res.Stopped && spec.MemoryMB > 0 && res.ExitCode == 137
	return res, nil
}

// kill sends SIGKILL; a container that exited meanwhile is fine.
func (r *Runtime) kill(ctx context.Context, id, taskID string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	_, err := r.cli.ContainerKill(ctx, id, client.ContainerKillOptions{Signal: "KILL"})
	if err != nil && !cerrdefs.IsConflict(err) && !cerrdefs.IsNotFound(err) {
		r.log.Warn("kill container", "task_id", taskID, "container_id", id, "err", err)
	}
}

// remove force-removes the container with a context of its own: it runs
// after ctx may have ended, and must not leave the container behind.
func (r *Runtime) remove(ctx context.Context, id, taskID string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	_, err := r.cli.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !cerrdefs.IsNotFound(err) {
		r.log.Warn("remove container", "task_id", taskID, "container_id", id, "err", err)
	}
}

// containerConfig builds the container for spec; imageCmd is the image's own
// cmd, which the Iron args follow when spec has no command.
func (r *Runtime) containerConfig(spec emulator.TaskSpec, imageCmd []string) (*container.Config, *container.HostConfig) {
	argv := spec.Argv(TaskDir, PayloadFile, ConfigFile)
	cfg := &container.Config{
		Image:      spec.Image,
		Env:        environ(spec),
		WorkingDir: TaskDir,
		Labels:     r.containerLabels(spec),
	}
	switch {
	case len(spec.Command) > 0:
		// A command replaces the image's entrypoint and, with it, its cmd.
		cfg.Entrypoint = argv
	case len(argv) > 0:
		// Only the Iron args: the image's entrypoint stays; setting Cmd
		// drops the image's, so carry it over in front of them.
		cfg.Cmd = append(slices.Clone(imageCmd), argv...)
	}
	host := &container.HostConfig{
		AutoRemove:  true,
		NetworkMode: container.NetworkMode(r.network),
		Resources: container.Resources{
			Memory:   spec.MemoryMB << 20,
			NanoCPUs: int64(spec.CPUs * 1e9),
		},
	}
	if spec.Debug && spec.DebugPort > 0 && !r.hostNetwork() {
		// The debugger's port, on 127.0.0.1 only, at a port the engine
		// picks: any number of debug tasks, none reachable from the LAN.
		if port, err := network.ParsePort(strconv.Itoa(spec.DebugPort)); err == nil {
			cfg.ExposedPorts = network.PortSet{port: {}}
			host.PortBindings = network.PortMap{port: {{HostIP: netip.AddrFrom4([4]byte{127, 0, 0, 1})}}}
		}
	}
	if host.Memory > 0 {
		// No swap on top of the limit, so it means what it says and an
		// overrun shows up as OOMKilled rather than as slowness.
		host.MemorySwap = host.Memory
	}
	return cfg, host
}

// containerLabels: the caller's, then the task's, then ours, which win so
// ReapLeftovers and the tests can rely on them.
func (r *Runtime) containerLabels(spec emulator.TaskSpec) map[string]string {
	labels := make(map[string]string, len(r.labels)+len(spec.Labels)+3)
	maps.Copy(labels, r.labels)
	maps.Copy(labels, spec.Labels)
	labels[LabelInstance] = r.instance
	labels[LabelTask] = spec.TaskID
	labels[LabelImage] = spec.Image
	return labels
}

// environ is spec.Env plus the four Iron variables, which win because they
// name files only the runtime knows. The image's own variables (PATH…) stay.
func environ(spec emulator.TaskSpec) []string {
	env := maps.Clone(spec.Env)
	if env == nil {
		env = make(map[string]string, 4)
	}
	env["TASK_ID"] = spec.TaskID
	env["TASK_DIR"] = TaskDir
	env["PAYLOAD_FILE"] = PayloadFile
	env["CONFIG_FILE"] = ConfigFile
	list := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		list = append(list, k+"="+env[k])
	}
	return list
}

// refused turns a failed setup call into Run's answer: Stopped if ctx ended,
// an error if the engine did not answer, otherwise a StartError carrying the
// engine's reason (the task never started, and the engine said why).
func (r *Runtime) refused(ctx context.Context, op string, err error) (emulator.ExitResult, error) {
	switch {
	case ctx.Err() != nil:
		return stopped(), nil
	case unreachable(err):
		return emulator.ExitResult{}, wrap(op, err)
	default:
		return startError(fmt.Sprintf("%s: %v", op, err)), nil
	}
}

// unreachable reports whether err means the engine did not answer at all, as
// opposed to answering with an error status.
func unreachable(err error) bool {
	var ue *url.Error
	return client.IsErrConnectionFailed(err) || errors.As(err, &ue)
}

// wrap names the operation and turns the engine's "not found" into
// emulator.ErrNotFound, so callers never match engine error text.
func wrap(op string, err error) error {
	if cerrdefs.IsNotFound(err) {
		return fmt.Errorf("%s: %w", op, emulator.NotFound(err.Error()))
	}
	return fmt.Errorf("%s: %w", op, err)
}

func imageMissing(ref string) emulator.ExitResult {
	return startError(fmt.Sprintf("image %q not found locally and --pull never forbids pulling it: build it (docker build -t %s …), load it (docker load) or pull it (docker pull %s)", ref, ref, ref))
}

func startError(msg string) emulator.ExitResult {
	return emulator.ExitResult{ExitCode: -1, StartError: msg}
}

func stopped() emulator.ExitResult { return emulator.ExitResult{ExitCode: -1, Stopped: true} }

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
