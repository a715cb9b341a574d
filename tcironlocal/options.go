package tcironlocal

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/testcontainers/testcontainers-go"
)

// options is what the ironlocal-specific options configure; Run turns it
// into ironlocald flags and container settings.
type options struct {
	tokens       []string
	projects     []string
	seed         string // host path
	volume       string // named volume at /data; "" = ephemeral
	logLevel     string
	virtualClock bool
	chaos        string // --chaos SEED[:kind=rate,…]
	runtime      string
	taskSlots    int
	taskLabels   map[string]string
	socket       string     // host path of the Docker socket to bind; "" = discover
	socketGroup  string     // group to add for the socket; "" = the socket's gid
	permissive   bool       // no token generated: any non-empty token works
	hostIP       netip.Addr // host address the port is published on; invalid = every address
	allowHosts   []string   // extra Host names ironlocald accepts (--allow-host)
	memcached    bool       // also serve the memcached protocol (WithMemcached)
	triggers     []Trigger  // bindings created once ready (WithTrigger)
	testName     string     // WithTestName, WithTest, WithKeepOnFailure
	test         TB         // whose failure keeps the container (WithTest, WithKeepOnFailure)
	keepAlways   bool       // WithKeepOnFailure: keep on failure whatever IRONLOCAL_KEEP_ON_FAILURE says but 0
}

func defaultOptions() options {
	return options{runtime: "docker", taskLabels: map[string]string{}, hostIP: netip.MustParseAddr("127.0.0.1")}
}

// Option configures the ironlocal container. It implements
// testcontainers.ContainerCustomizer, so it is passed to Run together with
// testcontainers' own options.
type Option func(*options) error

// Customize is a no-op: Run reads Options before it builds the request.
func (o Option) Customize(*testcontainers.GenericContainerRequest) error { return nil }

// WithProject declares a project id (24 lowercase hex characters for the
// Ruby clients). The first one is the project the helpers (Env, IronJSON,
// TaskLog, RunSchedule) use; DefaultProject otherwise. Each call adds one to
// ironlocald's --project list, which restricts the projects accepted in
// strict mode (see WithToken).
func WithProject(id string) Option {
	return func(o *options) error {
		if err := checkListItem("project", id); err != nil {
			return err
		}
		o.projects = append(o.projects, id)
		return nil
	}
}

// WithToken sets the token strict auth accepts (each call adds one). The
// first token is the one the helpers use. Without WithToken, Run makes a
// random token per container (see Token).
func WithToken(token string) Option {
	return func(o *options) error {
		if err := checkListItem("token", token); err != nil {
			return err
		}
		o.tokens = append(o.tokens, token)
		return nil
	}
}

// WithPermissiveAuth turns strict auth off: ironlocal accepts any non-empty
// token and the control plane needs none, and the helpers send
// DefaultToken. Anyone who reaches the port can then drive the host's Docker
// engine through the container: keep the default host address (WithHostIP).
func WithPermissiveAuth() Option {
	return func(o *options) error {
		o.permissive = true
		return nil
	}
}

// WithHostIP publishes the port on the host address ip instead of
// 127.0.0.1; "0.0.0.0" (or "") publishes it on every address, reachable
// from other hosts on the network.
func WithHostIP(ip string) Option {
	return func(o *options) error {
		if ip == "" || ip == "0.0.0.0" {
			o.hostIP = netip.Addr{}
			return nil
		}
		a, err := netip.ParseAddr(ip)
		if err != nil {
			return fmt.Errorf("host IP: %w", err)
		}
		o.hostIP = a
		return nil
	}
}

// WithAllowHost makes ironlocald accept requests naming host in their Host
// header (--allow-host), e.g. the network alias other containers use to
// reach it. Loopback names and IP addresses are always accepted.
func WithAllowHost(host string) Option {
	return func(o *options) error {
		if err := checkListItem("host", host); err != nil {
			return err
		}
		o.allowHosts = append(o.allowHosts, host)
		return nil
	}
}

