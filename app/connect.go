package app

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
)

// The connection picker (issue 24): the top bar's "Connect to…" button
// lists the ironlocal the app started with (the embedded emulator, or the
// one given with --attach) and the ironlocal containers test suites started
// on the Docker engine (tcironlocal), which that home emulator finds for
// the app: it owns the Docker access. Choosing a container attaches the
// whole window to it with the URL and token the listing carries; "Back to
// the embedded emulator" returns in one click. main keeps the embedded
// emulator running meanwhile, so going back is instant.
//
// Switching is a new connection session: the old one's event stream and
// calls in flight are cancelled (their results dropped, see run), and every
// screen reloads on the new one once its event stream is open.

// pickerEvery is how often the open picker asks for the list again.
const pickerEvery = 3 * time.Second

// connection is which ironlocal the window drives, and the picker.
type connection struct {
	u *UI
	// home is the Backend main gave New (embedded, or --attach).
	home Backend
	// current is the test container the window is attached to; nil when
	// it drives home. UI goroutine only.
	current *client.TestContainer

	mu      sync.Mutex // guards sess and endSess (run reads them anywhere)
	sess    context.Context
	endSess context.CancelFunc

	// The picker's widgets (UI goroutine; tests touch them).
	button   *widget.Button
	pop      *widget.PopUp
	homeText *widget.Label
	back     *widget.Button
	status   *widget.Label
	rows     *fyne.Container
	// listed is the last list shown; rowByID its rows' buttons; shownKey
	// says what they show (listKey).
	listed   []client.TestContainer
	rowByID  map[string]*containerRow
	shownKey string
	// asking is true while a list call is in flight (one at a time).
	asking bool
}

// containerRow is one test container's line in the picker.
type containerRow struct {
	tc     client.TestContainer
	attach *widget.Button
	remove *widget.Button // nil unless kept
	kept   *widget.Label  // nil unless kept
}

func newConnection(u *UI, home Backend) *connection {
	cn := &connection{u: u, home: home, rowByID: map[string]*containerRow{}}
	cn.sess, cn.endSess = context.WithCancel(u.ctx)
	cn.button = widget.NewButtonWithIcon("Connect…", theme.ComputerIcon(), cn.openPicker)
	cn.homeText = wrapLabel("")
	cn.back = widget.NewButtonWithIcon(cn.backText(), theme.NavigateBackIcon(), cn.goHome)
	cn.status = wrapLabel("")
	cn.rows = container.NewVBox()
	u.every(pickerEvery, cn.tick)
	return cn
}

// session is the context of the current connection: it ends when the
// window switches to another ironlocal, or closes.
func (u *UI) session() context.Context {
	u.conn.mu.Lock()
	defer u.conn.mu.Unlock()
	return u.conn.sess
}

// follow starts following the current connection's event stream.
func (cn *connection) follow() {
	sess, c := cn.u.session(), cn.u.be.Client
	cn.u.goBackground(func(context.Context) { cn.u.follow(sess, c) })
}

// connMode names the connection in the top bar: embedded, attached, or
// the test container's test.
func (u *UI) connMode() string {
	if tc := u.conn.current; tc != nil {
		return "test " + model.Clip(containerTitle(*tc), 22) // the picker and the notice say it whole
	}
	if u.be.Attached {
		return "attached"
	}
	return "embedded"
}

// switchTo points the whole window at be (UI goroutine): tc is the test
// container it is, nil for home.
func (u *UI) switchTo(be Backend, tc *client.TestContainer) {
	cn := u.conn
	cn.mu.Lock()
	cn.endSess()
	cn.sess, cn.endSess = context.WithCancel(u.ctx)
	cn.mu.Unlock()

	u.be = be
	cn.current = tc
	u.project = be.Client.Project()
	u.projects = []string{u.project}
	for _, p := range be.Projects {
		u.addProject(p)
	}
	u.shell.project.SetOptions(u.projects)
	u.shell.project.SetSelected(u.project) // setProject does nothing: it is u.project already
	u.clock = client.Clock{}
	u.connected = false
	u.shell.banner.Hide()
	u.shell.conn.SetText(u.connMode() + " · connecting…")
	u.shell.conn.Importance = widget.MediumImportance
	u.shell.conn.Refresh()
	u.shell.addr.SetText(be.Client.URL())
	u.win.SetTitle("ironlocal — " + be.Client.URL())
	u.inspect.show(nil)
	for _, s := range u.screens {
		s.closeDetail()
	}
	if u.tray != nil {
		u.tray.update()
	}
	cn.back.SetText(cn.backText())
	cn.showHome()
	cn.show(cn.listed)
	// The screens reload once the new event stream is open (live.go).
	cn.follow()
}

