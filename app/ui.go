package app

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/client"
)

// Backend is the ironlocal the window drives: one it embeds (started by
// main) or one it attached to.
type Backend struct {
	Client *client.Client
	// Attached is true when the app drives an ironlocal it did not start.
	Attached bool
	// Store says where the embedded emulator keeps its state ("" when
	// attached: the app cannot know).
	Store string
	// Projects are the configured projects (strict auth); the client's
	// project comes first anyway.
	Projects []string
	// Notice is shown once the window is up (e.g. "4766 was taken, …").
	Notice string
	// Version is this app's own version (server.Version, stamped at build
	// time), shown in the About box.
	Version string
}

// screen is one entry of the navigation rail. Its methods run on the UI
// goroutine.
type screen interface {
	title() string
	icon() fyne.Resource
	view() fyne.CanvasObject
	// reload fetches everything again (project change, reconnect).
	reload()
	// apply updates the screen with a batch of live events.
	apply(events []client.Event)
	// shown redraws the screen's lists when it comes back into view (a
	// hidden list may skip updates made meanwhile).
	shown()
	// focusSearch gives Ctrl+F its target (nil: none).
	focusSearch() fyne.Focusable
	// closeDetail closes an open detail pane (Esc) and reports whether
	// one was open.
	closeDetail() bool
}

// UI is the window's content and everything behind it.
type UI struct {
	app fyne.App
	win fyne.Window
	be  Backend

	ctx    context.Context
	cancel context.CancelFunc
	wgMu   sync.Mutex
	wg     sync.WaitGroup
	// mu is held while a goroutine's result is applied (bridge.go).
	mu sync.Mutex
	// calls counts the background calls started (tests check that a
	// refused form starts none).
	calls atomic.Int64

	// State below is touched on the UI goroutine only.
	project   string
	projects  []string
	connected bool
	clock     client.Clock
	clockAt   time.Time // local time when clock was read

	shell     *shell
	overview  *overviewScreen
	tasks     *tasksScreen
	codes     *codesScreen
	schedules *schedulesScreen
	queues    *queuesScreen
	cache     *cacheScreen
	events    *eventsScreen
	time      *timeScreen
	data      *dataScreen
	faults    *faultsScreen
	triggers  *triggersScreen
	screens   []screen
	current   int
	// painted is, per screen, the theme generation it was last repainted
	// in (theme.go).
	painted []uint64
	tray    *tray
	conn    *connection // which ironlocal, and the picker (connect.go)
	inspect *inspectBar // tests paused for a look (inspect.go)
}

// New builds the window's content for be, shows it in w and starts
// following ironlocal's event stream. Call Close when the app quits.
func New(a fyne.App, w fyne.Window, be Backend) *UI {
	u := &UI{app: a, win: w, be: be, project: be.Client.Project()}
	u.ctx, u.cancel = context.WithCancel(context.Background())
	u.conn = newConnection(u, be)
	u.projects = []string{u.project}
	for _, p := range be.Projects {
		u.addProject(p)
	}
	u.overview = newOverviewScreen(u)
	u.tasks = newTasksScreen(u)
	u.codes = newCodesScreen(u)
	u.schedules = newSchedulesScreen(u)
	u.queues = newQueuesScreen(u)
	u.cache = newCacheScreen(u)
	u.events = newEventsScreen(u)
	u.time = newTimeScreen(u)
	u.data = newDataScreen(u)
	u.faults = newFaultsScreen(u)
	u.triggers = newTriggersScreen(u)
	u.screens = []screen{u.overview, u.tasks, u.codes, u.schedules, u.queues, u.cache, u.events, u.time, u.data, u.faults,
		u.triggers}
	u.painted = make([]uint64, len(u.screens))
	for i := range u.painted {
		u.painted[i] = themeGen.Load()
	}
	u.followTheme()
	u.inspect = newInspectBar(u)
	u.shell = newShell(u)
	w.SetContent(u.shell.root)
	u.addShortcuts()
	u.show(0)
	// The screens load once the event stream is open (live.go), so no
	// change falls between the first load and the live updates.
	u.conn.follow()
	u.every(time.Second, u.tick)
	if be.Notice != "" {
		u.notify(be.Notice)
	}
	return u
}

