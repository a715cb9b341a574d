package sdk

import (
	"os"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
)

// Log is the plugin's logger. Its lines go to stderr as JSON, which the
// host reads and writes into its own log tagged with the plugin's name.
var Log hclog.Logger = hclog.New(&hclog.LoggerOptions{Level: hclog.Debug, Output: os.Stderr, JSONFormat: true})

// Serve serves impl to ironlocal and returns when the host is done with the
// plugin. Call it from main. Started by anything but ironlocal (no
// handshake cookie), it prints a note and exits with status 1; it exits
// the process once ironlocal is gone (even killed).
func Serve(impl Trigger) {
	if os.Getenv(Handshake.MagicCookieKey) == Handshake.MagicCookieValue {
		exitWithHost()
	}
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: Handshake,
		Plugins:         PluginSet(impl),
		GRPCServer:      plugin.DefaultGRPCServer,
		Logger:          Log,
	})
}
