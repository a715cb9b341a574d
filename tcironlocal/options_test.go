package tcironlocal

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/stretchr/testify/require"
	"github.com/testcontainers/testcontainers-go"
)

// settingsFrom applies opts the way Run does.
func settingsFrom(t *testing.T, opts ...testcontainers.ContainerCustomizer) (options, error) {
	t.Helper()
	s := defaultOptions()
	for _, opt := range opts {
		if o, ok := opt.(Option); ok {
			if err := o(&s); err != nil {
				return s, err
			}
		}
	}
	return s, nil
}

func TestOptions_Args(t *testing.T) {
	seed := filepath.Join(t.TempDir(), "seed.json")
	require.NoError(t, os.WriteFile(seed, []byte(`{"ironlocal_seed":1}`), 0o600))
	session := map[string]string{"org.testcontainers.sessionId": "s1", "org.testcontainers": "true"}

	tests := []struct {
		name string
		opts []testcontainers.ContainerCustomizer
		want []string
	}{
		{
			name: "defaults",
			want: []string{"--listen", "0.0.0.0:4766", "--ephemeral", "--runtime", "docker", "--docker-network", "container:self",
				"--container-labels", "org.testcontainers=true,org.testcontainers.sessionId=s1"},
		},
		{
			name: "everything",
			opts: []testcontainers.ContainerCustomizer{
				WithToken("t1"), WithToken("t2"), WithProject("p1"), WithProject("p2"), WithSeed(seed),
				WithPersistentVolume("vol"), WithLogLevel("debug"), WithVirtualClock(), WithRuntime("auto"),
				WithTaskSlots(1), WithTaskLabels(map[string]string{"team": "qa", "org.testcontainers.sessionId": "spoofed"}),
				testcontainers.WithEnv(map[string]string{"IGNORED": "by Run's option parsing"}),
			},
			want: []string{"--listen", "0.0.0.0:4766", "--data-dir", "/data", "--runtime", "auto", "--docker-network", "container:self",
				"--container-labels", "org.testcontainers=true,org.testcontainers.sessionId=s1,team=qa",
				"--project", "p1,p2", "--seed", "/etc/ironlocal/seed.json", "--log-level", "debug",
				"--virtual-clock", "--task-slots", "1"},
		},
		{
			name: "chaos",
			opts: []testcontainers.ContainerCustomizer{WithChaos(42, map[string]float64{"redeliver": 0.25, "api_503": 0.05}), WithRuntime("process")},
			want: []string{"--listen", "0.0.0.0:4766", "--ephemeral", "--runtime", "process",
				"--container-labels", "org.testcontainers=true,org.testcontainers.sessionId=s1",
				"--chaos", "42:api_503=0.05,redeliver=0.25"},
		},
		{
			name: "memcached",
			opts: []testcontainers.ContainerCustomizer{WithMemcached()},
			want: []string{"--listen", "0.0.0.0:4766", "--ephemeral", "--runtime", "docker", "--docker-network", "container:self",
				"--container-labels", "org.testcontainers=true,org.testcontainers.sessionId=s1",
				"--memcached-listen", "0.0.0.0:11211"},
		},
		{
			name: "process runtime needs no network",
			opts: []testcontainers.ContainerCustomizer{WithRuntime("process")},
			want: []string{"--listen", "0.0.0.0:4766", "--ephemeral", "--runtime", "process",
				"--container-labels", "org.testcontainers=true,org.testcontainers.sessionId=s1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := settingsFrom(t, tt.opts...)
			require.NoError(t, err)
			require.Equal(t, tt.want, s.args(session))
		})
	}
}

