package worker

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/codezip"
)

// CodeUpload is a code registration (spec §3.2): the `data` JSON and the
// optional zip.
type CodeUpload struct {
	Name            string
	Image           string
	Command         string
	Runtime         string
	FileName        string
	Stack           string
	Config          string
	EnvVars         map[string]string
	MaxConcurrency  *int
	Retries         *int
	RetriesDelay    *int
	DefaultPriority *int
	MemoryMB        *int64
	CPUs            *float64
	// DebugPort and DebugCommand set what a debug task of the code runs
	// (ironlocal extensions); nil keeps what the code had.
	DebugPort    *int
	DebugCommand *string
	Zip          []byte
}

// maxDebugCommand bounds a code's debug command line.
const maxDebugCommand = 4096

// validateDebug checks a code's debug settings.
func validateDebug(port *int, command *string) error {
	if p := port; p != nil && (*p < 0 || *p > 65535) {
		return emulator.Invalid("debug_port must be a TCP port (1–65535), or 0 for none; got %d", *p)
	}
	if c := command; c != nil && (len(*c) > maxDebugCommand || strings.ContainsRune(*c, 0)) {
		return emulator.Invalid("debug_command must be at most %d bytes, without NUL", maxDebugCommand)
	}
	return nil
}

// applyDebug sets a code's debug settings that are given.
func applyDebug(c *emulator.CodePackage, port *int, command *string) {
	if port != nil {
		c.DebugPort = *port
	}
	if command != nil {
		c.DebugCommand = strings.TrimSpace(*command)
	}
}

// MaxCPUs bounds a code's cpus: far more than any engine gives one
// container, small enough that the nano-CPU count cannot overflow.
const MaxCPUs = 1024

func (u CodeUpload) validate(limits codezip.Limits) error {
	if err := validateCodeName(u.Name); err != nil {
		return err
	}
	if u.Image == "" && (len(u.Zip) == 0 || u.Runtime == "" && u.FileName == "") {
		return emulator.Invalid("A code package needs an image, or a zip file with runtime and file_name")
	}
	if len(u.Config) > MaxConfigBytes {
		return emulator.TooLarge("config is over the %d byte limit", MaxConfigBytes)
	}
	if v := u.Retries; v != nil && (*v < 0 || *v > MaxRetries) {
		return emulator.Invalid("retries must be between 0 and %d", MaxRetries)
	}
	if v := u.RetriesDelay; v != nil && *v < 0 {
		return emulator.Invalid("retries_delay must not be negative")
	}
	if v := u.MaxConcurrency; v != nil && *v < -1 {
		return emulator.Invalid("max_concurrency must be -1 (paused), 0 (unlimited) or positive")
	}
	if v := u.MemoryMB; v != nil && *v < 0 {
		return emulator.Invalid("memory must not be negative")
	}
	if v := u.CPUs; v != nil && (*v < 0 || *v > MaxCPUs) {
		return emulator.Invalid("cpus must be between 0 (no limit) and %d", MaxCPUs)
	}
	if err := validateEnvVars(u.EnvVars); err != nil {
		return err
	}
	if err := validateDebug(u.DebugPort, u.DebugCommand); err != nil {
		return err
	}
	if len(u.Zip) > 0 {
		var le *codezip.LimitError
		switch err := codezip.Check(u.Zip, limits); {
		case errors.As(err, &le):
			return emulator.Invalid("The uploaded zip is too large: %v", err)
		case err != nil:
			return emulator.Invalid("The uploaded file is not a valid zip archive: %v", err)
		}
	}
	return nil
}

// validateEnvVars refuses variables no process environment can carry: an
// empty name, or '=' in a name (it ends the name), or NUL anywhere.
func validateEnvVars(env map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(env)) {
		switch {
		case k == "":
			return emulator.Invalid("env_vars: a variable name must not be empty")
		case strings.ContainsAny(k, "=\x00"):
			return emulator.Invalid("env_vars: variable name %q must not contain '=' or NUL", k)
		case strings.ContainsRune(env[k], 0):
			return emulator.Invalid("env_vars: the value of %q must not contain NUL", k)
		}
	}
	return nil
}

