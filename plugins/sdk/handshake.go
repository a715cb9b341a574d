package sdk

import "github.com/hashicorp/go-plugin"

// ProtocolVersion is the version of the trigger plugin protocol. A plugin
// built against another version is refused with an error naming both.
const ProtocolVersion = 1

// PluginName is the name the trigger plugin is dispensed under.
const PluginName = "trigger"

// Handshake is the go-plugin handshake: a plugin started by anything else
// than ironlocal refuses to run, and ironlocal refuses a binary that does
// not answer it.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "IRONLOCAL_TRIGGER_PLUGIN",
	MagicCookieValue: "6f1d0c7e-trigger-plugin-ironlocal",
}

// PluginSet is the go-plugin set for a trigger: impl on the plugin side, nil
// on the host side.
func PluginSet(impl Trigger) plugin.PluginSet {
	return plugin.PluginSet{PluginName: &GRPCPlugin{Impl: impl}}
}
