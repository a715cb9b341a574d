package worker

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// WatchDebounce is how long a watched folder must be quiet after a change
// before the code's last task is re-run: an editor's save (write a temp
// file, rename it over the old one) or a `git checkout` is one re-run.
const WatchDebounce = 300 * time.Millisecond

// CodeLink links a code package to a host folder (LinkCode).
type CodeLink struct {
	Name string
	// Dir is the folder: absolute, clean, an existing directory.
	Dir string
	// Image and Command run the folder's files as an uploaded code's
	// would; empty keeps the code's own (a new code needs one of them).
	Image   string
	Command string
	// Watch re-runs the code's last task when a file in Dir changes.
	Watch bool
	// Payload, when not nil, is pinned: watch re-runs use it instead of
	// the last task's payload.
	Payload *string
}

func (l CodeLink) validate() error {
	if err := validateCodeName(l.Name); err != nil {
		return err
	}
	if err := emulator.CheckLinkedDir(l.Dir); err != nil {
		return err
	}
	if l.Payload != nil && len(*l.Payload) > MaxPayloadBytes {
		return emulator.TooLarge("payload is %d bytes, over the %d byte limit", len(*l.Payload), MaxPayloadBytes)
	}
	return nil
}

// LinkCode links code l.Name to the folder l.Dir, creating the code when
// the project has none of that name: each of its tasks then runs the
// folder's files as they are when it starts (see emulator.Runtime's
// CodeDirMode), and a change in the folder makes no revision. Linking a
// new code, or changing an existing one's folder, image or command, makes
// one revision (without a zip); changing only Watch or Payload makes none.
// With Watch, a change in the folder re-runs the code's last task
// (watchers).
func (s *Service) LinkCode(ctx context.Context, project string, l CodeLink) (emulator.CodePackage, error) {
	if err := l.validate(); err != nil {
		return emulator.CodePackage{}, err
	}
	if l.Watch && s.cfg.Watcher == nil {
		return emulator.CodePackage{}, &emulator.Error{Code: emulator.CodeUnavailable, Msg: "Watch mode is not available in this ironlocal (it has no folder watcher)"}
	}
	var code emulator.CodePackage
	created, revised := false, false
	err := s.store.UpdateWorker(ctx, func(tx emulator.WorkerTx) error {
		now := s.clock.Now()
		var err error
		code, err = tx.CodeByName(project, l.Name)
		switch {
		case errors.Is(err, emulator.ErrNotFound):
			if l.Image == "" && l.Command == "" {
				return emulator.Invalid("A linked code needs an image or a command to run the folder's files with")
			}
			code = emulator.CodePackage{ID: s.ids.ObjectID(), Project: project, Name: l.Name, CreatedAt: now}
			created = true
		case err != nil:
			return err
		}
		image, command := cmpOr(l.Image, code.Image), cmpOr(l.Command, code.Command)
		if image == "" && command == "" {
			return emulator.Invalid("A linked code needs an image or a command to run the folder's files with")
		}
		revised = created || code.LinkedDir != l.Dir || code.Image != image || code.Command != command
		code.LinkedDir, code.Image, code.Command = l.Dir, image, command
		code.Watch = l.Watch
		code.PayloadPinned, code.PinnedPayload = l.Payload != nil, ""
		if l.Payload != nil {
			code.PinnedPayload = *l.Payload
		}
		code.UpdatedAt = now
		if revised {
			// The folder replaces any zip: the revision records what
			// runs the files, not the files.
			code.Rev++
			code.Runtime, code.FileName, code.Stack = "", "", ""
			rev := emulator.CodeRevision{ID: s.ids.ObjectID(), CodeID: code.ID, Project: project, Name: code.Name,
				Rev: code.Rev, Image: image, Command: command, CreatedAt: now}
			code.LatestHistoryID, code.LatestChecksum = rev.ID, ""
			if err := tx.PutRevision(rev, nil); err != nil {
				return err
			}
		}
		return tx.PutCode(code)
	})
	if err != nil {
		return emulator.CodePackage{}, err
	}
	s.disp.codeChanged(code)
	s.watchers.sync(code)
	typ := emulator.EventCodeUpdated
	if revised {
		typ = emulator.EventCodeUploaded
	}
	s.publish(emulator.Event{Type: typ, Project: project, Code: code.Name,
		Attrs: map[string]any{"code_id": code.ID, "rev": code.Rev, "linked_dir": code.LinkedDir, "watch": code.Watch}})
	return code, nil
}

