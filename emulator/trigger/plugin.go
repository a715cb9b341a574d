package trigger

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"google.golang.org/grpc"

	"github.com/ironlocal/ironlocal/plugins/sdk"
)

// maxPluginMessage bounds a message from a plugin: an event's payload plus
// room for its id, type and attributes.
const maxPluginMessage = sdk.MaxEventBytes + 1<<20

// Plugin states.
const (
	StateStarting = "starting"
	StateRunning  = "running"
	StateCrashed  = "crashed" // restarting after a backoff
	StateFailed   = "failed"  // never came up: not a plugin, wrong protocol, bad info
	StateStopped  = "stopped"
)

// PluginState describes one discovered plugin file.
type PluginState struct {
	Name    string
	Path    string
	Version string
	// State is starting, running, crashed, failed or stopped; Message says
	// why ("crashed: signal: killed, restarting in 2s").
	State    string
	Message  string
	Error    string
	Restarts int
	PID      int
	// ReadyIn is how long the last start took, from spawning the process
	// to its Info answer.
	ReadyIn     time.Duration
	Description string
	EventTypes  []string
	Schema      []byte
	Samples     []sdk.Sample
	Log         []string

	info   sdk.Info
	schema *jsonschema.Schema
}

// discover lists the plugin executables in dirs: regular files with an
// execute bit (any file on Windows), skipping names that start with a dot.
// A directory that does not exist is skipped.
func discover(dirs []string) ([]string, error) {
	var out []string
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read plugins dir %s: %w", dir, err)
		}
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") {
				continue
			}
			path := filepath.Join(dir, e.Name())
			fi, err := os.Stat(path)
			if err != nil || !fi.Mode().IsRegular() || (fi.Mode()&0o111 == 0 && !windows) {
				continue
			}
			out = append(out, path)
		}
	}
	return out, nil
}

// proc supervises one plugin executable.
type proc struct {
	h    *Host
	path string
	log  *pluginLog

	mu       sync.Mutex
	state    string
	message  string
	lastErr  string
	restarts int
	pid      int
	readyIn  time.Duration
	info     sdk.Info
	schema   *jsonschema.Schema
	client   *plugin.Client
	cmd      *exec.Cmd
	trig     *sdk.Client
	up       bool // has been running at least once
}

func (p *proc) snapshot() PluginState {
	p.mu.Lock()
	defer p.mu.Unlock()
	return PluginState{Name: p.info.Name, Path: p.path, Version: p.info.Version, State: p.state, Message: p.message,
		Error: p.lastErr, Restarts: p.restarts, PID: p.pid, ReadyIn: p.readyIn, Description: p.info.Description,
		EventTypes: p.info.EventTypes, Schema: p.info.ConfigSchema, Samples: p.info.Samples, Log: p.log.Lines(),
		info: p.info, schema: p.schema}
}

func (p *proc) set(state, message string) {
	p.mu.Lock()
	p.state, p.message = state, message
	p.mu.Unlock()
	p.h.publishState(p.path)
}

// supervise starts the plugin and keeps it running until ctx ends.
func (p *proc) supervise(ctx context.Context) {
	backoff := p.h.cfg.MinBackoff
	for {
		p.set(StateStarting, "")
		began := time.Now()
		err := p.start(ctx)
		if err == nil {
			p.h.pluginUp(p)
			err = p.watch(ctx)
			p.h.pluginDown(p)
		}
		p.stop()
		if ctx.Err() != nil {
			p.set(StateStopped, "")
			return
		}
		p.mu.Lock()
		p.lastErr = err.Error()
		up := p.up
		p.mu.Unlock()
		if !up {
			// Never came up: not a plugin, another protocol version, a
			// failed handshake. Retrying would fail the same way.
			p.h.log.Error("trigger plugin refused", "path", p.path, "err", err)
			p.set(StateFailed, err.Error())
			return
		}
		if time.Since(began) > time.Minute {
			backoff = p.h.cfg.MinBackoff // it ran fine for a while
		}
		p.mu.Lock()
		p.restarts++
		p.mu.Unlock()
		msg := fmt.Sprintf("crashed: %v, restarting in %s", err, backoff.Round(time.Millisecond))
		p.h.log.Warn("trigger plugin crashed", "path", p.path, "err", err, "backoff", backoff.String())
		p.set(StateCrashed, msg)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			p.set(StateStopped, "")
			return
		case <-t.C:
		}
		backoff = min(2*backoff, p.h.cfg.MaxBackoff)
	}
}

