package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
)

// codesScreen lists code packages; the detail pane edits one (concurrency,
// retries, env vars, debug port and command, pause/resume, delete) or
// registers a new one.
type codesScreen struct {
	u       *UI
	codes   []client.Code
	visible []int
	list    *escList
	search  *keyEntry
	body    *fyne.Container
	listBox fyne.CanvasObject
	detail  *codeDetail
	form    *codeForm
	link    *linkForm
	empty   *emptyState
}

func newCodesScreen(u *UI) *codesScreen {
	s := &codesScreen{u: u}
	s.list = newEscList(func() { s.closeDetail() }, func() int { return len(s.visible) },
		newTitledRow,
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= len(s.visible) {
				return
			}
			c := s.codes[s.visible[id]]
			setTitledRow(o, c.Name, codeSummary(c), widget.MediumImportance)
		})
	s.list.OnSelected = func(id widget.ListItemID) {
		s.list.UnselectAll()
		if id < len(s.visible) {
			s.open(s.codes[s.visible[id]])
		}
	}
	s.search = newKeyEntry(u, false)
	s.search.SetPlaceHolder("Search code packages (Ctrl+F)")
	s.search.OnChanged = func(string) { s.refilter() }
	add := widget.NewButtonWithIcon("Register code", theme.ContentAddIcon(), s.openForm)
	add.Importance = widget.HighImportance
	linkBtn := widget.NewButtonWithIcon("Link folder…", theme.FolderOpenIcon(), s.openLinkForm)
	s.empty = newEmptyState("No code packages yet: register one (an image and the command it runs) to queue tasks, "+
		"or upload a zip with Iron's CLI (iron worker upload).", "Register code", s.openForm)
	s.listBox = container.NewBorder(container.NewBorder(nil, nil, nil, container.NewHBox(linkBtn, add), s.search), nil, nil, nil, s.empty.over(s.list))
	s.body = container.NewStack(s.listBox)
	return s
}

func (s *codesScreen) title() string               { return "Codes" }
func (s *codesScreen) icon() fyne.Resource         { return theme.StorageIcon() }
func (s *codesScreen) view() fyne.CanvasObject     { return s.body }
func (s *codesScreen) focusSearch() fyne.Focusable { return s.search }
func (s *codesScreen) shown()                      { s.list.Refresh() }

// codeSummary is the second line of a code in the list.
func codeSummary(c client.Code) string {
	what := c.Image
	if c.Command != "" {
		what = strings.TrimSpace(what + " · " + c.Command)
	}
	if what == "" {
		what = c.FileName
	}
	conc := "unlimited"
	switch {
	case c.Paused():
		conc = "paused"
	case c.MaxConcurrency > 0:
		conc = "max " + strconv.Itoa(c.MaxConcurrency)
	}
	sum := fmt.Sprintf("rev %d · %s · concurrency %s · retries %d (every %ds)", c.Rev, what, conc, c.Retries, c.RetriesDelay)
	switch {
	case c.Watch:
		sum = "linked " + c.LinkedDir + " (watched) · " + sum
	case c.Linked || c.LinkedDir != "":
		sum = "linked " + c.LinkedDir + " · " + sum
	}
	return sum
}

func (s *codesScreen) reload() {
	c := s.u.client()
	run(s.u, "list codes", func(ctx context.Context) ([]client.Code, error) {
		var all []client.Code
		for page := 0; ; page++ {
			cs, err := c.Codes(ctx, client.Page{Page: page, PerPage: 100})
			if err != nil {
				return nil, err
			}
			all = append(all, cs...)
			if len(cs) < 100 {
				return all, nil
			}
		}
	}, func(cs []client.Code) {
		s.codes = cs
		s.refilter()
		if s.detail != nil {
			for _, c := range cs {
				if c.ID == s.detail.code.ID || c.Name == s.detail.code.Name {
					s.detail.show(c)
				}
			}
		}
	})
}

func (s *codesScreen) refilter() {
	q := strings.ToLower(strings.TrimSpace(s.search.Text))
	s.visible = s.visible[:0]
	for i, c := range s.codes {
		if q == "" || model.ContainsFold(c.Name, q) || model.ContainsFold(c.Image, q) || model.ContainsFold(c.Command, q) {
			s.visible = append(s.visible, i)
		}
	}
	s.empty.show(len(s.codes) == 0)
	s.list.Refresh()
}

func (s *codesScreen) apply(events []client.Event) {
	for _, e := range events {
		if strings.HasPrefix(e.Type, "code.") || isReset([]client.Event{e}) {
			s.reload()
			return
		}
	}
}

func (s *codesScreen) setDetail(d fyne.CanvasObject) {
	s.body.Objects = []fyne.CanvasObject{split(s.listBox, d)}
	s.body.Refresh()
}

func (s *codesScreen) closeDetail() bool {
	if s.detail == nil && s.form == nil && s.link == nil {
		return false
	}
	s.detail, s.form, s.link = nil, nil, nil
	s.setDetail(nil)
	return true
}

