package app

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/server"
)

func TestProbe_ReportsLagTicksAndTasks(t *testing.T) {
	u := newTestUI(t, server.Options{})
	u.registerEcho(t, "probed")
	path := filepath.Join(t.TempDir(), "probe.jsonl")
	require.NoError(t, u.StartProbe(path, false))
	_, err := u.c.QueueTask(context.Background(), client.NewTask{CodeName: "probed", Payload: "{}"})
	require.NoError(t, err)

	lines := func() []probeLine {
		f, err := os.Open(path)
		if err != nil {
			return nil
		}
		defer f.Close()
		var out []probeLine
		for sc := bufio.NewScanner(f); sc.Scan(); {
			var l probeLine
			if json.Unmarshal(sc.Bytes(), &l) == nil {
				out = append(out, l)
			}
		}
		return out
	}
	require.Eventually(t, func() bool {
		for _, l := range lines() {
			if l.Tasks == 1 && l.Ticks > 10 {
				return true
			}
		}
		return false
	}, waitFor, poll, "a second with UI callbacks run and the queued task held")
	for _, l := range lines() {
		require.InDelta(t, time.Now().UnixMilli(), l.At, float64(time.Minute.Milliseconds()))
		require.GreaterOrEqual(t, l.MaxLagMS, 0.0)
	}
}

func TestProbe_SwitchesScreensAndTimesThem(t *testing.T) {
	u := newTestUI(t, server.Options{})
	path := filepath.Join(t.TempDir(), "probe.jsonl")
	require.NoError(t, u.StartProbe(path, true))
	seen := map[screen]bool{}
	require.Eventually(t, func() bool {
		var cur screen
		u.locked(func() { cur = u.screens[u.current] })
		seen[cur] = true
		f, err := os.Open(path)
		if err != nil {
			return false
		}
		defer f.Close()
		timed := false
		for sc := bufio.NewScanner(f); sc.Scan(); {
			var l probeLine
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.SwitchMS > 0 {
				timed = true
			}
		}
		return timed && len(seen) >= 2
	}, waitFor, poll, "the probe switched screens and timed a switch")
}
