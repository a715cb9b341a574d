package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
)

// Preferences of the Data & settings screen.
const (
	prefExportOnQuit     = "data.export_on_quit"
	prefExportOnQuitPath = "data.export_on_quit_path"
	prefLoadAtStart      = "data.load_at_start"
)

// dataScreen shows how ironlocal runs (data directory and size, listen
// address, Docker engine, auth, log level), exports and imports snapshots
// with a progress bar, resets the state, and keeps the export-on-quit and
// load-at-start preferences.
type dataScreen struct {
	u        *UI
	settings client.Settings
	started  bool // the load-at-start file was handled
	quit     bool // the export on quit ran

	info      *widget.Form
	dataDir   *widget.Label
	dataSize  *widget.Label
	listen    *widget.Label
	engine    *widget.Label
	auth      *widget.Label
	logLevel  *widget.Label
	snapDir   *widget.Label
	progress  *widget.ProgressBar
	spinner   *widget.ProgressBarInfinite
	status    *widget.Label
	exportBtn *widget.Button
	importBtn *widget.Button
	resetBtn  *widget.Button
	onQuit    *widget.Check
	onQuitTo  *keyEntry
	atStart   *keyEntry
	root      fyne.CanvasObject
	busy      bool
}

func newDataScreen(u *UI) *dataScreen {
	s := &dataScreen{u: u}
	label := func() *widget.Label {
		l := widget.NewLabel("…")
		l.Wrapping = fyne.TextWrapBreak
		l.Selectable = true
		return l
	}
	s.dataDir, s.dataSize, s.listen, s.engine, s.auth, s.logLevel, s.snapDir = label(), label(), label(), label(), label(), label(), label()
	s.info = widget.NewForm(
		widget.NewFormItem("Data directory", s.dataDir),
		widget.NewFormItem("Disk", s.dataSize),
		widget.NewFormItem("Listen address", s.listen),
		widget.NewFormItem("Task runtime", s.engine),
		widget.NewFormItem("Auth", s.auth),
		widget.NewFormItem("Log level", s.logLevel),
		widget.NewFormItem("Snapshot directory", s.snapDir))

	s.progress = widget.NewProgressBar()
	s.progress.Hide()
	s.spinner = widget.NewProgressBarInfinite()
	s.spinner.Stop()
	s.spinner.Hide()
	s.status = widget.NewLabel("")
	s.status.Wrapping = fyne.TextWrapWord
	s.exportBtn = widget.NewButtonWithIcon("Export snapshot…", theme.DownloadIcon(), s.pickExport)
	s.importBtn = widget.NewButtonWithIcon("Import snapshot…", theme.UploadIcon(), s.pickImport)
	s.resetBtn = widget.NewButtonWithIcon("Reset…", theme.DeleteIcon(), func() {
		u.confirm("Reset ironlocal", resetText, s.doReset)
	})
	s.resetBtn.Importance = widget.DangerImportance

	prefs := u.app.Preferences()
	s.onQuitTo = newKeyEntry(u, false)
	s.onQuitTo.SetPlaceHolder("file to write the snapshot to")
	s.onQuitTo.SetText(prefs.String(prefExportOnQuitPath))
	s.onQuitTo.OnChanged = func(v string) { prefs.SetString(prefExportOnQuitPath, strings.TrimSpace(v)) }
	s.onQuit = widget.NewCheck("Export a snapshot on quit", func(on bool) { prefs.SetBool(prefExportOnQuit, on) })
	s.onQuit.SetChecked(prefs.Bool(prefExportOnQuit))
	s.atStart = newKeyEntry(u, false)
	s.atStart.SetPlaceHolder("(none) a snapshot or seed file")
	s.atStart.SetText(prefs.String(prefLoadAtStart))
	s.atStart.OnChanged = func(v string) { prefs.SetString(prefLoadAtStart, strings.TrimSpace(v)) }
	hint := widget.NewLabel("A snapshot loads into any ironlocal the window opens (replacing its state); a seed file loads into an empty embedded one.")
	hint.Importance = widget.LowImportance
	hint.Wrapping = fyne.TextWrapWord

	snapshots := container.NewVBox(boldLabel("Snapshots and state"),
		actionRow(s.exportBtn, s.importBtn, s.resetBtn, u.saveSeedButton()),
		container.NewStack(s.progress, s.spinner), s.status)
	startQuit := widget.NewForm(
		widget.NewFormItem("", s.onQuit),
		widget.NewFormItem("Snapshot file", s.onQuitTo),
		widget.NewFormItem("Load at start", s.atStart),
		widget.NewFormItem("", hint))
	s.root = container.NewVScroll(container.NewPadded(container.NewVBox(
		boldLabel("ironlocal"), s.info, widget.NewSeparator(), snapshots, widget.NewSeparator(),
		boldLabel("On start and quit"), startQuit)))
	return s
}