func TestOptions_Invalid(t *testing.T) {
	tests := []struct {
		name string
		opt  Option
		want string
	}{
		{"empty token", WithToken(""), "token"},
		{"token with comma", WithToken("a,b"), "commas"},
		{"project with space", WithProject("p 1"), "project"},
		{"missing seed", WithSeed(filepath.Join(t.TempDir(), "nope.json")), "seed file"},
		{"seed is a directory", WithSeed(t.TempDir()), "directory"},
		{"empty volume", WithPersistentVolume(""), "volume"},
		{"log level", WithLogLevel("loud"), "log level"},
		{"runtime", WithRuntime("podman"), "runtime"},
		{"task slots", WithTaskSlots(0), "task slots"},
		{"label with comma", WithTaskLabels(map[string]string{"k": "a,b"}), "task label"},
		{"label key with =", WithTaskLabels(map[string]string{"k=v": "x"}), "task label"},
		{"empty socket", WithDockerSocket(""), "docker socket"},
		{"socket group", WithDockerSocketGroup("docker"), "numeric gid"},
		{"chaos rate", WithChaos(1, map[string]float64{"redeliver": 1.5}), "bad rate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := settingsFrom(t, tt.opt)
			require.ErrorContains(t, err, tt.want)
			// Run reports it before touching Docker.
			c, err := Run(context.Background(), DefaultImage, tt.opt)
			require.Nil(t, c)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestOptions_DockerSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "docker.sock")
	require.NoError(t, os.WriteFile(sock, nil, 0o600))
	gid, ok := socketGroup(sock)
	require.True(t, ok, "the group of a local file is known")

	tests := []struct {
		name      string
		opts      []testcontainers.ContainerCustomizer
		wantBinds []string
		wantGroup []string
	}{
		{"the socket's own group", []testcontainers.ContainerCustomizer{WithDockerSocket(sock)},
			[]string{sock + ":/var/run/docker.sock"}, []string{gid}},
		{"an explicit group", []testcontainers.ContainerCustomizer{WithDockerSocket(sock), WithDockerSocketGroup("0")},
			[]string{sock + ":/var/run/docker.sock"}, []string{"0"}},
		{"a socket we cannot inspect", []testcontainers.ContainerCustomizer{WithDockerSocket("/nonexistent/docker.sock")},
			[]string{"/nonexistent/docker.sock:/var/run/docker.sock"}, nil},
		{"no socket for the process runtime", []testcontainers.ContainerCustomizer{WithDockerSocket(sock), WithRuntime("process")},
			nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := settingsFrom(t, tt.opts...)
			require.NoError(t, err)
			cs, err := s.customizers(context.Background())
			require.NoError(t, err)
			var req testcontainers.GenericContainerRequest
			for _, c := range cs {
				require.NoError(t, c.Customize(&req))
			}
			var hc container.HostConfig
			if req.HostConfigModifier != nil {
				req.HostConfigModifier(&hc)
			}
			require.Equal(t, tt.wantBinds, hc.Binds)
			require.Equal(t, tt.wantGroup, hc.GroupAdd)
			require.Equal(t, []string{Port}, req.ExposedPorts)
			require.Equal(t, "--listen", req.Cmd[0])
			require.NotNil(t, req.WaitingFor)
		})
	}
}

func TestOptions_Volume(t *testing.T) {
	s, err := settingsFrom(t, WithPersistentVolume("ironlocal-data"))
	require.NoError(t, err)
	s.runtime = "process" // no Docker socket discovery in a unit test
	cs, err := s.customizers(context.Background())
	require.NoError(t, err)
	var req testcontainers.GenericContainerRequest
	for _, c := range cs {
		require.NoError(t, c.Customize(&req))
	}
	require.Len(t, req.Mounts, 1)
	require.Equal(t, "ironlocal-data", req.Mounts[0].Source.Source())
	require.Equal(t, "/data", string(req.Mounts[0].Target))
	require.True(t, strings.Contains(strings.Join(req.Cmd, " "), "--data-dir /data"))
}

// fakeTB is a test that fails when told.
type fakeTB struct {
	name   string
	failed bool
}

func (f *fakeTB) Name() string { return f.name }
func (f *fakeTB) Failed() bool { return f.failed }

