package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/codezip"
	"github.com/ironlocal/ironlocal/emulator/control"
	"github.com/ironlocal/ironlocal/emulator/runtime/docker"
	"github.com/ironlocal/ironlocal/emulator/runtime/process"
)

// openRuntime picks the task runtime. "auto" uses Docker when an engine
// answers within a second, else local processes.
func openRuntime(opts Options) (emulator.Runtime, error) {
	switch opts.Runtime {
	case "process":
		return process.New(process.Options{Logger: opts.Logger, CodeLimits: codeLimits(opts)}), nil
	case "docker", "auto", "":
	default:
		return nil, fmt.Errorf("unknown runtime %q: use docker, process or auto", opts.Runtime)
	}
	network, err := taskNetwork(opts.DockerNetwork, os.Hostname)
	if err != nil {
		return nil, err
	}
	rt, err := docker.New(docker.Options{Instance: instanceID(opts), Labels: opts.ContainerLabels,
		NetworkMode: network, Logger: opts.Logger, CodeLimits: codeLimits(opts), WarmImages: opts.WarmImages,
		Pull: docker.PullPolicy(opts.Pull)})
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err = rt.Ping(ctx); err == nil {
			if n, rerr := rt.ReapLeftovers(ctx); rerr != nil {
				opts.Logger.Warn("remove leftover task containers", "err", rerr)
			} else if n > 0 {
				opts.Logger.Info("removed leftover task containers", "count", n)
			}
			return rt, nil
		}
		_ = rt.Close(context.Background())
	}
	if opts.Runtime == "docker" {
		return nil, fmt.Errorf("docker runtime: %w", err)
	}
	opts.Logger.Warn("no Docker engine answered: tasks run as local processes (--runtime process)", "err", err)
	return process.New(process.Options{Logger: opts.Logger, CodeLimits: codeLimits(opts)}), nil
}

// codeLimits are the code zip limits the worker checks at upload and the
// runtimes enforce while extracting.
func codeLimits(opts Options) codezip.Limits {
	return codezip.Limits{MaxBytes: opts.MaxCodeBytes, MaxEntries: opts.MaxCodeEntries}.OrDefaults()
}

// SelfNetwork as the Docker network makes task containers share the network
// namespace of the container ironlocald itself runs in, so they reach it at
// 127.0.0.1. It names the container by its hostname, which Docker sets to the
// (short) container id unless told otherwise.
const SelfNetwork = "container:self"

// taskNetwork resolves the task containers' network mode.
func taskNetwork(mode string, hostname func() (string, error)) (string, error) {
	if mode != SelfNetwork {
		return mode, nil
	}
	h, err := hostname()
	if err == nil && h == "" {
		err = fmt.Errorf("empty hostname")
	}
	if err != nil {
		return "", fmt.Errorf("docker network %s: find this container's id: %w", SelfNetwork, err)
	}
	return "container:" + h, nil
}

// instanceID labels this emulator's containers. It is stable for a data
// dir on one host, so leftovers of a killed run are reaped by the next one;
// the host name keeps two emulator containers that both use /data apart.
func instanceID(opts Options) string {
	if opts.Ephemeral || opts.DataDir == "" {
		var b [6]byte
		_, _ = rand.Read(b[:])
		return "eph-" + hex.EncodeToString(b[:])
	}
	abs, err := filepath.Abs(opts.DataDir)
	if err != nil {
		abs = opts.DataDir
	}
	host, _ := os.Hostname()
	sum := sha256.Sum256([]byte(host + "\x00" + abs))
	return hex.EncodeToString(sum[:6])
}

// ironEnv is what tasks get so Iron clients inside them reach this
// emulator (spec §3.6 extension). Task containers share the host's (or the
// emulator container's) network, so a loopback or unspecified listen
// address is reached at 127.0.0.1.
func (s *Server) ironEnv() map[string]string {
	if s.opts.NoIronEnv {
		return nil
	}
	addr := s.ln.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() || addr.IP.IsLoopback() {
		host = "127.0.0.1"
	}
	token := emulator.DefaultToken
	if len(s.opts.Tokens) > 0 {
		token = s.opts.Tokens[0]
	}
	return map[string]string{"IRON_HOST": host, "IRON_PORT": strconv.Itoa(addr.Port), "IRON_SCHEME": "http",
		"IRON_PROTOCOL": "http", "IRON_TOKEN": token}
}

// openTestContainers is Options.TestContainers, else a finder on the Docker
// engine of DOCKER_HOST (no I/O until the route is called); nil when the
// Docker client cannot even be configured.
func (s *Server) openTestContainers() control.TestContainers {
	if s.opts.TestContainers != nil {
		return s.opts.TestContainers
	}
	f, err := docker.NewTestContainers()
	if err != nil {
		s.log.Warn("test containers cannot be listed", "err", err)
		return nil
	}
	s.containers = f
	return f
}