func (s *codesScreen) open(c client.Code) {
	s.form, s.link = nil, nil
	s.detail = newCodeDetail(s, c)
	s.setDetail(s.detail.root)
}

func (s *codesScreen) openForm() {
	s.detail, s.link = nil, nil
	s.form = newCodeForm(s)
	s.setDetail(s.form.root)
}

// codeDetail edits one code package.
type codeDetail struct {
	s            *codesScreen
	code         client.Code
	info         *widget.Label
	concurrency  *keyEntry
	retries      *keyEntry
	retriesDelay *keyEntry
	env          *keyEntry
	debugPort    *keyEntry
	debugCommand *keyEntry
	pause        *widget.Button
	revisions    *widget.Label
	linkRow      *linkRow
	root         fyne.CanvasObject
}

func newCodeDetail(s *codesScreen, c client.Code) *codeDetail {
	d := &codeDetail{s: s}
	d.info = wrapLabel("")
	d.concurrency = newKeyEntry(s.u, false)
	d.retries = newKeyEntry(s.u, false)
	d.retriesDelay = newKeyEntry(s.u, false)
	d.env = newKeyEntry(s.u, true)
	d.env.SetPlaceHolder("KEY=VALUE, one per line")
	d.env.SetMinRowsVisible(4)
	d.debugPort = newKeyEntry(s.u, false)
	d.debugPort.SetPlaceHolder(model.DebugPortPlaceholder)
	d.debugCommand = newKeyEntry(s.u, false)
	d.debugCommand.SetPlaceHolder(model.DebugCommandPlaceholder)
	d.revisions = wrapLabel("")
	d.linkRow = newLinkRow(d)
	save := widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), d.save)
	save.Importance = widget.HighImportance
	d.pause = widget.NewButton("Pause task queue", d.togglePause)
	del := widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), d.delete)
	del.Importance = widget.DangerImportance
	queue := widget.NewButtonWithIcon("Queue a task", theme.MediaPlayIcon(), func() {
		s.u.showScreen(s.u.tasks)
		s.u.tasks.openNewTask()
		s.u.tasks.form.code.SetSelected(d.code.Name)
	})
	closeBtn := widget.NewButtonWithIcon("", theme.CancelIcon(), func() { s.closeDetail() })
	closeBtn.Importance = widget.LowImportance
	form := widget.NewForm(
		widget.NewFormItem("Max concurrency", d.concurrency),
		widget.NewFormItem("Retries", d.retries),
		widget.NewFormItem("Retries delay (s)", d.retriesDelay),
		widget.NewFormItem("Env vars", d.env),
		widget.NewFormItem("Debug port", d.debugPort),
		widget.NewFormItem("Debug command", d.debugCommand))
	title := titleLabel(c.Name)
	d.root = container.NewBorder(container.NewBorder(nil, nil, nil, closeBtn, title), nil, nil, nil,
		container.NewVScroll(container.NewVBox(d.info, d.linkRow.root, form, actionRow(save, d.pause, queue, del, s.u.copyAsButton(d.copyRequests)),
			boldLabel("Revisions"), d.revisions)))
	d.show(c)
	d.loadRevisions()
	return d
}

func (d *codeDetail) show(c client.Code) {
	d.code = c
	d.info.SetText(codeSummary(c))
	d.linkRow.show(c)
	d.concurrency.SetText(strconv.Itoa(c.MaxConcurrency))
	d.retries.SetText(strconv.Itoa(c.Retries))
	d.retriesDelay.SetText(strconv.Itoa(c.RetriesDelay))
	d.env.SetText(model.FormatEnv(c.EnvVars))
	d.debugPort.SetText(model.FormatDebugPort(c.DebugPort))
	d.debugCommand.SetText(c.DebugCommand)
	if c.Paused() {
		d.pause.SetText("Resume task queue")
	} else {
		d.pause.SetText("Pause task queue")
	}
}

func (d *codeDetail) loadRevisions() {
	c, id := d.s.u.client(), d.code.ID
	run(d.s.u, "list revisions", func(ctx context.Context) ([]client.CodeRevision, error) {
		return c.CodeRevisions(ctx, id, client.Page{PerPage: 100})
	}, func(revs []client.CodeRevision) {
		var b strings.Builder
		for _, r := range revs {
			fmt.Fprintf(&b, "rev %d · %s · %s\n", r.Rev, model.FormatTime(r.CreatedAt.Time, d.s.u.now()), strings.TrimSpace(r.Image+" "+r.Command))
		}
		d.revisions.SetText(b.String())
	})
}