// start launches the executable, completes the handshake and reads Info.
// Every failure names the file.
func (p *proc) start(ctx context.Context) error {
	began := time.Now()
	cmd := exec.Command(p.path)
	tieToHost(cmd)
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  sdk.Handshake,
		Plugins:          sdk.PluginSet(nil),
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		StartTimeout:     p.h.cfg.StartTimeout,
		// go-plugin lets a plugin send 2 GiB messages; an event is at most
		// sdk.MaxEventBytes (the SDK drops bigger payloads), so a plugin
		// that sends more breaks its own stream instead of the daemon's
		// memory.
		GRPCDialOptions: []grpc.DialOption{grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxPluginMessage))},
		SyncStdout:      p.log,
		SyncStderr:      p.log,
		Logger: hclog.New(&hclog.LoggerOptions{Name: filepath.Base(p.path), Output: p.log, Level: hclog.Debug,
			DisableTime: true}),
	})
	p.mu.Lock()
	p.client, p.cmd, p.pid = client, cmd, 0
	p.mu.Unlock()
	rpc, err := client.Client()
	if err != nil {
		return fmt.Errorf("plugin %s: %w", p.path, explain(err))
	}
	if rc := client.ReattachConfig(); rc != nil {
		p.mu.Lock()
		p.pid = rc.Pid
		p.mu.Unlock()
	}
	raw, err := rpc.Dispense(sdk.PluginName)
	if err != nil {
		return fmt.Errorf("plugin %s: dispense %q: %w", p.path, sdk.PluginName, err)
	}
	trig, ok := raw.(*sdk.Client)
	if !ok {
		return fmt.Errorf("plugin %s: dispensed %T, not a trigger", p.path, raw)
	}
	ictx, cancel := context.WithTimeout(ctx, p.h.cfg.StartTimeout)
	defer cancel()
	info, err := trig.Info(ictx)
	if err != nil {
		return fmt.Errorf("plugin %s: info: %w", p.path, err)
	}
	schema, err := compileSchema(info.ConfigSchema)
	if err != nil {
		return fmt.Errorf("plugin %s: config schema: %w", p.path, err)
	}
	if err := p.h.claimName(p, info.Name); err != nil {
		return fmt.Errorf("plugin %s: %w", p.path, err)
	}
	p.mu.Lock()
	p.info, p.schema, p.trig, p.up, p.readyIn = info, schema, trig, true, time.Since(began)
	p.lastErr = ""
	p.mu.Unlock()
	p.set(StateRunning, "")
	p.h.log.Info("trigger plugin ready", "plugin", info.Name, "version", info.Version, "path", p.path,
		"ready_in", time.Since(began).Round(time.Microsecond).String())
	return nil
}

// explain turns go-plugin's start errors into what a user can act on.
func explain(err error) error {
	msg := strings.ToLower(err.Error())
	switch {
	case strings.Contains(msg, "incompatible api version"):
		return fmt.Errorf("speaks another trigger protocol version (this ironlocal speaks %d): %w", sdk.ProtocolVersion, err)
	case strings.Contains(msg, "timeout while waiting for plugin to start"):
		return fmt.Errorf("not a trigger plugin: no handshake within the start timeout: %w", err)
	case strings.Contains(msg, "unrecognized remote plugin message"), strings.Contains(msg, "exited before we could connect"):
		return fmt.Errorf("not a trigger plugin (no ironlocal handshake): %w", err)
	}
	return err
}

// watch pings the plugin until it stops answering or ctx ends.
func (p *proc) watch(ctx context.Context) error {
	p.mu.Lock()
	client := p.client
	p.mu.Unlock()
	rpc, err := client.Client()
	if err != nil {
		return err
	}
	t := time.NewTicker(p.h.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		if client.Exited() {
			return p.exitReason()
		}
		ping := make(chan error, 1)
		go func() { ping <- rpc.Ping() }()
		select {
		case err := <-ping:
			if err != nil {
				if exitedSoon(ctx, client) {
					return p.exitReason()
				}
				return fmt.Errorf("health ping: %w", err)
			}
		case <-time.After(p.h.cfg.PingTimeout):
			return fmt.Errorf("health ping: no answer within %s", p.h.cfg.PingTimeout)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// exitedSoon reports whether the process has exited or does so within a
// moment: a ping to a dying plugin often fails before go-plugin has reaped
// it, and the exit status says more than the broken connection.
func exitedSoon(ctx context.Context, client *plugin.Client) bool {
	deadline := time.NewTimer(200 * time.Millisecond)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !client.Exited() {
		select {
		case <-ctx.Done():
			return false
		case <-deadline.C:
			return false
		case <-tick.C:
		}
	}
	return true
}

// exitReason says how the process ended ("signal: killed"); go-plugin has
// waited for it by the time Exited reports true.
func (p *proc) exitReason() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil && p.cmd.ProcessState != nil {
		return errors.New(p.cmd.ProcessState.String())
	}
	return errors.New("process exited")
}

// stop kills the plugin process (gracefully first) and forgets the client.
func (p *proc) stop() {
	p.mu.Lock()
	client := p.client
	p.client, p.trig, p.pid = nil, nil, 0
	p.mu.Unlock()
	if client != nil {
		client.Kill()
	}
	p.h.releaseName(p)
}

// trigger returns the running plugin's client, or nil.
func (p *proc) trigger() *sdk.Client {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.trig
}

func sortedStates(ps []PluginState) []PluginState {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Name != ps[j].Name {
			return ps[i].Name < ps[j].Name
		}
		return ps[i].Path < ps[j].Path
	})
	return slices.Clip(ps)
}