// WithSeed copies the seed file at hostPath (JSON; see fixtures/seed/ in the
// ironlocal repository) into the container and starts ironlocald with
// --seed, which loads it into the empty store at start. A bad seed makes the
// container exit and Run fail with its message.
func WithSeed(hostPath string) Option {
	return func(o *options) error {
		fi, err := os.Stat(hostPath)
		if err != nil {
			return fmt.Errorf("seed file: %w", err)
		}
		if fi.IsDir() {
			return fmt.Errorf("seed file %s is a directory", hostPath)
		}
		o.seed = hostPath
		return nil
	}
}

// WithPersistentVolume keeps the store in the named Docker volume name,
// mounted at /data, instead of the container's own ephemeral store: a new
// container on the same volume sees the state of the previous one. Docker
// creates the volume if needed; removing it is up to the caller. One
// container at a time per volume.
func WithPersistentVolume(name string) Option {
	return func(o *options) error {
		if name == "" {
			return errors.New("persistent volume: empty name")
		}
		o.volume = name
		return nil
	}
}

// WithLogLevel sets ironlocald's log level: debug, info (the default), warn
// or error. The log is the container's output (ctr.Logs, or
// testcontainers.WithLogConsumers).
func WithLogLevel(level string) Option {
	return func(o *options) error {
		var l slog.Level
		if err := l.UnmarshalText([]byte(level)); err != nil {
			return fmt.Errorf("log level %q: use debug, info, warn or error", level)
		}
		o.logLevel = level
		return nil
	}
}

// WithVirtualClock freezes the emulator's clock at its start time; only
// AdvanceClock moves it. Delays, expirations, reservations and schedules
// follow it.
func WithVirtualClock() Option {
	return func(o *options) error {
		o.virtualClock = true
		return nil
	}
}

// WithChaos starts the emulator in chaos mode: the platform misbehaves as
// production IronMQ and IronWorker may (redelivered messages, duplicate and
// failed pushes, killed and delayed tasks, 503s, latency) at the points
// seed decides — the same points every run with the same requests in the
// same order, so a failing test's seed reproduces it. profile gives the
// rate (0 to 1) of each kind ("redeliver", "push_twice", "push_fail",
// "kill_task", "delay_task", "api_503", "latency"); nil takes the default
// profile. Combine it with WithVirtualClock for runs that replay exactly.
func WithChaos(seed int64, profile map[string]float64) Option {
	return func(o *options) error {
		spec := strconv.FormatInt(seed, 10)
		if len(profile) > 0 {
			pairs := make([]string, 0, len(profile))
			for _, k := range slices.Sorted(maps.Keys(profile)) {
				r := profile[k]
				if strings.ContainsAny(k, ",=:") || r < 0 || r > 1 || r != r {
					return fmt.Errorf("tcironlocal: WithChaos: bad rate %v for %q", r, k)
				}
				pairs = append(pairs, k+"="+strconv.FormatFloat(r, 'g', -1, 64))
			}
			spec += ":" + strings.Join(pairs, ",")
		}
		o.chaos = spec
		return nil
	}
}

// WithRuntime chooses where tasks run: "docker" (the default: sibling
// containers through the Docker socket; the container fails to start if
// the socket is unusable), "auto" (Docker when usable, else processes) or
// "process" (processes inside the emulator container, which has nothing
// else in it; the socket is then not bound).
func WithRuntime(name string) Option {
	return func(o *options) error {
		switch name {
		case "docker", "process", "auto":
			o.runtime = name
			return nil
		}
		return fmt.Errorf("runtime %q: use docker, process or auto", name)
	}
}

// WithTaskSlots sets how many tasks run at once (ironlocald's default is
// 2×CPUs). One slot makes task order deterministic.
func WithTaskSlots(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("task slots: %d is not positive", n)
		}
		o.taskSlots = n
		return nil
	}
}

