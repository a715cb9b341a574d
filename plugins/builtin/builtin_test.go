package builtin

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/internal/version"
	"github.com/ironlocal/ironlocal/plugins/sdk"
)

// Every built-in plugin reports the build's version, not a number of its own.
func TestPlugins_ReportTheBuildVersion(t *testing.T) {
	for name, newTrigger := range plugins {
		info, err := newTrigger().Info(t.Context())
		require.NoError(t, err, name)
		require.Equal(t, name, info.Name)
		require.Equal(t, version.Version, info.Version, "%s reports internal/version.Version", name)
	}
}

// A build stamped as a release is (-X internal/version.Version, as make
// release and make image stamp) reports the stamped version for its
// plugins too, in both shapes they ship in: a plugin command of its own
// (the release archives' plugins/queue) and ironlocald run under a
// plugin's name (the image's /plugins/http, a link to /ironlocald).
func TestPlugins_StampedBuildReportsItsVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds ironlocald and a plugin")
	}
	const stamped = "9.8.7-stamped.1"
	dir := t.TempDir()
	build := exec.Command("go", "build", "-ldflags", "-X "+version.Var+"="+stamped,
		"-o", dir+string(filepath.Separator), "./plugins/queue", "./emulator/cmd/ironlocald")
	build.Dir = filepath.Join("..", "..")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	require.NoError(t, os.Symlink(filepath.Join(dir, "ironlocald"), filepath.Join(dir, "http")))

	for exe, name := range map[string]string{"queue": "queue", "http": "http"} {
		t.Run(exe, func(t *testing.T) {
			info := pluginInfo(t, filepath.Join(dir, exe))
			require.Equal(t, name, info.Name)
			require.Equal(t, stamped, info.Version)
		})
	}
}

// pluginInfo starts the plugin executable at path as ironlocal does
// (go-plugin's handshake over gRPC) and returns its Info.
func pluginInfo(t *testing.T, path string) sdk.Info {
	t.Helper()
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  sdk.Handshake,
		Plugins:          sdk.PluginSet(nil),
		Cmd:              exec.Command(path),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		StartTimeout:     30 * time.Second,
		Logger:           hclog.NewNullLogger(),
	})
	t.Cleanup(client.Kill)
	rpc, err := client.Client()
	require.NoError(t, err, "start %s", path)
	raw, err := rpc.Dispense(sdk.PluginName)
	require.NoError(t, err)
	c, ok := raw.(*sdk.Client)
	require.True(t, ok, "dispensed %T", raw)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	info, err := c.Info(ctx)
	require.NoError(t, err)
	return info
}