// Close stops every goroutine the UI started (waiting up to 2 s for calls
// in flight).
func (u *UI) Close() {
	u.data.quitting()
	u.wgMu.Lock()
	u.cancel()
	u.wgMu.Unlock()
	done := make(chan struct{})
	go func() { u.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	}
}

// client is the client of the selected project.
func (u *UI) client() *client.Client { return u.be.Client.ForProject(u.project) }

// show switches the main area to screen i.
func (u *UI) show(i int) {
	if i < 0 || i >= len(u.screens) {
		return
	}
	u.current = i
	u.shell.main.Objects = []fyne.CanvasObject{u.screens[i].view()}
	u.shell.main.Refresh()
	u.repaintShown(i)
	u.screens[i].shown()
	u.shell.nav.Select(i) // no-op when already selected
}

// showScreen switches to s.
func (u *UI) showScreen(s screen) { u.show(slices.Index(u.screens, s)) }

// setProject switches every screen to project p.
func (u *UI) setProject(p string) {
	if p == "" || p == u.project {
		return
	}
	u.project = p
	u.addProject(p)
	for _, s := range u.screens {
		s.closeDetail()
		s.reload()
	}
}

// addProject records a project id seen in events or configured; the
// client's default project stays first, the others are sorted.
func (u *UI) addProject(p string) {
	if p == "" || slices.Contains(u.projects, p) {
		return
	}
	u.projects = append(u.projects, p)
	slices.Sort(u.projects[1:])
	if u.shell != nil {
		u.shell.project.SetOptions(u.projects)
	}
}

// loadProjects offers every project ironlocal holds in the selector.
func (u *UI) loadProjects() {
	c := u.be.Client
	run(u, "list projects", func(ctx context.Context) ([]string, error) { return c.Projects(ctx) },
		func(ps []string) {
			for _, p := range ps {
				u.addProject(p)
			}
		})
}

// readClock fetches ironlocal's clock.
func (u *UI) readClock() {
	c := u.client()
	run(u, "read the clock", func(ctx context.Context) (client.Clock, error) { return c.Clock(ctx) },
		func(cl client.Clock) {
			u.clock, u.clockAt = cl, time.Now()
			u.shell.showClock(u.now(), cl.Virtual)
		})
}

// now is ironlocal's time as last read: a virtual clock stands still
// between reads, a real one runs.
func (u *UI) now() time.Time {
	if u.clock.Now.IsZero() {
		return time.Now()
	}
	if u.clock.Virtual {
		return u.clock.Now
	}
	return u.clock.Now.Add(time.Since(u.clockAt))
}

// showClock shows ironlocal's time in the top bar. Screens that redraw
// live call it too: each window repaint is a whole frame (under software
// OpenGL the UI goroutine's biggest cost), so the clock changes in a frame
// painted anyway when there is one, and the tick finds it current.
func (u *UI) showClock() { u.shell.showClock(u.now(), u.clock.Virtual) }

// tick runs every second on the UI goroutine.
func (u *UI) tick() {
	u.showClock()
	u.overview.tick()
	u.tasks.tick()
}

// addShortcuts wires Ctrl+F (search), Ctrl+N (new task) and Esc (close the
// detail pane).
func (u *UI) addShortcuts() {
	c := u.win.Canvas()
	for _, key := range []fyne.KeyName{fyne.KeyF, fyne.KeyN} {
		sc := &desktop.CustomShortcut{KeyName: key, Modifier: fyne.KeyModifierShortcutDefault}
		c.AddShortcut(sc, func(fyne.Shortcut) { u.windowShortcut(sc) })
	}
	c.SetOnTypedKey(func(e *fyne.KeyEvent) {
		if e.Name == fyne.KeyEscape {
			u.escape()
		}
	})
}

