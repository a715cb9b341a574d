package app

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/server"
)

// benchMessages is the queue the browser benchmarks open (100k, or
// IRONLOCAL_BENCH_MESSAGES to try the benchmark quickly).
func benchMessages(b *testing.B) int {
	if v := os.Getenv("IRONLOCAL_BENCH_MESSAGES"); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(b, err)
		return n
	}
	return 100_000
}

// BenchmarkQueueBrowser is the "open a queue of 100k messages" figures:
// first_page from opening the queue in the Queues screen to its first page
// shown, next_page from tapping → to the next page shown (through the real
// client against an in-process emulator).
func BenchmarkQueueBrowser(b *testing.B) {
	n := benchMessages(b)
	srv := server.RunT(b, server.Options{Runtime: "process"})
	c, err := client.New(srv.URL(), "bench")
	require.NoError(b, err)
	ctx := context.Background()
	for start := 0; start < n; start += 100 {
		batch := make([]client.NewMessage, min(100, n-start))
		for i := range batch {
			batch[i] = client.NewMessage{Body: fmt.Sprintf(`{"order":%d,"customer":"c-%05d","total":%d.50}`, start+i, (start+i)%997, start+i)}
		}
		_, err := c.PostMessages(ctx, "big", batch...)
		require.NoError(b, err)
	}
	a := test.NewTempApp(b)
	u := New(a, a.NewWindow("ironlocal"), Backend{Client: c})
	b.Cleanup(u.Close)
	tu := &testUI{UI: u}
	for deadline := time.Now().Add(30 * time.Second); ; {
		var ok bool
		tu.locked(func() { ok = u.connected })
		if ok {
			break
		}
		require.True(b, time.Now().Before(deadline), "the UI connects")
		runtime.Gosched()
	}
	// shown is signalled each time the browser shows a page.
	shown := make(chan struct{}, 1)
	loaded := func() {
		select {
		case shown <- struct{}{}:
		default:
		}
	}
	wait := func() {
		select {
		case <-shown:
		case <-time.After(30 * time.Second):
			b.Fatal("the browser did not show the page within 30s")
		}
	}

	b.Run("first_page", func(b *testing.B) {
		for b.Loop() {
			tu.locked(func() {
				u.queues.open("big")
				u.queues.detail.browser.loaded = loaded
			})
			wait()
		}
		tu.locked(func() { require.Len(b, u.queues.detail.browser.msgs, browsePage) })
	})
	b.Run("next_page", func(b *testing.B) {
		var br *messageBrowser
		tu.locked(func() {
			u.queues.open("big")
			br = u.queues.detail.browser
			br.loaded = loaded
		})
		wait()
		for b.Loop() {
			tu.locked(func() {
				if !br.pager.HasNext() { // the end: start again from the first page
					br.pager.Reset()
					br.load()
				} else {
					test.Tap(br.next)
				}
			})
			wait()
		}
		tu.locked(func() { require.NotEmpty(b, br.msgs) })
	})
}

// BenchmarkEventsScreen is the "events screen keeps up with 2k events/s"
// figure: one op applies one second of events (2,000 in the batches the
// stream pump hands over, ten a second) to the Events screen in view;
// heap_MB reports the live heap after the run, which the ring buffer
// bounds however many events went through.
func BenchmarkEventsScreen(b *testing.B) {
	a := test.NewTempApp(b)
	c, err := client.New("http://127.0.0.1:1", "bench") // no server: the screen alone
	require.NoError(b, err)
	u := New(a, a.NewWindow("ironlocal"), Backend{Client: c})
	b.Cleanup(u.Close)
	tu := &testUI{UI: u}
	tu.locked(func() { u.showScreen(u.events) })
	batch := make([]client.Event, 200)
	seq := uint64(0)
	second := func() {
		for range 10 {
			for i := range batch {
				seq++
				batch[i] = client.Event{Seq: seq, Type: "messages.posted", At: time.Now(), ProjectID: client.DefaultProject,
					Queue: "q" + strconv.Itoa(int(seq%50)), IDs: []string{strconv.FormatUint(seq, 10)}}
			}
			tu.locked(func() { u.events.apply(batch) })
		}
	}
	for b.Loop() {
		second()
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/1e6, "heap_MB")
	b.ReportMetric(float64(seq), "events")
	tu.locked(func() {
		if u.events.ring.Len() > eventsKeep {
			b.Fatalf("the ring holds %d events", u.events.ring.Len())
		}
	})
}
