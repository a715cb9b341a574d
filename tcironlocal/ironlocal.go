package tcironlocal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
)

const (
	// DefaultImage is the tag `make image` builds in the ironlocal repository.
	DefaultImage = "ironlocal/ironlocal:latest"
	// Port is the port ironlocald listens on in the container.
	Port = "4766/tcp"
	// DefaultProject is the project id the helpers use without WithProject
	// (the emulator's default project).
	DefaultProject = "000000000000000000000001"
	// DefaultToken is the token the helpers send without WithToken (any
	// non-empty token works when auth is permissive).
	DefaultToken = "local-token"

	// Paths inside the container.
	dataDir         = "/data"
	seedPath        = "/etc/ironlocal/seed.json"
	containerSocket = "/var/run/docker.sock"
	selfNetwork     = "container:self" // ironlocald: share this container's network
	listenAddr      = "0.0.0.0:4766"
	startupTimeout  = 60 * time.Second
	healthPath      = "/_ironlocal/health"
)

// Labels on every container Run starts, so the desktop app (through
// GET /_ironlocal/containers) finds test containers and attaches to them.
// They match the emulator's (package emulator's LabelTest*).
const (
	// LabelTestContainer is "1" on every container Run starts.
	LabelTestContainer = "ironlocal.tc"
	// LabelTestName is the test's name (WithTestName, WithTest).
	LabelTestName = "ironlocal.tc.test"
	// LabelTestStarted is when Run created it (RFC 3339, UTC).
	LabelTestStarted = "ironlocal.tc.started"
	// LabelTestPort is ironlocald's API port in the container (Port).
	LabelTestPort = "ironlocal.tc.port"
	// LabelTestKeep is "on-failure" when the container stays running if its
	// test fails (WithKeepOnFailure).
	LabelTestKeep = "ironlocal.tc.keep"

	// keptMarker is written into a container left running because its test
	// failed: the app lists it as kept.
	keptMarker = "/.ironlocal-kept"
	// tokenEnv carries the tokens in the container's configuration, where
	// the app reads them to attach.
	tokenEnv = "IRONLOCAL_TOKEN"

	envKeepOnFailure = "IRONLOCAL_KEEP_ON_FAILURE"
)

// Container is a running ironlocal emulator.
type Container struct {
	testcontainers.Container
	token     string
	project   string
	memcached bool
	// triggerIDs maps WithTrigger names to binding ids.
	triggerIDs map[string]string
	// permissive: any token works (the attach command needs none).
	permissive bool
	// testName is the test's name, "" if not given.
	testName string
	// keepFor is the test whose failure keeps the container; nil if none.
	keepFor TB
	// logger is testcontainers' logger of the request (WithLogger), else
	// its default.
	logger tclog.Logger
}

// Run starts ironlocal from img (usually DefaultImage, built by `make
// image`) and returns once GET /_ironlocal/health answers. If ironlocal is
// ready in its container but its port cannot be reached from this process
// (the tests run in a container that also hosts the Docker engine), Run
// fails within seconds saying to set TESTCONTAINERS_HOST_OVERRIDE. The container is
// returned even with an error, once it was created, so the caller can
// terminate it (testcontainers.CleanupContainer before checking the error).
//
// Defaults: an ephemeral store (--ephemeral); strict auth with a random
// per-container token (Token, and every helper, carry it; WithToken picks
// your own, WithPermissiveAuth accepts any token); the port published on
// 127.0.0.1 only (WithHostIP to change); tasks as sibling Docker containers
// sharing the emulator's network; testcontainers' session labels on every
// task container. opts are this package's Options and any
// testcontainers.ContainerCustomizer; the latter apply after the module's
// defaults, so testcontainers.WithCmdArgs can add or override flags.
func Run(ctx context.Context, img string, opts ...testcontainers.ContainerCustomizer) (*Container, error) {
	settings := defaultOptions()
	for _, opt := range opts {
		if o, ok := opt.(Option); ok {
			if err := o(&settings); err != nil {
				return nil, fmt.Errorf("ironlocal option: %w", err)
			}
		}
	}
	if len(settings.tokens) == 0 && !settings.permissive {
		token, err := randomToken()
		if err != nil {
			return nil, err
		}
		settings.tokens = []string{token}
	}
	moduleOpts, err := settings.customizers(ctx)
	if err != nil {
		return nil, err
	}
	moduleOpts = append(moduleOpts, opts...)
	logger := tclog.Default()
	moduleOpts = append(moduleOpts, captureLogger{&logger})

	ctr, err := testcontainers.Run(ctx, img, moduleOpts...)
	var c *Container
	if ctr != nil {
		c = &Container{Container: ctr, token: first(settings.tokens, DefaultToken),
			project: first(settings.projects, DefaultProject), memcached: settings.memcached,
			permissive: settings.permissive, testName: settings.testName, logger: logger}
		if settings.keepOnFailure(os.Getenv) {
			c.keepFor = settings.test
		}
	}
	if err != nil {
		return c, fmt.Errorf("run ironlocal: %w", err)
	}
	if err := c.createTriggers(ctx, settings.triggers); err != nil {
		return c, fmt.Errorf("run ironlocal: %w", err)
	}
	c.logAttach(ctx, "ready")
	return c, nil
}