// windowShortcut runs the window's shortcuts (Ctrl+F, Ctrl+N) and reports
// whether s was one.
func (u *UI) windowShortcut(s *desktop.CustomShortcut) bool {
	if s.Modifier != fyne.KeyModifierShortcutDefault {
		return false
	}
	switch s.KeyName {
	case fyne.KeyF:
		u.focusSearch()
	case fyne.KeyN:
		u.newTask()
	default:
		return false
	}
	return true
}

func (u *UI) focusSearch() {
	if f := u.screens[u.current].focusSearch(); f != nil {
		u.win.Canvas().Focus(f)
	}
}

func (u *UI) newTask() {
	u.showScreen(u.tasks)
	u.tasks.openNewTask()
}

func (u *UI) escape() {
	u.screens[u.current].closeDetail()
}

// copyText puts s on the clipboard and says so.
func (u *UI) copyText(what, s string) {
	u.app.Clipboard().SetContent(s)
	u.notify(what + " copied")
}

// split lays out a list with an optional detail pane on its right. Each
// side asks for at most paneMin: a pane whose text is wider (one long
// error line) is laid out at the width it gets instead of pushing the
// split, and the window, wider.
func split(list, detail fyne.CanvasObject) fyne.CanvasObject {
	if detail == nil {
		return list
	}
	s := container.NewHSplit(boundMin(list, paneMin), boundMin(detail, paneMin))
	s.SetOffset(0.55)
	return s
}

// paneMin is the most a list or a detail pane asks for.
var paneMin = fyne.NewSize(360, 360)

// boundMin holds o at a MinSize of at most most: whatever o's text asks
// for, the window never resizes itself to show it. (Not wrapped in a
// container.Clip: Fyne 2.7's focus manager and markup renderer do not
// walk into one.)
func boundMin(o fyne.CanvasObject, most fyne.Size) fyne.CanvasObject {
	return container.New(minCap(most), o)
}

// minCap is a layout whose MinSize is its objects' own, capped at the
// size it holds; objects are laid out at the full size they are given.
type minCap fyne.Size

func (c minCap) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var m fyne.Size
	for _, o := range objects {
		m = m.Max(o.MinSize())
	}
	return m.Min(fyne.Size(c))
}

func (c minCap) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
}

// wrapLabel is a label for text of any length (a status, a message, an
// error, a value): it wraps at the width it is given instead of asking for
// its whole text's width, so a long line cannot widen its pane or the
// window. Detail panes use it for every line whose text comes from data.
func wrapLabel(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// actionRow lays a pane's buttons out in a row that wraps onto more rows
// when the pane is narrower than all of them: a row of buttons must not
// widen its pane, whose wrapping labels would then be laid out wider than
// the pane and cut at the window's edge.
func actionRow(buttons ...fyne.CanvasObject) *fyne.Container {
	return container.New(layout.NewRowWrapLayout(), buttons...)
}

// titleLabel is a detail pane's bold header line: elided with … where it
// does not fit, and selectable, so the whole text can be copied.
func titleLabel(s string) *widget.Label {
	l := boldLabel(s)
	l.Truncation = fyne.TextTruncateEllipsis
	l.Selectable = true
	return l
}

// boldLabel is a label in bold.
func boldLabel(s string) *widget.Label {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// newTitledRow is the list row most screens use: a bold title over a
// summary, both cut with an ellipsis so a long name never widens the list.
// setTitledRow fills it.
func newTitledRow() fyne.CanvasObject {
	title := boldLabel("")
	title.Truncation = fyne.TextTruncateEllipsis
	sub := widget.NewLabel("")
	sub.Truncation = fyne.TextTruncateEllipsis
	return container.NewVBox(title, sub)
}

// setTitledRow fills a row made by newTitledRow; imp colours the title.
func setTitledRow(o fyne.CanvasObject, title, sub string, imp widget.Importance) {
	box := o.(*fyne.Container)
	t := box.Objects[0].(*widget.Label)
	t.Text, t.Importance = title, imp
	t.Refresh()
	box.Objects[1].(*widget.Label).SetText(sub)
}

// URL is the address of the ironlocal the window drives.
func (u *UI) URL() string { return u.be.Client.URL() }