// backText is the label of the button back to home.
func (cn *connection) backText() string {
	if cn.home.Attached {
		return "Back to " + cn.home.Client.URL()
	}
	return "Back to the embedded emulator"
}

// goHome attaches the window to home again.
func (cn *connection) goHome() {
	cn.hidePicker()
	if cn.current == nil {
		return
	}
	cn.u.switchTo(cn.home, nil)
	cn.u.notify("Back on " + cn.homeName())
}

func (cn *connection) homeName() string {
	if cn.home.Attached {
		return "ironlocal at " + cn.home.Client.URL()
	}
	return "the embedded emulator (" + cn.home.Client.URL() + ")"
}

// attach checks that the container's emulator answers with the listed
// token, then attaches the window to it.
func (cn *connection) attach(tc client.TestContainer) {
	u := cn.u
	c, err := client.AttachTestContainer(tc)
	if err != nil {
		u.notifyError("attach to "+containerTitle(tc), err)
		return
	}
	run(u, "attach to "+containerTitle(tc), func(ctx context.Context) (client.Clock, error) {
		return c.Clock(ctx) // the control plane: a wrong token shows here
	}, func(client.Clock) {
		cn.hidePicker()
		u.switchTo(Backend{Client: c, Attached: true, Version: cn.home.Version}, &tc)
		u.notify("Attached to " + containerTitle(tc) + " at " + tc.URL)
	})
}

// remove asks once, then removes a kept container (going home first when
// the window is attached to it).
func (cn *connection) remove(tc client.TestContainer) {
	u := cn.u
	msg := fmt.Sprintf("Remove container %s of %s?\nIts emulator and the state the test left behind go away.", tc.Name,
		containerTitle(tc))
	u.confirm("Remove test container", msg, func() {
		if cn.current != nil && cn.current.ID == tc.ID {
			cn.u.switchTo(cn.home, nil)
		}
		c := cn.home.Client
		act(u, "remove test container "+tc.Name, func(ctx context.Context) error { return c.RemoveTestContainer(ctx, tc.ID) },
			func() {
				u.notify("Removed test container " + tc.Name)
				cn.refresh()
			})
	})
}

// openPicker shows the picker under its button and asks for the list.
func (cn *connection) openPicker() {
	if cn.pop == nil {
		title := boldLabel("Connect the window to")
		list := container.NewVScroll(cn.rows)
		list.SetMinSize(fyne.NewSize(480, 260))
		top := container.NewVBox(title, cn.homeText, container.NewHBox(cn.back), widget.NewSeparator(),
			boldLabel("Test containers on the Docker engine"), cn.status)
		cn.pop = widget.NewPopUp(container.NewBorder(top, nil, nil, nil, list), cn.u.win.Canvas())
	}
	cn.showHome()
	cn.show(cn.listed)
	if cn.listed == nil {
		cn.status.SetText("Looking for test containers…")
		cn.status.Show()
	}
	c := cn.u.win.Canvas()
	pos := cn.u.app.Driver().AbsolutePositionForObject(cn.button)
	size := fyne.NewSize(520, 420)
	x := min(pos.X, max(c.Size().Width-size.Width, 0))
	cn.pop.ShowAtPosition(fyne.NewPos(x, pos.Y+cn.button.Size().Height))
	cn.pop.Resize(size)
	cn.refresh()
}

func (cn *connection) hidePicker() {
	if cn.pop != nil {
		cn.pop.Hide()
	}
}

// pickerOpen reports whether the picker shows.
func (cn *connection) pickerOpen() bool { return cn.pop != nil && cn.pop.Visible() }

// showHome fills the home line of the picker.
func (cn *connection) showHome() {
	text := "The embedded emulator at " + cn.home.Client.URL()
	if cn.home.Attached {
		text = "ironlocal at " + cn.home.Client.URL() + " (the one the app was started with)"
	}
	if cn.current == nil {
		text += " · connected"
		cn.back.Disable()
	} else {
		cn.back.Enable()
	}
	cn.homeText.SetText(text)
}

// tick asks for the list again while the picker is open.
func (cn *connection) tick() {
	if cn.pickerOpen() {
		cn.refresh()
	}
}

// apply refreshes the open picker on the test.* events (a test paused,
// resumed).
func (cn *connection) apply(events []client.Event) {
	if !cn.pickerOpen() {
		return
	}
	for _, e := range events {
		if isTestEvent(e) {
			cn.refresh()
			return
		}
	}
}

// refresh asks home for the test containers (one call at a time). Home
// does not change with the connection, so the call is not the session's.
func (cn *connection) refresh() {
	if cn.asking {
		return
	}
	cn.asking = true
	c := cn.home.Client
	cn.u.goBackground(func(ctx context.Context) {
		list, err := c.TestContainers(ctx)
		cn.u.onUI(func() {
			cn.asking = false
			if err != nil {
				cn.show([]client.TestContainer{})
				cn.status.SetText(listErrorText(err))
				cn.status.Show()
				return
			}
			cn.show(list)
		})
	})
}