// UnlinkCode ends the link of code name to its folder and its watch. The
// code stays, with its image and command and no files: its next tasks
// run without the folder until a zip is uploaded or it is linked again.
// Unlinking a code that is not linked changes nothing.
func (s *Service) UnlinkCode(ctx context.Context, project, name string) (emulator.CodePackage, error) {
	var code emulator.CodePackage
	changed := false
	err := s.store.UpdateWorker(ctx, func(tx emulator.WorkerTx) error {
		var err error
		if code, err = tx.CodeByName(project, name); err != nil {
			return err
		}
		if !code.Linked() && !code.Watch {
			return nil
		}
		changed = true
		code.LinkedDir, code.Watch, code.PayloadPinned, code.PinnedPayload = "", false, false, ""
		code.UpdatedAt = s.clock.Now()
		return tx.PutCode(code)
	})
	if err != nil || !changed {
		return code, err
	}
	s.watchers.sync(code)
	s.publish(emulator.Event{Type: emulator.EventCodeUpdated, Project: project, Code: code.Name,
		Attrs: map[string]any{"code_id": code.ID, "linked_dir": ""}})
	return code, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// rerun queues the code's last task again (with the pinned payload when
// there is one), for a change in its watched folder. Without a last task
// or a pinned payload there is nothing to re-run.
func (s *Service) rerun(ctx context.Context, project, codeID string) {
	code, err := s.GetCode(ctx, project, codeID)
	if err != nil || !code.Watch {
		return // deleted or unlinked meanwhile
	}
	nt := NewTask{CodeName: code.Name, Source: emulator.SourceWatch}
	var last emulator.Task
	found := false
	err = s.store.ViewWorker(ctx, func(tx emulator.WorkerTx) error {
		return tx.TasksBefore(project, code.Name, "", func(t emulator.Task) (bool, error) {
			last, found = t, true
			return false, nil
		})
	})
	if err != nil {
		s.log.Error("watch: find the last task", "project", project, "code", code.Name, "err", err)
		return
	}
	if found {
		nt.Payload, nt.Priority, nt.Timeout, nt.Cluster, nt.Label = last.Payload, &last.Priority, &last.Timeout, last.Cluster, last.Label
		nt.SourceID = last.ID
	}
	if code.PayloadPinned {
		nt.Payload = code.PinnedPayload
	} else if !found {
		s.log.Debug("watch: no task to re-run yet", "project", project, "code", code.Name)
		return
	}
	if _, err := s.QueueTasks(ctx, project, []NewTask{nt}); err != nil {
		s.log.Warn("watch: re-run the last task", "project", project, "code", code.Name, "err", err)
	}
}

// watchers owns the folder watches of watched linked codes, one per code:
// started by Start for the stored ones, by LinkCode for new ones, stopped
// by UnlinkCode, DeleteCode, an upload, Reset and Close.
type watchers struct {
	s *Service

	mu     sync.Mutex
	closed bool
	byCode map[string]*codeWatch // project NUL code id
}

// codeWatch is one code's watch.
type codeWatch struct {
	project, codeID, dir string
	cancel               context.CancelFunc
	ignore               *ignorer
	timer                *time.Timer // the debounce, nil while quiet
}

func newWatchers(s *Service) *watchers { return &watchers{s: s, byCode: map[string]*codeWatch{}} }

func watchKey(project, codeID string) string { return project + "\x00" + codeID }

// sync starts, moves or stops the watch of code as its record says.
func (w *watchers) sync(code emulator.CodePackage) {
	w.mu.Lock()
	defer w.mu.Unlock()
	key := watchKey(code.Project, code.ID)
	cw := w.byCode[key]
	want := code.Watch && code.Linked() && w.s.cfg.Watcher != nil && !w.closed
	if cw != nil && want && cw.dir == code.LinkedDir {
		return
	}
	if cw != nil {
		cw.stop()
		delete(w.byCode, key)
	}
	if !want {
		return
	}
	cw = &codeWatch{project: code.Project, codeID: code.ID, dir: code.LinkedDir, ignore: loadIgnorer(code.LinkedDir)}
	ctx, cancel := context.WithCancel(context.Background())
	cw.cancel = cancel
	name := "watch " + code.Project + "/" + code.Name
	started := w.s.bg.Go(name, func(bg context.Context) {
		stop := context.AfterFunc(bg, cancel)
		defer stop()
		err := w.s.cfg.Watcher.Watch(ctx, cw.dir, func(p string, isDir bool) bool { return w.skip(cw, p, isDir) },
			func(p string) { w.changed(cw, p) })
		if err != nil && ctx.Err() == nil {
			w.s.log.Warn("watch linked folder", "project", code.Project, "code", code.Name, "dir", cw.dir, "err", err)
		}
	})
	if !started {
		cancel()
		return
	}
	w.byCode[key] = cw
}

// skip applies the folder's ignore files to a path under it.
func (w *watchers) skip(cw *codeWatch, p string, isDir bool) bool {
	rel, err := filepath.Rel(cw.dir, p)
	if err != nil {
		return false
	}
	w.mu.Lock()
	ig := cw.ignore
	w.mu.Unlock()
	return ig.ignored(rel, isDir)
}

// changed notes a change under cw's folder and (re)starts its debounce.
func (w *watchers) changed(cw *codeWatch, p string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.byCode[watchKey(cw.project, cw.codeID)] != cw {
		return // stopped meanwhile
	}
	if rel, err := filepath.Rel(cw.dir, p); err == nil {
		for _, name := range ignoreFiles {
			if rel == name {
				cw.ignore = loadIgnorer(cw.dir)
			}
		}
	}
	if cw.timer != nil {
		cw.timer.Reset(WatchDebounce)
		return
	}
	cw.timer = time.AfterFunc(WatchDebounce, func() {
		w.mu.Lock()
		current := w.byCode[watchKey(cw.project, cw.codeID)] == cw
		cw.timer = nil
		w.mu.Unlock()
		if current {
			w.s.bg.Go("watch re-run "+cw.project+"/"+cw.codeID, func(ctx context.Context) { w.s.rerun(ctx, cw.project, cw.codeID) })
		}
	})
}

// stop ends the watch; a debounce under way never fires. Under w.mu.
func (cw *codeWatch) stop() {
	cw.cancel()
	if cw.timer != nil {
		cw.timer.Stop()
		cw.timer = nil
	}
}

// forget stops the watch of code codeID (deleted).
func (w *watchers) forget(project, codeID string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if cw := w.byCode[watchKey(project, codeID)]; cw != nil {
		cw.stop()
		delete(w.byCode, watchKey(project, codeID))
	}
}

// stopAll stops every watch; with closing, none starts again.
func (w *watchers) stopAll(closing bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = w.closed || closing
	for key, cw := range w.byCode {
		cw.stop()
		delete(w.byCode, key)
	}
}

// load starts the watches of every stored watched code, after Start or a
// snapshot import; watches of codes no longer watched stop.
func (w *watchers) load(ctx context.Context) error {
	if w.s.cfg.Watcher == nil {
		return nil
	}
	var codes []emulator.CodePackage
	err := w.s.store.ViewWorker(ctx, func(tx emulator.WorkerTx) error {
		projects, err := tx.WorkerProjects()
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, p := range projects {
			if seen[p] {
				continue
			}
			seen[p] = true
			list, err := tx.ListCodes(p, 0, 1<<30)
			if err != nil {
				return err
			}
			for _, c := range list {
				if c.Watch && c.Linked() {
					codes = append(codes, c)
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	w.stopAll(false)
	for _, c := range codes {
		w.sync(c)
	}
	return nil
}