// UploadCode registers a code package, or a new revision of an existing one
// (same name → same id, rev+1).
func (s *Service) UploadCode(ctx context.Context, project string, u CodeUpload) (emulator.CodePackage, error) {
	if err := u.validate(s.cfg.CodeLimits); err != nil {
		return emulator.CodePackage{}, err
	}
	var code emulator.CodePackage
	err := s.store.UpdateWorker(ctx, func(tx emulator.WorkerTx) error {
		now := s.clock.Now()
		var err error
		code, err = tx.CodeByName(project, u.Name)
		switch {
		case errors.Is(err, emulator.ErrNotFound):
			code = emulator.CodePackage{ID: s.ids.ObjectID(), Project: project, Name: u.Name, CreatedAt: now}
		case err != nil:
			return err
		}
		code.Rev++
		code.UpdatedAt = now
		code.Image, code.Command, code.Runtime, code.FileName, code.Stack = u.Image, u.Command, u.Runtime, u.FileName, u.Stack
		code.Config, code.EnvVars = u.Config, u.EnvVars
		// An upload's files replace a linked folder's.
		code.LinkedDir, code.Watch, code.PayloadPinned, code.PinnedPayload = "", false, false, ""
		if u.MaxConcurrency != nil {
			code.MaxConcurrency = *u.MaxConcurrency
		}
		if u.Retries != nil {
			code.Retries = *u.Retries
		}
		if u.RetriesDelay != nil {
			code.RetriesDelay = *u.RetriesDelay
		}
		// Values outside 0–2 mean "unset" (ironcli sends -1000).
		if p := u.DefaultPriority; p != nil && *p >= 0 && *p <= 2 {
			code.DefaultPriority = *p
		}
		if u.MemoryMB != nil {
			code.MemoryMB = *u.MemoryMB
		}
		applyDebug(&code, u.DebugPort, u.DebugCommand)
		if u.CPUs != nil {
			code.CPUs = *u.CPUs
		}
		rev := emulator.CodeRevision{ID: s.ids.ObjectID(), CodeID: code.ID, Project: project, Name: code.Name,
			Rev: code.Rev, Size: int64(len(u.Zip)), Image: u.Image, Command: u.Command, Runtime: u.Runtime,
			FileName: u.FileName, Stack: u.Stack, CreatedAt: now}
		if len(u.Zip) > 0 {
			sum := md5.Sum(u.Zip)
			rev.Checksum = hex.EncodeToString(sum[:])
		}
		code.LatestHistoryID, code.LatestChecksum = rev.ID, rev.Checksum
		if err := tx.PutRevision(rev, u.Zip); err != nil {
			return err
		}
		return tx.PutCode(code)
	})
	if err != nil {
		return emulator.CodePackage{}, err
	}
	s.disp.codeChanged(code)
	s.watchers.sync(code)
	s.publish(emulator.Event{Type: emulator.EventCodeUploaded, Project: project, Code: code.Name,
		Attrs: map[string]any{"code_id": code.ID, "rev": code.Rev}})
	return code, nil
}

// GetCode returns a code package by id.
func (s *Service) GetCode(ctx context.Context, project, id string) (emulator.CodePackage, error) {
	var c emulator.CodePackage
	err := s.store.ViewWorker(ctx, func(tx emulator.WorkerTx) error {
		var err error
		c, err = tx.Code(project, id)
		return err
	})
	return c, err
}

// ListCodes lists code packages by name.
func (s *Service) ListCodes(ctx context.Context, project string, p, perPage int) ([]emulator.CodePackage, error) {
	offset, limit := page(p, perPage)
	var out []emulator.CodePackage
	err := s.store.ViewWorker(ctx, func(tx emulator.WorkerTx) error {
		var err error
		out, err = tx.ListCodes(project, offset, limit)
		return err
	})
	return out, err
}

// DeleteCode removes a code package. Its tasks stay listed.
func (s *Service) DeleteCode(ctx context.Context, project, id string) error {
	var code emulator.CodePackage
	err := s.store.UpdateWorker(ctx, func(tx emulator.WorkerTx) error {
		var err error
		if code, err = tx.Code(project, id); err != nil {
			return err
		}
		return tx.DeleteCode(project, id)
	})
	if err != nil {
		return err
	}
	s.disp.codeDeleted(code.ID)
	s.watchers.forget(project, code.ID)
	s.publish(emulator.Event{Type: emulator.EventCodeDeleted, Project: project, Code: code.Name})
	return nil
}

// Revisions lists a code package's revisions, newest first.
func (s *Service) Revisions(ctx context.Context, project, codeID string, p, perPage int) ([]emulator.CodeRevision, error) {
	offset, limit := page(p, perPage)
	var out []emulator.CodeRevision
	err := s.store.ViewWorker(ctx, func(tx emulator.WorkerTx) error {
		if _, err := tx.Code(project, codeID); err != nil {
			return err
		}
		var err error
		out, err = tx.Revisions(project, codeID, offset, limit)
		return err
	})
	return out, err
}

