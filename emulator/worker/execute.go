package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// execute runs one dispatched task: queued → running, the runtime, then the
// terminal status (and an automatic retry when the code asks for one).
func (s *Service) execute(ctx context.Context, t emulator.Task, r *run) {
	var code emulator.CodePackage
	var zip []byte
	started := false
	err := s.store.UpdateWorker(context.Background(), func(tx emulator.WorkerTx) error {
		cur, err := tx.Task(t.Project, t.ID)
		if err != nil || cur.Status != emulator.TaskQueued {
			return err // cancelled (or wiped) while waiting for a slot
		}
		if code, err = tx.Code(t.Project, t.CodeID); err != nil {
			_, err = s.recordEnd(tx, cur, emulator.TaskError, "Code package was deleted before the task ran", -1)
			return err
		}
		if code.Linked() {
			// The folder's files as they are now; no zip.
			cur.CodeDir, cur.CodeDirMode = code.LinkedDir, s.runtime.CodeDirMode()
		} else if zip, err = tx.RevisionZip(t.Project, cur.CodeHistoryID); err != nil {
			return err
		}
		cur.Ran = cur.Replay
		if cur.Ran == nil {
			cur.Ran = &emulator.TaskRun{Image: code.Image, Command: code.Command, Config: code.Config, EnvVars: code.EnvVars}
		}
		old := cur
		now := s.clock.Now()
		cur.Status, cur.StartTime, cur.UpdatedAt = emulator.TaskRunning, now, now
		cur.RunTimes++
		t, started = cur, true
		return tx.PutTask(&old, cur)
	})
	if err != nil {
		// The store refused (disk full, closing): the task is still queued
		// there, so queue it here again a second later (wall-clock, so a
		// frozen virtual clock cannot strand it) rather than lose it until
		// the next start.
		s.log.Error("start task", "task_id", t.ID, "err", err)
		s.bg.AfterFunc("requeue task "+t.ID, time.Second, func(context.Context) { s.disp.enqueue(t) })
		return
	}
	if !started {
		return
	}
	s.publish(taskEvent(emulator.EventTaskRunning, t))

	logs := newLogSink(s, t)
	begin := time.Now()
	var res emulator.ExitResult
	spec, err := s.buildSpec(code, t, zip)
	if err == nil {
		spec.RegistryAuth, err = s.registryAuth(ctx, t.Project, spec)
	}
	out := emulator.Output{Stdout: logs.stream(false), Stderr: logs.stream(true), Debugging: func(addr string) { s.debugging(t, addr) }}
	if r.chaosKill {
		// Killed once it has started working: at its first output, or at
		// its end if it writes none (the platform lost its result).
		out.Stdout, out.Stderr = killOnWrite(out.Stdout, r), killOnWrite(out.Stderr, r)
	}
	if err != nil {
		res = emulator.ExitResult{ExitCode: -1, StartError: err.Error()}
	} else if res, err = s.runtime.Run(ctx, spec, out); err != nil {
		res = emulator.ExitResult{ExitCode: -1, StartError: "runtime error: " + err.Error()}
	}
	logs.close()
	s.tokens.end(t.ID) // its token's grace starts
	elapsed := time.Since(begin)

	if r.chaosKill {
		r.stop(stopChaos)
	}
	reason := r.stopped()
	if reason == stopReset {
		return // the store was wiped: nothing to record
	}
	status, msg := outcome(res, reason)
	var retry *emulator.Task
	err = s.store.UpdateWorker(context.Background(), func(tx emulator.WorkerTx) error {
		cur, err := tx.Task(t.Project, t.ID)
		if err != nil {
			return err
		}
		old := cur
		cur.Duration = elapsed.Milliseconds()
		cur.LogSize = logs.size()
		cur.DebugAddress = "" // the debugger went with the task
		if status == emulator.TaskComplete {
			msg = cur.Msg // a progress message survives success; no message otherwise
			cur.Percent = 100
		}
		if err := tx.PutTask(&old, cur); err != nil {
			return err
		}
		retry, err = s.recordEnd(tx, cur, status, msg, res.ExitCode)
		return err
	})
	if err != nil {
		s.log.Error("record task result", "task_id", t.ID, "err", err)
		return
	}
	t.Status, t.Msg = status, msg
	s.publish(taskEvent(emulator.EventTaskFinished, t))
	if retry != nil {
		s.disp.enqueue(*retry)
		s.publish(taskEvent(emulator.EventTaskQueued, *retry))
	}
}

