package worker

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// logSink stores a running task's output in chunks, flushing it
// logFlushInterval after the first write since the last flush (so a live
// tail sees it soon; a silent task costs no wake-ups) and publishing each
// write as a task.log event whose "offset" attribute is where the chunk
// starts in the whole log (bytes), so a reader that read the log so far
// (LogSoFar) joins the live chunks without a gap or a repeat. Output past
// the log limit is dropped with a note.
type logSink struct {
	s    *Service
	task emulator.Task
	// flushMu serialises flushes: once flush returns, everything written
	// before it was called is in the store.
	flushMu sync.Mutex
	mu      sync.Mutex
	pending []emulator.LogChunk
	seq     uint32
	total   int64
	cut     bool
	done    chan struct{}
	wrote   chan struct{} // a write since the last flush (buffered: one)
	wg      sync.WaitGroup
}

func newLogSink(s *Service, t emulator.Task) *logSink {
	l := &logSink{s: s, task: t, done: make(chan struct{}), wrote: make(chan struct{}, 1)}
	s.sinks.Store(t.ID, l)
	l.wg.Add(1)
	go func() { // joined by close, which the task's runner calls
		defer l.wg.Done()
		for {
			select {
			case <-l.done:
				return
			case <-l.wrote:
			}
			t := time.NewTimer(logFlushInterval)
			select {
			case <-l.done:
				t.Stop()
				return
			case <-t.C:
			}
			l.flush()
		}
	}()
	return l
}

type streamWriter struct {
	l      *logSink
	stderr bool
}

func (w streamWriter) Write(p []byte) (int, error) {
	w.l.write(w.stderr, p)
	return len(p), nil
}

func (l *logSink) stream(stderr bool) streamWriter { return streamWriter{l: l, stderr: stderr} }

func (l *logSink) write(stderr bool, p []byte) {
	l.mu.Lock()
	if l.cut {
		l.mu.Unlock()
		return
	}
	data := p
	if room := l.s.cfg.LogLimit - l.total; int64(len(data)) > room {
		data = append(append([]byte{}, data[:max(room, 0)]...),
			fmt.Sprintf("\n[ironlocal: log truncated at %d bytes]\n", l.s.cfg.LogLimit)...)
		l.cut = true
	}
	offset := l.total
	l.total += int64(len(data))
	if n := len(l.pending); n > 0 && l.pending[n-1].Stderr == stderr {
		l.pending[n-1].Data = append(l.pending[n-1].Data, data...)
	} else {
		l.pending = append(l.pending, emulator.LogChunk{Stderr: stderr, Data: append([]byte{}, data...)})
	}
	// Published under mu, so the events of the stdout and stderr writers
	// arrive in offset order (Publish never blocks).
	l.s.publish(emulator.Event{Type: emulator.EventTaskLog, Project: l.task.Project, TaskID: l.task.ID,
		Code: l.task.CodeName, Attrs: map[string]any{"stderr": stderr, "data": string(data), "offset": offset}})
	l.mu.Unlock()
	select {
	case l.wrote <- struct{}{}:
	default:
	}
}

func (l *logSink) flush() {
	l.flushMu.Lock()
	defer l.flushMu.Unlock()
	l.mu.Lock()
	chunks := l.pending
	l.pending = nil
	first := l.seq
	l.seq += uint32(len(chunks))
	l.mu.Unlock()
	if len(chunks) == 0 {
		return
	}
	err := l.s.store.UpdateWorker(context.Background(), func(tx emulator.WorkerTx) error {
		for i, c := range chunks {
			if err := tx.AppendLog(l.task.Project, l.task.ID, first+uint32(i), c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		l.s.log.Error("store task log", "task_id", l.task.ID, "err", err)
	}
}

func (l *logSink) close() {
	close(l.done)
	l.wg.Wait()
	l.flush()
	l.s.sinks.Delete(l.task.ID)
}

func (l *logSink) size() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total
}

// LiveLog is a task's output so far: Data is the whole log up to Size
// bytes (stdout and stderr interleaved), Status the task's status when it
// was read. task.log events whose offset is at or past Size carry what
// came next.
type LiveLog struct {
	Data   []byte
	Size   int64
	Status emulator.TaskStatus
}

// LogSoFar returns a task's output so far, in any state and whatever
// Config.LiveLogs says (the control plane's view; the Iron route keeps
// its 404 until the task ends): a running task's unflushed output is
// flushed first, so nothing written before the call is missing.
func (s *Service) LogSoFar(ctx context.Context, project, id string) (LiveLog, error) {
	if l, ok := s.sinks.Load(id); ok && l.(*logSink).task.Project == project {
		l.(*logSink).flush()
	}
	var out LiveLog
	err := s.store.ViewWorker(ctx, func(tx emulator.WorkerTx) error {
		t, err := tx.Task(project, id)
		if err != nil {
			return err
		}
		chunks, err := tx.Log(project, id)
		out = LiveLog{Status: t.Status}
		for _, c := range chunks {
			out.Data = append(out.Data, c.Data...)
		}
		out.Size = int64(len(out.Data))
		return err
	})
	return out, err
}