// listErrorText says why there is no list; 503 is the usual: no engine.
func listErrorText(err error) string {
	if client.StatusOf(err) == http.StatusServiceUnavailable {
		return "No Docker engine answers, so no test containers can be listed: " + errorText(err)
	}
	return "Could not list the test containers: " + errorText(err)
}

// show redraws the rows for list (the same list is left as it is).
func (cn *connection) show(list []client.TestContainer) {
	if list == nil {
		list = []client.TestContainer{}
	}
	switch {
	case len(list) == 0:
		cn.status.SetText("No ironlocal test containers on the Docker engine. A test starts one with " +
			"tcironlocal.Run(ctx, img, tcironlocal.WithTestName(t.Name())).")
		cn.status.Show()
	default:
		cn.status.SetText("")
		cn.status.Hide()
	}
	key := listKey(list, cn.current)
	if key == cn.shownKey && cn.rows.Objects != nil {
		return
	}
	cn.shownKey = key
	cn.listed = list
	cn.rowByID = map[string]*containerRow{}
	objs := make([]fyne.CanvasObject, 0, 2*len(list))
	for _, tc := range list {
		r := cn.newRow(tc)
		cn.rowByID[tc.ID] = r
		objs = append(objs, r.view(cn), widget.NewSeparator())
	}
	cn.rows.Objects = objs
	cn.rows.Refresh()
}

// listKey says what the rows show: the containers as listed and which
// one the window is attached to.
func listKey(list []client.TestContainer, current *client.TestContainer) string {
	var b strings.Builder
	if current != nil {
		b.WriteString(current.ID)
	}
	for _, tc := range list {
		kept := ""
		if tc.KeptAt != nil {
			kept = tc.KeptAt.String()
		}
		fmt.Fprintf(&b, "\n%s|%s|%s|%s|%s|%s|%s|%t|%t|%s", tc.ID, tc.Name, tc.Test, tc.StartedAt, tc.State, tc.URL, tc.Token,
			tc.KeepOnFailure, tc.Kept, kept)
	}
	return b.String()
}

func (cn *connection) newRow(tc client.TestContainer) *containerRow {
	r := &containerRow{tc: tc}
	r.attach = widget.NewButtonWithIcon("Attach", theme.LoginIcon(), func() { cn.attach(tc) })
	r.attach.Importance = widget.HighImportance
	if tc.URL == "" || tc.State != "running" || (cn.current != nil && cn.current.ID == tc.ID) {
		r.attach.Disable()
	}
	if tc.Kept {
		r.kept = widget.NewLabelWithStyle("kept", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
		r.kept.Importance = widget.WarningImportance
		r.remove = widget.NewButtonWithIcon("Remove…", theme.DeleteIcon(), func() { cn.remove(tc) })
		r.remove.Importance = widget.DangerImportance
	}
	return r
}

func (r *containerRow) view(cn *connection) fyne.CanvasObject {
	title := titleLabel(containerTitle(r.tc))
	head := []fyne.CanvasObject{}
	if r.kept != nil {
		head = append(head, r.kept)
	}
	if cn.current != nil && cn.current.ID == r.tc.ID {
		on := widget.NewLabel("connected")
		on.Importance = widget.SuccessImportance
		head = append(head, on)
	}
	buttons := []fyne.CanvasObject{layout.NewSpacer()}
	if r.remove != nil {
		buttons = append(buttons, r.remove)
	}
	buttons = append(buttons, r.attach)
	return container.NewVBox(
		container.NewBorder(nil, nil, nil, container.NewHBox(head...), title),
		wrapLabel(containerLine(r.tc)),
		container.NewHBox(buttons...))
}

// containerTitle names a test container by its test, else its name.
func containerTitle(tc client.TestContainer) string {
	if tc.Test != "" {
		return tc.Test
	}
	return tc.Name
}

// containerLine is a container's details: name, start, state, keep.
func containerLine(tc client.TestContainer) string {
	s := tc.Name + " · started " + tc.StartedAt.Local().Format("2006-01-02 15:04:05") + " · " + tc.State
	switch {
	case tc.Kept && tc.KeptAt != nil:
		s += " · kept since " + tc.KeptAt.Local().Format("15:04:05") + " (its test failed)"
	case tc.Kept:
		s += " · kept (its test failed)"
	case tc.KeepOnFailure:
		s += " · kept if its test fails"
	}
	if tc.URL == "" {
		s += " · publishes no port"
	} else {
		s += " · " + tc.URL
	}
	return s
}

// isTestEvent reports whether e is a test.* event (paused, resumed).
func isTestEvent(e client.Event) bool {
	return strings.HasPrefix(string(e.Type), "test.")
}
