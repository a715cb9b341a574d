package uploadtrigger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/ironlocal/ironlocal/plugins/sdk"
)

// config is a binding's config.
type config struct {
	// Dir is the folder watched as the bucket (subfolders too).
	Dir string `json:"dir"`
	// Bucket names the bucket in events; default: the folder's name.
	Bucket string `json:"bucket"`
	Prefix string `json:"prefix"`
	Suffix string `json:"suffix"`
	// Events picks "created", "removed" or both (the default).
	Events []string `json:"events"`
	// Format is "s3" (default), "gcs" or "cloudevents".
	Format string `json:"format"`
	Region string `json:"region"`
	// SettleMS is how long a file must stay unchanged before it counts as
	// uploaded (default 50).
	SettleMS int `json:"settle_ms"`
	// MaxFolders bounds the folders watched (default 10,000): each takes
	// an inotify watch, and dir "/" would otherwise walk and watch the
	// whole disk.
	MaxFolders int `json:"max_folders"`
}

// defaultMaxFolders is max_folders when the config leaves it out.
const defaultMaxFolders = 10000

const schema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "required": ["dir"],
  "additionalProperties": false,
  "properties": {
    "dir": {"type": "string", "minLength": 1, "description": "folder watched as the bucket (subfolders too)"},
    "bucket": {"type": "string", "description": "bucket name in events (default: the folder's name)"},
    "prefix": {"type": "string", "description": "only keys that start with this"},
    "suffix": {"type": "string", "description": "only keys that end with this"},
    "events": {"type": "array", "items": {"enum": ["created", "removed"]}, "description": "default: both"},
    "format": {"enum": ["s3", "gcs", "cloudevents"], "default": "s3"},
    "region": {"type": "string", "default": "us-east-1"},
    "settle_ms": {"type": "integer", "minimum": 0, "maximum": 60000, "default": 50},
    "max_folders": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 10000, "description": "folders watched at most (dir and those below it); a binding over it fails instead of watching the whole disk"}
  }
}`

func parseConfig(raw []byte) (config, error) {
	var c config
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, fmt.Errorf("%w: %v", sdk.ErrInvalid, err)
	}
	if c.Dir == "" {
		return c, fmt.Errorf("%w: dir is required", sdk.ErrInvalid)
	}
	if c.Bucket == "" {
		c.Bucket = filepath.Base(filepath.Clean(c.Dir))
	}
	if c.Format == "" {
		c.Format = formatS3
	}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	if c.SettleMS == 0 {
		c.SettleMS = 50
	}
	if c.MaxFolders <= 0 {
		c.MaxFolders = defaultMaxFolders
	}
	if len(c.Events) == 0 {
		c.Events = []string{"created", "removed"}
	}
	return c, nil
}

func (c config) wants(kind string) bool {
	for _, e := range c.Events {
		if e == kind {
			return true
		}
	}
	return false
}

type trigger struct{}

func (*trigger) Info(context.Context) (sdk.Info, error) {
	return sdk.Info{
		Name: "upload", Version: version,
		Description:  "Folders watched as buckets: S3 event notifications (or GCS / CloudEvents) for files written and removed",
		EventTypes:   []string{evCreated, evRemoved, gcsFinalize, gcsDelete, ceFinalized, ceDeleted},
		ConfigSchema: json.RawMessage(schema),
		Samples:      samples(),
	}, nil
}

func (*trigger) Validate(_ context.Context, raw json.RawMessage) error {
	c, err := parseConfig(raw)
	if err != nil {
		return err
	}
	fi, err := os.Stat(c.Dir)
	if err != nil {
		return fmt.Errorf("%w: dir %s: %v", sdk.ErrInvalid, c.Dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%w: dir %s is not a folder", sdk.ErrInvalid, c.Dir)
	}
	// Refuse a folder too big to watch now, not at its first run.
	if err := countFolders(c.Dir, c.MaxFolders); err != nil {
		return fmt.Errorf("%w: %v", sdk.ErrInvalid, err)
	}
	return nil
}

// errTooManyFolders says a tree holds more folders than max_folders.
var errTooManyFolders = errors.New("too many folders")

// countFolders fails when dir holds more than max folders (itself
// included), without walking further than that.
func countFolders(dir string, max int) error {
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable parts are not watched either
		}
		if d.IsDir() {
			if n++; n > max {
				return errTooManyFolders
			}
		}
		return nil
	})
	if errors.Is(err, errTooManyFolders) {
		return fmt.Errorf("dir %s holds over %d folders (max_folders): watch a smaller folder or raise max_folders", dir, max)
	}
	return nil
}

// Run watches the folder until ctx ends.
func (*trigger) Run(ctx context.Context, b sdk.Binding, host sdk.Host, emit sdk.Emitter) error {
	c, err := parseConfig(b.Config)
	if err != nil {
		return err
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch %s: %w", c.Dir, inotifyLimit(err))
	}
	defer w.Close()
	dirs := map[string]bool{}
	if err := addTree(w, c.Dir, dirs, c.MaxFolders, nil); err != nil {
		return err
	}
	ev := &events{cfg: c, binding: b.ID}
	_ = host.SetStatus(ctx, "watching "+c.Dir, map[string]string{"dir": c.Dir, "bucket": c.Bucket})
	settle := time.Duration(c.SettleMS) * time.Millisecond
	var (
		mu      sync.Mutex
		pending = map[string]*time.Timer{}
	)
	defer func() {
		mu.Lock()
		for _, t := range pending {
			t.Stop()
		}
		mu.Unlock()
	}()
	created := func(path string) {
		mu.Lock()
		defer mu.Unlock()
		if t, ok := pending[path]; ok {
			t.Reset(settle)
			return
		}
		pending[path] = time.AfterFunc(settle, func() {
			mu.Lock()
			delete(pending, path)
			mu.Unlock()
			fi, err := os.Stat(path)
			if err != nil || !fi.Mode().IsRegular() {
				return // gone again, or not a file
			}
			e, err := ev.created(path, fi)
			if err != nil {
				sdk.Log.Warn("read uploaded file", "path", path, "err", err)
				return
			}
			if _, err := emit.Emit(ctx, e); err != nil && ctx.Err() == nil {
				sdk.Log.Warn("emit", "err", err)
			}
		})
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			sdk.Log.Warn("watch", "dir", c.Dir, "err", err)
		case e, ok := <-w.Events:
			if !ok {
				return nil
			}
			switch {
			case e.Has(fsnotify.Create) || e.Has(fsnotify.Write):
				if fi, err := os.Stat(e.Name); err == nil && fi.IsDir() {
					// Files copied in with the folder may predate its watch.
					if err := addTree(w, e.Name, dirs, c.MaxFolders, created); err != nil {
						sdk.Log.Warn("watch new folder", "dir", e.Name, "err", err)
					}
					continue
				}
				if !strings.HasPrefix(filepath.Base(e.Name), ".") { // editors' and tools' temp files
					created(e.Name)
				}
			case (e.Has(fsnotify.Remove) || e.Has(fsnotify.Rename)) && dirs[e.Name]:
				delete(dirs, e.Name) // a folder, not an object; its files report themselves
			case e.Has(fsnotify.Remove) || e.Has(fsnotify.Rename):
				mu.Lock()
				if t, ok := pending[e.Name]; ok {
					t.Stop()
					delete(pending, e.Name)
				}
				mu.Unlock()
				if strings.HasPrefix(filepath.Base(e.Name), ".") {
					continue
				}
				if _, err := emit.Emit(ctx, ev.removed(e.Name)); err != nil && ctx.Err() == nil {
					sdk.Log.Warn("emit", "err", err)
				}
			}
		}
	}
}

// addTree watches dir and every folder below it, noting them in dirs (at
// most max), and hands the files already there to file (when not nil).
func addTree(w *fsnotify.Watcher, dir string, dirs map[string]bool, max int, file func(path string)) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path != dir {
				return nil
			}
			return fmt.Errorf("watch %s: %w", path, err)
		}
		switch {
		case d.IsDir():
			if !dirs[path] && len(dirs) >= max {
				return fmt.Errorf("watch %s: over %d folders (max_folders): watch a smaller folder or raise max_folders", path, max)
			}
			if err := w.Add(path); err != nil {
				return fmt.Errorf("watch %s: %w", path, inotifyLimit(err))
			}
			dirs[path] = true
		case file != nil && d.Type().IsRegular() && !strings.HasPrefix(d.Name(), "."):
			file(path)
		}
		return nil
	})
}

// inotifyLimit says which of the system's inotify limits an error is, so a
// binding's state tells the user what to raise instead of "too many open
// files". The watches live in this plugin's process: reaching a limit
// takes no descriptor from the daemon's API.
func inotifyLimit(err error) error {
	switch {
	case errors.Is(err, syscall.EMFILE):
		return fmt.Errorf("%w: the system's limit of inotify instances per user is reached "+
			"(fs.inotify.max_user_instances; each upload binding takes one): remove upload bindings or raise it with sysctl", err)
	case errors.Is(err, syscall.ENOSPC):
		return fmt.Errorf("%w: the system's limit of inotify watches per user is reached "+
			"(fs.inotify.max_user_watches; each watched folder takes one): watch fewer folders or raise it with sysctl", err)
	}
	return err
}
