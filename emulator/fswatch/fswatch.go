// Package fswatch is the emulator.FolderWatcher of linked codes' watch
// mode, on fsnotify (inotify, kqueue, ReadDirectoryChangesW, FEN): every
// folder under the watched one is watched, folders created later as they
// appear, skipped ones never.
package fswatch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/fsnotify/fsnotify"

	"github.com/ironlocal/ironlocal/emulator"
)

// MaxFolders bounds the folders one Watch watches (each takes one of the
// system's inotify watches).
const MaxFolders = 10_000

// Watcher implements emulator.FolderWatcher. The zero value is ready.
type Watcher struct{}

var _ emulator.FolderWatcher = Watcher{}

// Watch watches dir until ctx ends (see emulator.FolderWatcher).
func (Watcher) Watch(ctx context.Context, dir string, skip func(path string, isDir bool) bool, changed func(path string)) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch %s: %w", dir, limitError(err))
	}
	defer w.Close()
	dirs := map[string]bool{}
	if err := addTree(w, dir, dirs, skip); err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case _, ok := <-w.Errors:
			if !ok {
				return nil
			}
			// An overflow loses events, not the watch: report a change,
			// which is what a lost event most likely was.
			changed(dir)
		case e, ok := <-w.Events:
			if !ok {
				return nil
			}
			if e.Has(fsnotify.Chmod) && !e.Has(fsnotify.Write) && !e.Has(fsnotify.Create) {
				continue // atime and mode flips: no content changed
			}
			fi, err := os.Lstat(e.Name)
			isDir := err == nil && fi.IsDir()
			if skip(e.Name, isDir || dirs[e.Name]) {
				continue
			}
			switch {
			case isDir && e.Has(fsnotify.Create):
				// Files moved in with the folder predate its watch; the
				// folder's own event reports them.
				if err := addTree(w, e.Name, dirs, skip); err != nil && ctx.Err() == nil {
					changed(e.Name)
					continue
				}
			case e.Has(fsnotify.Remove) || e.Has(fsnotify.Rename):
				delete(dirs, e.Name)
			}
			changed(e.Name)
		}
	}
}

// addTree watches dir and every folder below it that skip keeps, noting
// them in dirs.
func addTree(w *fsnotify.Watcher, dir string, dirs map[string]bool, skip func(string, bool) bool) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path != dir {
				return nil
			}
			return fmt.Errorf("watch %s: %w", path, err)
		}
		if !d.IsDir() {
			return nil
		}
		if path != dir && skip(path, true) {
			return filepath.SkipDir
		}
		if !dirs[path] && len(dirs) >= MaxFolders {
			return fmt.Errorf("watch %s: over %d folders: ignore some (.ironignore) or link a smaller folder", path, MaxFolders)
		}
		if err := w.Add(path); err != nil {
			return fmt.Errorf("watch %s: %w", path, limitError(err))
		}
		dirs[path] = true
		return nil
	})
}

// limitError says which of the system's inotify limits err is.
func limitError(err error) error {
	switch {
	case errors.Is(err, syscall.EMFILE):
		return fmt.Errorf("%w: the system's limit of inotify instances per user is reached (fs.inotify.max_user_instances; each watched code takes one)", err)
	case errors.Is(err, syscall.ENOSPC):
		return fmt.Errorf("%w: the system's limit of inotify watches per user is reached (fs.inotify.max_user_watches; each watched folder takes one)", err)
	}
	return err
}