// Download returns the zip of a revision (rev 0 = latest) and its file name.
func (s *Service) Download(ctx context.Context, project, codeID string, rev int) (filename string, data []byte, err error) {
	err = s.store.ViewWorker(ctx, func(tx emulator.WorkerTx) error {
		code, err := tx.Code(project, codeID)
		if err != nil {
			return err
		}
		revID := code.LatestHistoryID
		if rev > 0 && rev != code.Rev {
			revs, err := tx.Revisions(project, codeID, 0, 0)
			if err != nil {
				return err
			}
			revID = ""
			for _, r := range revs {
				if r.Rev == rev {
					revID = r.ID
				}
			}
			if revID == "" {
				return emulator.NotFound("Revision not found")
			}
		}
		if data, err = tx.RevisionZip(project, revID); err != nil {
			return err
		}
		if len(data) == 0 {
			return emulator.NotFound("This revision has no zip: it is an image package")
		}
		filename = code.Name + "_" + itoa(max(rev, 1)) + ".zip"
		if rev == 0 {
			filename = code.Name + "_" + itoa(code.Rev) + ".zip"
		}
		return nil
	})
	return filename, data, err
}

// Stats counts the code's tasks per status, optionally within a creation
// time window.
func (s *Service) Stats(ctx context.Context, project, codeID string, from, to time.Time) (map[emulator.TaskStatus]int, error) {
	out := make(map[emulator.TaskStatus]int, len(emulator.TaskStatuses))
	for _, st := range emulator.TaskStatuses {
		out[st] = 0
	}
	err := s.store.ViewWorker(ctx, func(tx emulator.WorkerTx) error {
		code, err := tx.Code(project, codeID)
		if err != nil {
			return err
		}
		tasks, err := tx.ListTasks(project, emulator.TaskFilter{CodeName: code.Name, From: from, To: to}, 0, 1<<30)
		for _, t := range tasks {
			out[t.Status]++
		}
		return err
	})
	return out, err
}

// PauseTaskQueue stops dispatching the code's tasks (max_concurrency -1);
// queued tasks stay queued.
func (s *Service) PauseTaskQueue(ctx context.Context, project, codeID string) error {
	return s.updateCode(ctx, project, codeID, func(c *emulator.CodePackage) {
		if !c.Paused() {
			c.PausedFrom, c.MaxConcurrency = c.MaxConcurrency, -1
		}
	})
}

// ResumeTaskQueue restores the max_concurrency the code had when paused.
func (s *Service) ResumeTaskQueue(ctx context.Context, project, codeID string) error {
	return s.updateCode(ctx, project, codeID, func(c *emulator.CodePackage) {
		if c.Paused() {
			c.MaxConcurrency, c.PausedFrom = c.PausedFrom, 0
		}
	})
}

func (s *Service) updateCode(ctx context.Context, project, codeID string, fn func(*emulator.CodePackage)) error {
	var code emulator.CodePackage
	err := s.store.UpdateWorker(ctx, func(tx emulator.WorkerTx) error {
		var err error
		if code, err = tx.Code(project, codeID); err != nil {
			return err
		}
		fn(&code)
		code.UpdatedAt = s.clock.Now()
		return tx.PutCode(code)
	})
	if err != nil {
		return err
	}
	s.disp.codeChanged(code)
	s.publish(emulator.Event{Type: emulator.EventCodeUpdated, Project: project, Code: code.Name,
		Attrs: map[string]any{"max_concurrency": code.MaxConcurrency}})
	return nil
}

// CancelAll cancels every queued and running task of the code.
func (s *Service) CancelAll(ctx context.Context, project, codeID string) error {
	code, err := s.GetCode(ctx, project, codeID)
	if err != nil {
		return err
	}
	var ids []string
	err = s.store.ViewWorker(ctx, func(tx emulator.WorkerTx) error {
		for _, st := range []emulator.TaskStatus{emulator.TaskQueued, emulator.TaskRunning} {
			err := tx.TasksInStatus(st, func(t emulator.Task) error {
				if t.Project == project && t.CodeName == code.Name {
					ids = append(ids, t.ID)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.CancelTask(ctx, project, id); err != nil && !errors.Is(err, emulator.ErrInvalid) {
			return err
		}
	}
	return nil
}