// captureLogger reads the request's logger once every other option has
// set it; it goes last.
type captureLogger struct{ l *tclog.Logger }

func (c captureLogger) Customize(req *testcontainers.GenericContainerRequest) error {
	if req.Logger != nil {
		*c.l = req.Logger
	}
	return nil
}

// customizers turns the settings into the module's default request.
func (o options) customizers(ctx context.Context) ([]testcontainers.ContainerCustomizer, error) {
	ports := []string{Port}
	if o.memcached {
		ports = append(ports, MemcachedPort)
	}
	cs := []testcontainers.ContainerCustomizer{
		testcontainers.WithLabels(o.labels(time.Now())),
		testcontainers.WithExposedPorts(ports...),
		testcontainers.WithCmd(o.args(testcontainers.GenericLabels())...),
		testcontainers.WithWaitStrategy(healthWait{token: first(o.tokens, DefaultToken), timeout: startupTimeout,
			poll: 100 * time.Millisecond}),
	}
	if len(o.tokens) > 0 {
		// In the environment rather than the command line: the app reads
		// it from the container's configuration to attach.
		cs = append(cs, testcontainers.WithEnv(map[string]string{tokenEnv: strings.Join(o.tokens, ",")}))
	}
	if o.keepOnFailure(os.Getenv) {
		cs = append(cs, testcontainers.WithAdditionalLifecycleHooks(outOfSession))
	}
	if o.hostIP.IsValid() {
		// Published on one host address only (loopback by default): the
		// container can run any local image through the host's engine, so
		// other hosts on the network must not reach it.
		hostIP := o.hostIP
		cs = append(cs, testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			if hc.PortBindings == nil {
				hc.PortBindings = network.PortMap{}
			}
			for _, p := range ports {
				hc.PortBindings[network.MustParsePort(p)] = []network.PortBinding{{HostIP: hostIP}}
			}
		}))
	}
	if o.runtime != "process" {
		bind, group, err := o.dockerSocket(ctx)
		if err != nil {
			return nil, err
		}
		cs = append(cs, testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			hc.Binds = append(hc.Binds, bind)
			if group != "" {
				hc.GroupAdd = append(hc.GroupAdd, group)
			}
		}))
	}
	if o.seed != "" {
		cs = append(cs, testcontainers.WithFiles(testcontainers.ContainerFile{
			HostFilePath: o.seed, ContainerFilePath: seedPath, FileMode: 0o644}))
	}
	if o.volume != "" {
		cs = append(cs, testcontainers.WithMounts(testcontainers.VolumeMount(o.volume, dataDir)))
	}
	return cs, nil
}

