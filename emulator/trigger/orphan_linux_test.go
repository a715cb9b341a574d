package trigger_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ironlocal/ironlocal/internal/testbin"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// alive reports whether pid is a live process (not gone, not a zombie).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(rest, "Z")
}

// TestKilledHost_LeavesNoPlugins: kill -9 of ironlocald takes its plugin
// processes with it, so none keeps a port or a watch.
func TestKilledHost_LeavesNoPlugins(t *testing.T) {
	bin := testbin.Daemon(t)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	daemon := exec.Command(bin, "--listen", addr, "--ephemeral", "--runtime", "process",
		"--plugins-dir", pluginDir(t, "http", "upload"))
	require.NoError(t, daemon.Start())
	t.Cleanup(func() {
		_ = daemon.Process.Kill()
		_ = daemon.Wait()
	})

	var pids []int
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		resp, err := http.Get("http://" + addr + "/_ironlocal/plugins")
		if !assert.NoError(c, err) {
			return
		}
		defer resp.Body.Close()
		var v struct {
			Plugins []struct {
				State string `json:"state"`
				PID   int    `json:"pid"`
			} `json:"plugins"`
		}
		if !assert.NoError(c, json.NewDecoder(resp.Body).Decode(&v)) {
			return
		}
		pids = pids[:0]
		for _, p := range v.Plugins {
			if p.State == "running" {
				pids = append(pids, p.PID)
			}
		}
		assert.Len(c, pids, 2)
	}, 20*time.Second, 20*time.Millisecond)
	for _, pid := range pids {
		require.True(t, alive(pid))
	}

	require.NoError(t, daemon.Process.Signal(syscall.SIGKILL))
	_ = daemon.Wait()
	require.Eventually(t, func() bool {
		for _, pid := range pids {
			if alive(pid) {
				return false
			}
		}
		return true
	}, 10*time.Second, 10*time.Millisecond, "plugin processes outlived the killed host")
}
