package server_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/control"
	"github.com/ironlocal/ironlocal/emulator/mq"
	"github.com/ironlocal/ironlocal/emulator/server"
	"github.com/ironlocal/ironlocal/emulator/worker"
)

// errorLog records the log records at level WARN and above (a damaged
// record skipped is a warning).
type errorLog struct {
	mu      sync.Mutex
	records []string
}

func (l *errorLog) Enabled(_ context.Context, level slog.Level) bool { return level >= slog.LevelWarn }

func (l *errorLog) Handle(_ context.Context, r slog.Record) error {
	var b bytes.Buffer
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, b.String())
	return nil
}

func (l *errorLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *errorLog) WithGroup(string) slog.Handler      { return l }

func (l *errorLog) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.records...)
}

// TestControl_ResetAndImportAreSilent runs 30 snapshot-import + reset cycles
// on an emulator with active schedules, push queues and messages, driven
// in-process through Server.Control. Reset and import quiesce the
// scheduler, dispatcher, pusher and sweeper first, so no background loop
// reads a half-replaced store: nothing logs an error (or a warning, such as
// an index entry seen without its record).
func TestControl_ResetAndImportAreSilent(t *testing.T) {
	logs := &errorLog{}
	srv := server.RunT(t, server.Options{Runtime: "process", VirtualClock: true, Logger: slog.New(logs)})
	ctl := srv.Control()
	ctx := context.Background()
	const pid = "5f0c6e8a1b2c3d4e5f6a7b8c"

	fill := func() {
		_, err := srv.Worker().UploadCode(ctx, pid, worker.CodeUpload{Name: "sched", Image: "ironlocal/test", Command: "true"})
		require.NoError(t, err)
		every := 3600
		batch := make([]worker.NewSchedule, 500)
		for i := range batch {
			start := srv.VirtualClock().Now().Add(time.Duration(i+1) * time.Hour)
			batch[i] = worker.NewSchedule{CodeName: "sched", RunEvery: &every, StartAt: &start}
		}
		_, err = srv.Worker().CreateSchedules(ctx, pid, batch)
		require.NoError(t, err)
		for i := range 5 {
			_, err := srv.MQ().PostMessages(ctx, pid, fmt.Sprintf("q%d", i), []mq.NewMessage{{Body: "a"}, {Body: "b"}})
			require.NoError(t, err)
		}
	}
	fill()
	var snap bytes.Buffer
	require.NoError(t, ctl.ExportSnapshot(ctx, &snap, emulator.SnapshotOptions{}))

	// The scheduler looks at every schedule whenever the clock moves: keep
	// it busy while the store is replaced.
	stop := make(chan struct{})
	ticking := make(chan struct{})
	go func() {
		defer close(ticking)
		for {
			select {
			case <-stop:
				return
			default:
				srv.VirtualClock().Advance(time.Millisecond)
			}
		}
	}()
	for i := range 30 {
		require.NoError(t, ctl.ImportSnapshot(ctx, bytes.NewReader(snap.Bytes())), "import %d", i)
		require.NoError(t, ctl.Reset(ctx), "reset %d", i)
		if i%10 == 0 {
			fill() // work for the loops to trip over
		}
	}
	close(stop)
	<-ticking
	require.NoError(t, ctl.WaitIdle(ctx, control.WaitPushSettled))
	require.Empty(t, logs.lines(), "reset and import log no errors or warnings")
}
