package sdk_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/internal/doccheck"
	"github.com/ironlocal/ironlocal/plugins/sdk"
	"github.com/ironlocal/ironlocal/plugins/sdk/sdktest"
)

// serveExampleEnv makes this test binary, started by TestExampleServe as a
// plugin, run ExampleServe as its main.
const serveExampleEnv = "IRONLOCAL_SDK_SERVE_EXAMPLE"

func TestMain(m *testing.M) {
	if os.Getenv(serveExampleEnv) == "1" {
		ExampleServe()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// ExampleServe has no // Output: (Serve would wait for a host), so go test
// only compiles it. Here it runs as what it is, a plugin's main: this test
// binary, started the way ironlocal starts plugins, runs ExampleServe and
// serves the example trigger to a host over go-plugin's gRPC.
func TestExampleServe(t *testing.T) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), serveExampleEnv+"=1")
	checkTicker(t, startPlugin(t, cmd), "ticker")
}

// README.md shows the package documentation's example as it is.
func TestReadme_ShowsThePackageDocExample(t *testing.T) {
	code, err := doccheck.Example(".")
	require.NoError(t, err)
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	require.Contains(t, string(readme), "```go\n"+code+"```\n")
}

// The complete plugin the package documentation starts with builds, and
// its binary works as a plugin.
func TestPackageDoc_ExampleRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a plugin")
	}
	code, err := doccheck.Example(".")
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(code), 0o644))
	bin := filepath.Join(dir, "ticker")
	build := exec.Command("go", "build", "-o", bin, filepath.Join(dir, "main.go")) // in this module: this checkout's SDK
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build the package documentation's example:\n%s", out)
	checkTicker(t, startPlugin(t, exec.Command(bin)), "ticker")
}

// startPlugin starts the plugin cmd as ironlocal does (go-plugin's
// handshake, gRPC) and returns the host's handle on it.
func startPlugin(t *testing.T, cmd *exec.Cmd) *sdk.Client {
	t.Helper()
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  sdk.Handshake,
		Plugins:          sdk.PluginSet(nil),
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		StartTimeout:     30 * time.Second,
		Logger:           hclog.NewNullLogger(),
	})
	t.Cleanup(client.Kill)
	rpc, err := client.Client()
	require.NoError(t, err, "start the plugin")
	raw, err := rpc.Dispense(sdk.PluginName)
	require.NoError(t, err)
	c, ok := raw.(*sdk.Client)
	require.True(t, ok, "dispensed %T", raw)
	return c
}

// checkTicker checks the plugin is the example ticker: its Info, a config
// its schema requires, and three ticks numbered in order.
func checkTicker(t *testing.T, c *sdk.Client, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	info, err := c.Info(ctx)
	require.NoError(t, err)
	require.Equal(t, name, info.Name)
	require.Equal(t, []string{"ticker:tick"}, info.EventTypes)
	require.Contains(t, string(info.ConfigSchema), `"every_ms"`)
	require.NoError(t, c.Validate(ctx, json.RawMessage(`{"every_ms":10}`)))

	events := make(chan sdk.Event, 16)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- c.Run(runCtx, sdk.Binding{ID: "b1", Config: json.RawMessage(`{"every_ms":10}`), Action: sdk.ActionTask},
			sdktest.NewHost(), func(ev sdk.Event) {
				select {
				case events <- ev:
				default:
				}
			})
	}()
	for want := 1; want <= 3; want++ {
		select {
		case ev := <-events:
			require.Equal(t, "ticker:tick", ev.Type)
			var p struct{ N int }
			require.NoError(t, json.Unmarshal(ev.Payload, &p))
			require.Equal(t, want, p.N)
		case err := <-done:
			t.Fatalf("the run ended before tick %d: %v", want, err)
		case <-ctx.Done():
			t.Fatalf("no tick %d", want)
		}
	}
	stop()
	require.NoError(t, <-done, "a run ended by its host returns nil")
}