// registryAuth is the project's login to the registry of spec's image, if
// the runtime pulls images and the project has one.
func (s *Service) registryAuth(ctx context.Context, project string, spec emulator.TaskSpec) (*emulator.RegistryCredential, error) {
	if spec.Image == "" || !s.runtime.NeedsImage() {
		return nil, nil
	}
	registry, ok := RegistryOf(spec.Image)
	if !ok {
		return nil, nil // the runtime names the bad reference
	}
	var cred *emulator.RegistryCredential
	err := s.store.ViewWorker(ctx, func(tx emulator.WorkerTx) error {
		c, err := tx.Credential(project, registry)
		if err == nil {
			cred = &c
		}
		if errors.Is(err, emulator.ErrNotFound) {
			return nil
		}
		return err
	})
	return cred, err
}

// splitCommandLine splits a debug command line into its words, as a shell
// would without running one (a FROM scratch image has none): words are
// separated by blanks; single quotes keep everything, double quotes and a
// backslash keep blanks.
func splitCommandLine(line string) []string {
	var words []string
	var word strings.Builder
	inWord, quote := false, rune(0)
	escaped := false
	for _, r := range line {
		switch {
		case escaped:
			word.WriteRune(r)
			escaped = false
		case quote == '\'' && r != '\'':
			word.WriteRune(r)
		case r == '\\' && quote != '\'':
			escaped, inWord = true, true
		case r == quote:
			quote = 0
		case quote == 0 && (r == '\'' || r == '"'):
			quote, inWord = r, true
		case quote == 0 && (r == ' ' || r == '\t' || r == '\n'):
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, word.String())
	}
	return words
}