// WithTaskLabels adds labels to every task container, besides the
// testcontainers session labels that Run always adds. Keys and values must
// not contain commas; keys must not contain "=".
func WithTaskLabels(labels map[string]string) Option {
	return func(o *options) error {
		for k, v := range labels {
			if k == "" || v == "" || strings.ContainsAny(k, ",=") || strings.Contains(v, ",") {
				return fmt.Errorf("task label %q=%q: keys and values must be non-empty and free of commas (and keys of '=')", k, v)
			}
		}
		maps.Copy(o.taskLabels, labels)
		return nil
	}
}

// WithDockerSocket binds the Docker socket at hostPath (a path on the
// Docker host) instead of the one testcontainers discovers
// (testcontainers.MustExtractDockerSocket: DOCKER_HOST's unix path,
// TESTCONTAINERS_DOCKER_SOCKET_OVERRIDE, or /var/run/docker.sock).
func WithDockerSocket(hostPath string) Option {
	return func(o *options) error {
		if hostPath == "" {
			return errors.New("docker socket: empty path")
		}
		o.socket = hostPath
		return nil
	}
}

// WithDockerSocketGroup adds group gid to the container's user instead of
// the group that owns the socket here. Use it when the socket cannot be
// inspected from the test process (a remote engine) or its group differs
// inside the container (rootless Docker: "0").
func WithDockerSocketGroup(gid string) Option {
	return func(o *options) error {
		if _, err := strconv.ParseUint(gid, 10, 32); err != nil {
			return fmt.Errorf("docker socket group %q: not a numeric gid", gid)
		}
		o.socketGroup = gid
		return nil
	}
}

// checkListItem rejects values that would break a comma-separated flag.
func checkListItem(what, v string) error {
	if v == "" || strings.ContainsAny(v, ", \t\n") {
		return fmt.Errorf("%s %q: must be non-empty, without commas or spaces", what, v)
	}
	return nil
}

// TB is the part of testing.TB the keep-on-failure options need (testing.T
// and testing.B have it).
type TB interface {
	Name() string
	Failed() bool
}

// WithTestName labels the container with the test's name (t.Name()), so
// the desktop app's list of test containers says whose it is.
func WithTestName(name string) Option {
	return func(o *options) error {
		o.testName = name
		return nil
	}
}

// WithTest labels the container with t's name (as WithTestName) and ties
// it to t: with IRONLOCAL_KEEP_ON_FAILURE=1 in the environment, the
// container is kept running when t fails (see WithKeepOnFailure).
func WithTest(t TB) Option {
	return func(o *options) error {
		if t == nil {
			return errors.New("test: nil")
		}
		o.test, o.testName = t, cmp.Or(o.testName, t.Name())
		return nil
	}
}

// WithKeepOnFailure keeps the container running when t has failed by the
// time it is terminated (testcontainers.CleanupContainer(t, ctr) terminates
// it when t ends): Terminate then leaves it, out of testcontainers' session
// cleanup, and logs how to attach the desktop app and how to remove it
// (docker rm -f, or the app's list of test containers, which marks it
// kept). A passing test's container is terminated as usual.
// IRONLOCAL_KEEP_ON_FAILURE=0 turns keeping off (for CI); =1 turns it on
// for every container started WithTest.
func WithKeepOnFailure(t TB) Option {
	return func(o *options) error {
		if err := WithTest(t)(o); err != nil {
			return err
		}
		o.keepAlways = true
		return nil
	}
}

// keepOnFailure reports whether the container stays when its test fails:
// IRONLOCAL_KEEP_ON_FAILURE=0 never, =1 whenever the test is known, else
// with WithKeepOnFailure.
func (o options) keepOnFailure(getenv func(string) string) bool {
	switch getenv(envKeepOnFailure) {
	case "0", "false":
		return false
	case "1", "true":
		return o.test != nil
	}
	return o.keepAlways
}