func (s *dataScreen) title() string               { return "Data & settings" }
func (s *dataScreen) icon() fyne.Resource         { return theme.SettingsIcon() }
func (s *dataScreen) view() fyne.CanvasObject     { return s.root }
func (s *dataScreen) focusSearch() fyne.Focusable { return nil }
func (s *dataScreen) closeDetail() bool           { return false }
func (s *dataScreen) shown()                      { s.reload() }

func (s *dataScreen) apply(events []client.Event) {
	if isReset(events) {
		s.reload()
	}
}

// reload reads the settings and, on the first connect, loads the
// load-at-start snapshot.
func (s *dataScreen) reload() {
	c := s.u.be.Client
	run(s.u, "read the settings", func(ctx context.Context) (client.Settings, error) { return c.Settings(ctx) },
		s.show)
	if !s.started {
		s.started = true
		s.loadAtStart()
	}
}

func (s *dataScreen) show(st client.Settings) {
	s.settings = st
	dir := st.DataDir
	switch {
	case dir == "":
		dir = "in memory"
	case st.Ephemeral:
		dir += " (ephemeral: removed when ironlocal stops)"
	}
	if s.u.be.Attached {
		dir += " · on the attached ironlocal's machine"
	}
	s.dataDir.SetText(dir)
	s.dataSize.SetText(model.DiskText(st.DataSize, st.DataUsed))
	s.listen.SetText(st.Listen + " (" + s.u.be.Client.URL() + ")")
	if st.Runtime == "docker" {
		s.engine.SetText("docker: the engine answered; tasks run as containers")
	} else {
		s.engine.SetText(st.Runtime + ": no Docker engine in use; tasks run as local processes")
	}
	if st.StrictAuth {
		s.auth.SetText(fmt.Sprintf("strict: %s accepted, projects %s", model.Plural(st.Tokens, "token", "tokens"), strings.Join(st.Projects, ", ")))
	} else {
		s.auth.SetText("permissive: any non-empty token, any project")
	}
	s.logLevel.SetText(st.LogLevel)
	snap := st.SnapshotDir
	if snap == "" {
		snap = "(none: an ephemeral ironlocal without --snapshot-dir saves no named snapshots)"
	}
	s.snapDir.SetText(snap)
}

// resetText is the Reset confirmation: everything a reset erases, in
// every project (what control.Service.Reset wipes: the whole store and
// the fault rules).
const resetText = "Wipe the whole state of ironlocal, in every project?\n\n" +
	"Erased: queues and their messages (push subscribers and delivery status included), caches and items, " +
	"code packages and their revisions, tasks and their logs, schedules, trigger bindings and their event traces, " +
	"and fault rules. Running tasks are stopped.\n\nThe settings, plugins and the clock stay."

// progressEvery bounds how often a transfer updates the bar.
const progressEvery = 100 * time.Millisecond

// counter counts bytes moved by a transfer.
type counter struct{ n atomic.Int64 }

type countingWriter struct {
	w io.Writer
	c *counter
}

func (w countingWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.c.n.Add(int64(n))
	return n, err
}

type countingReader struct {
	r io.Reader
	c *counter
}

func (r countingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.c.n.Add(int64(n))
	return n, err
}

// transfer runs fn off the UI goroutine, showing its progress (of total
// bytes, or an activity bar with the count when total is unknown), then
// done or the refusal on the UI goroutine.
func (s *dataScreen) transfer(what string, total int64, fn func(ctx context.Context, c *counter) error, done func(n int64)) {
	if s.busy {
		s.u.notify("A snapshot transfer is already running")
		return
	}
	s.busy = true
	for _, b := range []*widget.Button{s.exportBtn, s.importBtn, s.resetBtn} {
		b.Disable()
	}
	s.status.Importance = widget.MediumImportance
	s.status.SetText(model.TransferText(what, 0, total))
	if total > 0 {
		s.progress.Max = float64(total)
		s.progress.SetValue(0)
		s.progress.Show()
	} else {
		s.spinner.Show()
		s.spinner.Start()
	}
	c := &counter{}
	s.u.goBackground(func(ctx context.Context) {
		finished := make(chan error, 1)
		go func() { finished <- fn(ctx, c) }()
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case err := <-finished:
				n := c.n.Load()
				s.u.onUI(func() { s.transferred(what, err, n, done) })
				return
			case <-t.C:
				n := c.n.Load()
				s.u.onUI(func() {
					s.progress.SetValue(float64(n))
					s.status.SetText(model.TransferText(what, n, total))
				})
			}
		}
	})
}