// killOnWrite passes writes to w and, at the first, stops r (chaos mode's
// kill_task).
func killOnWrite(w io.Writer, r *run) io.Writer {
	return writerFunc(func(p []byte) (int, error) {
		n, err := w.Write(p)
		r.stop(stopChaos)
		return n, err
	})
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// debugging records where a debug task's debugger listens, and says so.
func (s *Service) debugging(t emulator.Task, addr string) {
	err := s.store.UpdateWorker(context.Background(), func(tx emulator.WorkerTx) error {
		cur, err := tx.Task(t.Project, t.ID)
		if err != nil || cur.Status != emulator.TaskRunning {
			return err
		}
		old := cur
		cur.DebugAddress = addr
		return tx.PutTask(&old, cur)
	})
	if err != nil {
		s.log.Error("record debug address", "task_id", t.ID, "err", err)
	}
	s.publish(emulator.Event{Type: emulator.EventTaskDebugging, Project: t.Project, TaskID: t.ID, Code: t.CodeName,
		At: s.clock.Now(), Attrs: map[string]any{"address": addr}})
}

// outcome maps a runtime result to a task status and message.
func outcome(res emulator.ExitResult, reason stopReason) (emulator.TaskStatus, string) {
	switch {
	case reason == stopChaos:
		return emulator.TaskKilled, "Killed by chaos mode"
	case res.StartError != "":
		return emulator.TaskError, res.StartError
	case res.Stopped && reason == stopCancel:
		return emulator.TaskCancelled, "Cancelled"
	case res.Stopped:
		return emulator.TaskKilled, "ironlocal stopped while the task was running"
	case res.TimedOut:
		return emulator.TaskTimeout, "Timed out"
	case res.OOMKilled:
		return emulator.TaskKilled, "Killed: out of memory"
	case res.ExitCode == 0:
		return emulator.TaskComplete, ""
	}
	return emulator.TaskError, fmt.Sprintf("exit status %d", res.ExitCode)
}

// recordEnd moves t to a terminal status and, when the status is retryable
// and the code allows more retries, queues the retry (returned).
func (s *Service) recordEnd(tx emulator.WorkerTx, t emulator.Task, status emulator.TaskStatus, msg string, exitCode int) (*emulator.Task, error) {
	old := t
	now := s.clock.Now()
	t.Status, t.Msg, t.ExitCode, t.UpdatedAt, t.EndTime = status, msg, exitCode, now, now
	if t.StartTime.IsZero() {
		t.StartTime = now
	}
	if err := tx.PutTask(&old, t); err != nil {
		return nil, err
	}
	if !status.Retryable() {
		return nil, nil
	}
	code, err := tx.Code(t.Project, t.CodeID)
	if err != nil || t.RetryCount >= code.Retries || t.RetryTaskID != "" {
		return nil, nil // no code (deleted), no retries left, or retried by hand already
	}
	retry, err := s.retryOf(tx, t, code.RetriesDelay, t.RetryCount+1)
	if err != nil {
		return nil, err
	}
	return &retry, nil
}

// stackCommands are the default command lines of old-style zip packages
// (spec §3.6), by runtime.
var stackCommands = map[string]string{
	"sh": "sh", "binary": "sh", "ruby": "ruby", "python": "python3", "node": "node", "php": "php", "java": "java -jar",
}

// buildSpec turns a task and its code package into what a runtime needs.
// With IronEnv, the task's IRON_TOKEN is a token minted for it (taskTokens),
// so its requests are attributed to it; a code's own env vars still win.
func (s *Service) buildSpec(code emulator.CodePackage, t emulator.Task, zip []byte) (emulator.TaskSpec, error) {
	if r := t.Replay; r != nil {
		code.Image, code.Command, code.Config, code.EnvVars = r.Image, r.Command, r.Config, r.EnvVars
	}
	spec := emulator.TaskSpec{
		TaskID: t.ID, Image: code.Image, Payload: []byte(t.Payload), Config: []byte(code.Config), CodeZip: zip,
		Timeout: time.Duration(t.Timeout) * time.Second, MemoryMB: code.MemoryMB, CPUs: code.CPUs,
		IronArgs: *s.cfg.ImageIronArgs, Env: map[string]string{}, Debug: t.Debug, DebugPort: code.DebugPort,
		Labels: map[string]string{"ironlocal.code": code.Name, "ironlocal.project": t.Project},
	}
	maps.Copy(spec.Labels, s.cfg.Labels)
	if s.cfg.IronEnv != nil {
		maps.Copy(spec.Env, s.cfg.IronEnv)
		spec.Env["IRON_TOKEN"] = s.tokens.mint(t.Project, t.ID)
		spec.Env["IRON_PROJECT_ID"] = t.Project
		if t.ScheduleID != "" {
			spec.Env["SCHEDULE_ID"] = t.ScheduleID
		}
	}
	if !setsLocale(code.EnvVars) {
		maps.Copy(spec.Env, utf8Locale)
	}
	maps.Copy(spec.Env, code.EnvVars)
	if code.Command != "" {
		spec.Command = []string{code.Command}
	}
	if t.Debug {
		spec.Timeout = 0 // a task paused at a breakpoint must not time out
		if code.DebugCommand != "" {
			spec.Command = splitCommandLine(code.DebugCommand)
		}
	}
	if code.Linked() {
		spec.CodeDir, spec.CodeZip = code.LinkedDir, nil
		if err := emulator.CheckLinkedDir(code.LinkedDir); err != nil {
			return spec, fmt.Errorf("code %q is linked to a folder it cannot run: %w", code.Name, err)
		}
		if code.Image == "" {
			// Run with a command alone, like a zip package's.
			spec.IronArgs = true
			if s.runtime.NeedsImage() {
				return spec, fmt.Errorf("code %q is linked to %s with a command and no image: link it with an image to run on %s, or use --runtime process",
					code.Name, code.LinkedDir, s.runtime.Name())
			}
		}
		return spec, nil
	}
	if code.Image == "" { // an old-style zip package
		spec.IronArgs = true
		if len(spec.Command) == 0 {
			interp, ok := stackCommands[strings.ToLower(code.Runtime)]
			if !ok {
				interp = "sh"
			}
			spec.Command = []string{interp + " " + code.FileName}
		}
		for _, k := range []string{code.Stack, code.Runtime} {
			if img := s.cfg.StackImages[k]; k != "" && img != "" {
				spec.Image = img
				break
			}
		}
		if spec.Image == "" && s.runtime.NeedsImage() {
			return spec, fmt.Errorf("code %q is a zip package (runtime %q, stack %q) and no local image runs it: map one with --stack-image %s=IMAGE, give the code an image, or use --runtime process",
				code.Name, code.Runtime, code.Stack, firstNonEmpty(code.Stack, code.Runtime, "STACK"))
		}
	}
	return spec, nil
}

// utf8Locale is the locale tasks run with: Iron's stacks ran with a UTF-8
// locale, and iron_worker_ruby_ng's own test_locale_bug parses UTF-8 CSV in
// a task (spec §3.6). C.UTF-8 needs no locale files.
var utf8Locale = map[string]string{"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}

// setsLocale reports whether a code's env chooses the locale itself (LANG or
// any LC_ variable); then none of utf8Locale is added, since LC_ALL would
// override the code's choice.
func setsLocale(env map[string]string) bool {
	for k := range env {
		if k == "LANG" || strings.HasPrefix(k, "LC_") {
			return true
		}
	}
	return false
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