func TestOptions_Labels(t *testing.T) {
	now := time.Date(2025, 3, 1, 10, 0, 0, 5e8, time.FixedZone("CET", 3600))
	tb := &fakeTB{name: "TestOrders/fails"}
	tests := []struct {
		name string
		env  string // IRONLOCAL_KEEP_ON_FAILURE
		opts []testcontainers.ContainerCustomizer
		want map[string]string
		keep bool
	}{
		{name: "defaults", want: map[string]string{"ironlocal.tc": "1", "ironlocal.tc.started": "2025-03-01T09:00:00.5Z",
			"ironlocal.tc.port": "4766/tcp"}},
		{name: "test name", opts: []testcontainers.ContainerCustomizer{WithTestName("TestX")},
			want: map[string]string{"ironlocal.tc": "1", "ironlocal.tc.started": "2025-03-01T09:00:00.5Z",
				"ironlocal.tc.port": "4766/tcp", "ironlocal.tc.test": "TestX"}},
		{name: "keep on failure", opts: []testcontainers.ContainerCustomizer{WithKeepOnFailure(tb)}, keep: true,
			want: map[string]string{"ironlocal.tc": "1", "ironlocal.tc.started": "2025-03-01T09:00:00.5Z",
				"ironlocal.tc.port": "4766/tcp", "ironlocal.tc.test": "TestOrders/fails", "ironlocal.tc.keep": "on-failure"}},
		{name: "keep on failure off for CI", env: "0", opts: []testcontainers.ContainerCustomizer{WithKeepOnFailure(tb)},
			want: map[string]string{"ironlocal.tc": "1", "ironlocal.tc.started": "2025-03-01T09:00:00.5Z",
				"ironlocal.tc.port": "4766/tcp", "ironlocal.tc.test": "TestOrders/fails"}},
		{name: "WithTest keeps only with the variable", opts: []testcontainers.ContainerCustomizer{WithTest(tb)},
			want: map[string]string{"ironlocal.tc": "1", "ironlocal.tc.started": "2025-03-01T09:00:00.5Z",
				"ironlocal.tc.port": "4766/tcp", "ironlocal.tc.test": "TestOrders/fails"}},
		{name: "IRONLOCAL_KEEP_ON_FAILURE=1 with WithTest", env: "1", opts: []testcontainers.ContainerCustomizer{WithTest(tb)}, keep: true,
			want: map[string]string{"ironlocal.tc": "1", "ironlocal.tc.started": "2025-03-01T09:00:00.5Z",
				"ironlocal.tc.port": "4766/tcp", "ironlocal.tc.test": "TestOrders/fails", "ironlocal.tc.keep": "on-failure"}},
		{name: "IRONLOCAL_KEEP_ON_FAILURE=1 needs the test", env: "1",
			want: map[string]string{"ironlocal.tc": "1", "ironlocal.tc.started": "2025-03-01T09:00:00.5Z",
				"ironlocal.tc.port": "4766/tcp"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(envKeepOnFailure, tt.env)
			s, err := settingsFrom(t, tt.opts...)
			require.NoError(t, err)
			require.Equal(t, tt.want, s.labels(now))
			require.Equal(t, tt.keep, s.keepOnFailure(os.Getenv))
		})
	}
}

// The token is in the container's environment, where the desktop app
// reads it to attach, and no longer on the command line.
func TestOptions_TokenInEnv(t *testing.T) {
	s, err := settingsFrom(t, WithToken("t1"), WithToken("t2"), WithRuntime("process"))
	require.NoError(t, err)
	cs, err := s.customizers(context.Background())
	require.NoError(t, err)
	req := testcontainers.GenericContainerRequest{}
	for _, c := range cs {
		require.NoError(t, c.Customize(&req))
	}
	require.Equal(t, "t1,t2", req.Env["IRONLOCAL_TOKEN"])
	require.NotContains(t, req.Cmd, "--token")
	require.Equal(t, "1", req.Labels["ironlocal.tc"])
}

// A container that may be kept leaves the reaper's session, so Ryuk does
// not remove it after the tests.
func TestOptions_KeptContainerLeavesSession(t *testing.T) {
	labels := map[string]string{labelSessionID: "s1", labelReap: "true", "ironlocal.tc": "1"}
	require.NoError(t, outOfSession.PreCreates[0](context.Background(), testcontainers.ContainerRequest{Labels: labels}))
	require.Equal(t, map[string]string{"ironlocal.tc": "1"}, labels)

	noRyuk := map[string]string{labelSessionID: "s1"}
	require.NoError(t, outOfSession.PreCreates[0](context.Background(), testcontainers.ContainerRequest{Labels: noRyuk}))
	require.Equal(t, map[string]string{labelSessionID: "s1"}, noRyuk)
}
