package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/server"
)

// BenchmarkSnapshotRoundTrip is the "export and import stream, RSS
// returns" figure (issue 21 §3): in one process, as the desktop app runs
// with its embedded emulator, the Data screen exports a ~16 MB snapshot to
// a file and imports it back. It reports the process's RSS before, at its
// peak during the transfers, and 30 s after the import, each above the
// RSS before (rss_peak_MB, rss_after_MB), and the snapshot's size.
func BenchmarkSnapshotRoundTrip(b *testing.B) {
	srv := server.RunT(b, server.Options{Runtime: "process"})
	c, err := client.New(srv.URL(), "bench")
	require.NoError(b, err)
	ctx := context.Background()
	body := strings.Repeat("x", 4000)
	for i := 0; i < 4000; i += 100 { // 4,000 × 4 KB: a 16 MB store
		batch := make([]client.NewMessage, 100)
		for j := range batch {
			batch[j] = client.NewMessage{Body: fmt.Sprintf("%05d%s", i+j, body)}
		}
		_, err := c.PostMessages(ctx, "snap", batch...)
		require.NoError(b, err)
	}
	a := test.NewTempApp(b)
	u := New(a, a.NewWindow("ironlocal"), Backend{Client: c})
	b.Cleanup(u.Close)
	tu := &testUI{UI: u}
	waitUI := func(what string, cond func() bool) {
		for deadline := time.Now().Add(2 * time.Minute); ; {
			var ok bool
			tu.locked(func() { ok = cond() })
			if ok {
				return
			}
			require.True(b, time.Now().Before(deadline), what)
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitUI("the UI connects", func() bool { return u.connected })
	path := filepath.Join(b.TempDir(), "state.snapshot")

	rss := func() int64 {
		st, err := os.ReadFile("/proc/self/status")
		require.NoError(b, err)
		for _, line := range strings.Split(string(st), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				var kb int64
				_, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb)
				require.NoError(b, err)
				return kb << 10
			}
		}
		b.Fatal("no VmRSS in /proc/self/status")
		return 0
	}
	runtime.GC()
	before := rss()
	peak := before
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				peak = max(peak, rss())
			}
		}
	}()
	b.ResetTimer()
	for range b.N {
		tu.locked(func() { u.data.exportTo(path) })
		waitUI("exported", func() bool { return strings.HasPrefix(u.data.status.Text, "Exported ") && !u.data.busy })
		tu.locked(func() { u.data.importFrom(path) })
		waitUI("imported", func() bool { return strings.HasPrefix(u.data.status.Text, "Imported ") && !u.data.busy })
	}
	b.StopTimer()
	close(stop)
	<-sampled
	time.Sleep(30 * time.Second) // "RSS returns within 30 s"
	after := rss()
	fi, err := os.Stat(path)
	require.NoError(b, err)
	b.ReportMetric(float64(fi.Size())/1e6, "snapshot_MB")
	b.ReportMetric(float64(before)/1e6, "rss_before_MB")
	b.ReportMetric(float64(peak-before)/1e6, "rss_peak_MB")
	b.ReportMetric(float64(after-before)/1e6, "rss_after_MB")
}
