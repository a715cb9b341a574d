// Package trigger is the trigger plugin host (issue 12). It discovers plugin
// executables in the plugin directories, runs each once and supervises it
// (health pings; a crash restarts it with exponential backoff while the
// emulator and the other plugins carry on), keeps the bindings (plugin +
// config + action), runs each enabled binding in its plugin, turns every
// event into a task or a message, and records each event's journey in the
// binding's bounded, durable trace and on the event bus.
//
// Plugins speak the public SDK (plugins/sdk) over go-plugin's gRPC
// transport; they reach ironlocal only through the narrow sdk.Host API this
// package serves to each run, never the store or the runtime.
package trigger
