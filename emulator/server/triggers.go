package server

import (
	"os"
	"path/filepath"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/httpapi"
	"github.com/ironlocal/ironlocal/emulator/idgen"
	"github.com/ironlocal/ironlocal/emulator/trigger"
)

// Triggers is the trigger plugin host (bindings, plugins, event traces).
func (s *Server) Triggers() *trigger.Host { return s.triggers }

// pluginDirs are the directories searched for trigger plugins:
// Options.PluginsDirs, else the built-ins next to the executable
// (<dir of the binary>/plugins) and <data-dir>/plugins.
func pluginDirs(opts Options) []string {
	if opts.PluginsDirs != nil {
		return opts.PluginsDirs
	}
	var dirs []string
	if exe, err := os.Executable(); err == nil {
		if exe, err = filepath.EvalSymlinks(exe); err == nil {
			dirs = append(dirs, filepath.Join(filepath.Dir(exe), "plugins"))
		}
	}
	if !opts.Ephemeral && opts.DataDir != "" {
		dirs = append(dirs, filepath.Join(opts.DataDir, "plugins"))
	}
	return dirs
}

// newTriggers builds the plugin host on the services; Start (at the end of
// start-up) discovers and starts the plugins without waiting for them.
func (s *Server) newTriggers() *trigger.Host {
	return trigger.New(trigger.Config{Dirs: pluginDirs(s.opts), Store: s.store, Tasks: s.worker,
		Queues: s.mq, Caches: s.cache, Bus: s.bus, Clock: s.clock, IDs: idgen.NewRandom(s.clock),
		Goroutines: s.bg, Logger: s.log, StartTimeout: s.opts.PluginStartTimeout,
		MessageBodyLimit: s.opts.MessageBodyLimit, MaxBindingsPerProject: s.opts.MaxBindings,
		PluginEvent: func(payload []byte, attrs map[string]string, te emulator.TriggerEvent) {
			httpapi.JournalPluginEvent(s.journal, s.clock.Now(), payload, attrs, te)
		}})
}