func (s *dataScreen) transferred(what string, err error, n int64, done func(int64)) {
	s.busy = false
	s.u.releaseMemory()
	for _, b := range []*widget.Button{s.exportBtn, s.importBtn, s.resetBtn} {
		b.Enable()
	}
	s.spinner.Stop()
	s.spinner.Hide()
	s.progress.Hide()
	if err != nil {
		s.status.Importance = widget.DangerImportance
		s.status.SetText(what + " refused: " + errorText(err) + "\nNothing was changed.")
		s.u.notifyError(strings.ToLower(what[:1])+what[1:], err)
		return
	}
	s.status.Importance = widget.SuccessImportance
	s.status.Refresh()
	done(n)
}

func (s *dataScreen) pickExport() {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		path := w.URI().Path()
		_ = w.Close()
		s.exportTo(path)
	}, s.u.win)
	d.SetFileName("ironlocal-" + time.Now().Format("20060102-150405") + ".snapshot")
	d.Show()
}

// exportTo streams a snapshot into path (a temporary file renamed at the
// end, so a failed export leaves no half file).
func (s *dataScreen) exportTo(path string) {
	c := s.u.be.Client
	s.transfer("Export the snapshot", 0, func(ctx context.Context, n *counter) error {
		return exportSnapshot(ctx, c, path, n)
	}, func(n int64) {
		s.status.SetText(fmt.Sprintf("Exported %s to %s", model.FormatBytes(n), path))
		s.u.notify("Snapshot exported to " + path)
	})
}

func exportSnapshot(ctx context.Context, c *client.Client, path string, n *counter) error {
	tmp := path + ".partial"
	// Private like the daemon's own snapshots (0600): a snapshot holds
	// every payload, message and cache value. A leftover .partial is
	// removed first, since OpenFile keeps an existing file's mode.
	_ = os.Remove(tmp)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := c.ExportSnapshot(ctx, countingWriter{w: f, c: n}); err != nil {
		_ = f.Close()
		_ = os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		_ = os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

func (s *dataScreen) pickImport() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		path := r.URI().Path()
		_ = r.Close()
		s.u.confirm("Import snapshot", "Replace the whole state of ironlocal with "+path+"?", func() { s.importFrom(path) })
	}, s.u.win)
	d.Show()
}

// importFrom streams the snapshot at path into ironlocal; a damaged file
// is refused by ironlocal before anything changes.
func (s *dataScreen) importFrom(path string) {
	info, err := os.Stat(path)
	if err != nil {
		s.u.notifyError("import the snapshot", err)
		return
	}
	c := s.u.be.Client
	s.transfer("Import the snapshot", info.Size(), func(ctx context.Context, n *counter) error {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		return c.ImportSnapshot(ctx, countingReader{r: f, c: n}, info.Size())
	}, func(n int64) {
		s.status.SetText(fmt.Sprintf("Imported %s from %s", model.FormatBytes(n), path))
		s.u.notify("Snapshot imported from " + path)
	})
}

func (s *dataScreen) doReset() {
	c := s.u.be.Client
	act(s.u, "reset ironlocal", func(ctx context.Context) error { return c.Reset(ctx) }, func() {
		s.status.Importance = widget.MediumImportance
		s.status.SetText("Reset: every resource was wiped.")
		s.u.notify("ironlocal was reset")
	})
}

// loadAtStart imports the load-at-start snapshot (a seed file is handled
// by main for the embedded ironlocal: StartSeed).
func (s *dataScreen) loadAtStart() {
	path := s.u.app.Preferences().String(prefLoadAtStart)
	if path == "" {
		return
	}
	snapshot, err := fileIsSnapshot(path)
	switch {
	case err != nil:
		s.u.notifyError("load "+path+" at start", err)
	case snapshot:
		s.importFrom(path)
	case s.u.be.Attached:
		s.u.notify("Not loading " + path + " at start: a seed file loads only into the embedded ironlocal")
	}
}

// fileIsSnapshot reports whether the file at path is an ironlocal snapshot.
func fileIsSnapshot(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return false, err
	}
	return model.IsSnapshot(head[:n]), nil
}

// StartSeed is the seed file the embedded ironlocal should load at start
// (the load-at-start preference, when it names a seed rather than a
// snapshot), or "". main passes it as the seed option.
func StartSeed(a fyne.App) string {
	path := a.Preferences().String(prefLoadAtStart)
	if path == "" {
		return ""
	}
	if snapshot, err := fileIsSnapshot(path); err != nil || snapshot {
		return ""
	}
	return path
}

// quitting exports a snapshot when the preference says so; it runs on
// the goroutine that closes the UI, before the calls are cancelled.
func (s *dataScreen) quitting() {
	if s.quit {
		return // Close again
	}
	s.quit = true
	prefs := s.u.app.Preferences()
	path := prefs.String(prefExportOnQuitPath)
	if !prefs.Bool(prefExportOnQuit) || path == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// The embedded ironlocal's state, even while the window looks at a
	// test container.
	if err := exportSnapshot(ctx, s.u.conn.home.Client, path, &counter{}); err != nil {
		fmt.Fprintln(os.Stderr, "ironlocal: export a snapshot on quit:", err)
	}
}