// args are ironlocald's flags. sessionLabels (testcontainers' labels) and
// the WithTaskLabels ones go to every task container.
func (o options) args(sessionLabels map[string]string) []string {
	args := []string{"--listen", listenAddr}
	if o.volume == "" {
		args = append(args, "--ephemeral")
	} else {
		args = append(args, "--data-dir", dataDir)
	}
	args = append(args, "--runtime", o.runtime)
	if o.runtime != "process" {
		args = append(args, "--docker-network", selfNetwork)
	}
	labels := maps.Clone(o.taskLabels)
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, sessionLabels) // the session's labels win: the reaper relies on them
	if len(labels) > 0 {
		pairs := make([]string, 0, len(labels))
		for _, k := range slices.Sorted(maps.Keys(labels)) {
			pairs = append(pairs, k+"="+labels[k])
		}
		args = append(args, "--container-labels", strings.Join(pairs, ","))
	}
	if len(o.projects) > 0 {
		args = append(args, "--project", strings.Join(o.projects, ","))
	}
	if o.seed != "" {
		args = append(args, "--seed", seedPath)
	}
	if o.logLevel != "" {
		args = append(args, "--log-level", o.logLevel)
	}
	if o.virtualClock {
		args = append(args, "--virtual-clock")
	}
	if o.chaos != "" {
		args = append(args, "--chaos", o.chaos)
	}
	if o.taskSlots > 0 {
		args = append(args, "--task-slots", strconv.Itoa(o.taskSlots))
	}
	if len(o.allowHosts) > 0 {
		args = append(args, "--allow-host", strings.Join(o.allowHosts, ","))
	}
	if o.memcached {
		args = append(args, "--memcached-listen", memcachedListen)
	}
	return args
}

// labels are the container's discovery labels (LabelTest*).
func (o options) labels(now time.Time) map[string]string {
	l := map[string]string{LabelTestContainer: "1", LabelTestStarted: now.UTC().Format(time.RFC3339Nano), LabelTestPort: Port}
	if o.testName != "" {
		l[LabelTestName] = o.testName
	}
	if o.keepOnFailure(os.Getenv) {
		l[LabelTestKeep] = "on-failure"
	}
	return l
}

// outOfSession takes a container that may be kept out of the reaper's
// (Ryuk's) session, which would remove it once the tests end: testcontainers
// adds its session labels after the options, so a pre-create hook (run
// after testcontainers' own, on the labels the container is created with)
// removes them. Without Ryuk there is nothing to remove.
var outOfSession = testcontainers.ContainerLifecycleHooks{
	PreCreates: []testcontainers.ContainerRequestHook{func(_ context.Context, req testcontainers.ContainerRequest) error {
		if req.Labels[labelReap] == "true" {
			delete(req.Labels, labelSessionID)
			delete(req.Labels, labelReap)
		}
		return nil
	}},
}

// testcontainers' reaper labels (its internal/core package).
const (
	labelSessionID = "org.testcontainers.sessionId"
	labelReap      = "org.testcontainers.reap"
)

// dockerSocket returns the bind of the host's Docker socket into the
// container and the group that may use it ("" if unknown).
func (o options) dockerSocket(ctx context.Context) (bind, group string, err error) {
	path := o.socket
	if path == "" {
		if path, err = discoverSocket(ctx); err != nil {
			return "", "", err
		}
	}
	group = o.socketGroup
	if group == "" {
		group, _ = socketGroup(path)
	}
	return path + ":" + containerSocket, group, nil
}

// discoverSocket asks testcontainers where the Docker socket is, turning its
// panic (no Docker host found) into an error.
func discoverSocket(ctx context.Context) (path string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("find the Docker socket to bind: %v", r)
		}
	}()
	return testcontainers.MustExtractDockerSocket(ctx), nil
}

// Token is the token the helpers send: the first WithToken, else
// DefaultToken.
func (c *Container) Token() string { return c.token }

// ProjectID is the project the helpers use: the first WithProject, else
// DefaultProject.
func (c *Container) ProjectID() string { return c.project }

// randomToken is the per-container secret of strict auth (Run's default).
func randomToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate the container's token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

func first(list []string, def string) string {
	if len(list) > 0 {
		return list[0]
	}
	return def
}