// settings reads the form; nothing is sent when a field is wrong.
func (d *codeDetail) settings() (client.CodeSettings, error) {
	conc, err := model.ParseInt("max concurrency", d.concurrency.Text, 0)
	if err != nil {
		return client.CodeSettings{}, err
	}
	retries, err := model.ParseInt("retries", d.retries.Text, 0)
	if err != nil {
		return client.CodeSettings{}, err
	}
	delay, err := model.ParseInt("retries delay", d.retriesDelay.Text, 0)
	if err != nil {
		return client.CodeSettings{}, err
	}
	env, err := model.ParseEnv(d.env.Text)
	if err != nil {
		return client.CodeSettings{}, err
	}
	port, err := model.ParseDebugPort(d.debugPort.Text)
	if err != nil {
		return client.CodeSettings{}, err
	}
	command := strings.TrimSpace(d.debugCommand.Text)
	return client.CodeSettings{MaxConcurrency: &conc, Retries: &retries, RetriesDelay: &delay, EnvVars: env,
		DebugPort: &port, DebugCommand: &command}, nil
}

func (d *codeDetail) save() {
	set, err := d.settings()
	if err != nil {
		d.s.u.notify(err.Error())
		return
	}
	c, id := d.s.u.client(), d.code.ID
	run(d.s.u, "save the code settings", func(ctx context.Context) (client.Code, error) { return c.UpdateCode(ctx, id, set) },
		func(cd client.Code) {
			d.s.u.notify("Saved " + cd.Name)
			d.s.reload()
		})
}

func (d *codeDetail) togglePause() {
	c, id, paused := d.s.u.client(), d.code.ID, d.code.Paused()
	act(d.s.u, "change the task queue", func(ctx context.Context) error {
		if paused {
			return c.ResumeCode(ctx, id)
		}
		return c.PauseCode(ctx, id)
	}, d.s.reload)
}

func (d *codeDetail) delete() {
	name, id := d.code.Name, d.code.ID
	dialog.ShowConfirm("Delete "+name+"?", "The code package and its revisions are deleted; its tasks stay.", func(ok bool) {
		if !ok {
			return
		}
		c := d.s.u.client()
		act(d.s.u, "delete the code", func(ctx context.Context) error { return c.DeleteCode(ctx, id) }, func() {
			d.s.u.notify("Deleted " + name)
			d.s.closeDetail()
			d.s.reload()
		})
	}, d.s.u.win)
}

// codeForm registers an image-based code package (a command runs it on
// the process runtime).
type codeForm struct {
	s            *codesScreen
	name         *keyEntry
	image        *keyEntry
	command      *keyEntry
	debugPort    *keyEntry
	debugCommand *keyEntry
	submit       *widget.Button
	root         fyne.CanvasObject
}

func newCodeForm(s *codesScreen) *codeForm {
	f := &codeForm{s: s}
	f.name = newKeyEntry(s.u, false)
	f.name.SetPlaceHolder("hello")
	f.image = newKeyEntry(s.u, false)
	f.image.SetPlaceHolder("ironlocal/fixture-worker:latest (a local image)")
	f.command = newKeyEntry(s.u, false)
	f.command.SetPlaceHolder("optional: a command for the process runtime")
	f.debugPort = newKeyEntry(s.u, false)
	f.debugPort.SetPlaceHolder(model.DebugPortPlaceholder)
	f.debugCommand = newKeyEntry(s.u, false)
	f.debugCommand.SetPlaceHolder("optional: " + model.DebugCommandPlaceholder)
	f.submit = widget.NewButtonWithIcon("Register", theme.ConfirmIcon(), f.register)
	f.submit.Importance = widget.HighImportance
	closeBtn := widget.NewButtonWithIcon("", theme.CancelIcon(), func() { s.closeDetail() })
	closeBtn.Importance = widget.LowImportance
	form := widget.NewForm(widget.NewFormItem("Name", f.name), widget.NewFormItem("Image", f.image),
		widget.NewFormItem("Command", f.command), widget.NewFormItem("Debug port", f.debugPort),
		widget.NewFormItem("Debug command", f.debugCommand))
	f.root = container.NewBorder(container.NewBorder(nil, nil, boldLabel("Register a code package"), closeBtn),
		container.NewHBox(f.submit, s.u.copyAsButton(f.copyRequests)), nil, nil, form)
	return f
}

func (f *codeForm) register() {
	nc := client.NewCode{Name: strings.TrimSpace(f.name.Text), Image: strings.TrimSpace(f.image.Text),
		Command: strings.TrimSpace(f.command.Text)}
	if nc.Name == "" {
		f.s.u.notify("A code package needs a name")
		return
	}
	port, err := model.ParseDebugPort(f.debugPort.Text)
	if err != nil {
		f.s.u.notify(err.Error())
		return
	}
	if port > 0 {
		nc.DebugPort = &port
	}
	if cmd := strings.TrimSpace(f.debugCommand.Text); cmd != "" {
		nc.DebugCommand = &cmd
	}
	c := f.s.u.client()
	run(f.s.u, "register the code", func(ctx context.Context) (client.Code, error) { return c.RegisterCode(ctx, nc) },
		func(cd client.Code) {
			f.s.u.notify("Registered " + cd.Name + " rev " + strconv.Itoa(cd.Rev))
			f.s.reload()
			f.s.open(cd)
		})
}
