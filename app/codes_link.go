package app

import (
	"context"
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
)

// Codes linked to a folder (docs/worker.md "Codes linked to a folder"):
// the Link folder… form, and the detail pane's link row (folder, watch
// switch, Unlink). The folder is a path on the machine ironlocal runs on,
// which is this one for the emulator the app starts.

// linkForm links a code (new or existing) to a folder.
type linkForm struct {
	s        *codesScreen
	name     *keyEntry
	dir      *keyEntry
	browse   *widget.Button
	image    *keyEntry
	command  *keyEntry
	watch    *widget.Check
	payload  *keyEntry
	errLabel *widget.Label
	submit   *widget.Button
	root     fyne.CanvasObject
}

func newLinkForm(s *codesScreen) *linkForm {
	f := &linkForm{s: s}
	f.name = newKeyEntry(s.u, false)
	f.name.SetPlaceHolder("hello")
	f.dir = newKeyEntry(s.u, false)
	f.dir.SetPlaceHolder("/path/to/the/worker (on the machine ironlocal runs on)")
	f.browse = widget.NewButtonWithIcon("", theme.FolderOpenIcon(), f.pickFolder)
	f.image = newKeyEntry(s.u, false)
	f.image.SetPlaceHolder("an image, or leave empty and give a command")
	f.command = newKeyEntry(s.u, false)
	f.command.SetPlaceHolder("python3 hello.py (process runtime)")
	f.watch = widget.NewCheck("Watch: re-run the last task when a file changes", nil)
	f.payload = newKeyEntry(s.u, true)
	f.payload.SetPlaceHolder(`optional: {"key": "value"} for watch re-runs`)
	f.payload.SetMinRowsVisible(3)
	f.payload.TextStyle = fyne.TextStyle{Monospace: true}
	f.errLabel = widget.NewLabel("")
	f.errLabel.Importance = widget.DangerImportance
	f.errLabel.Wrapping = fyne.TextWrapWord
	f.payload.OnChanged = func(v string) { f.errLabel.SetText(errString(validPinned(v))) }
	f.submit = widget.NewButtonWithIcon("Link", theme.ConfirmIcon(), f.link)
	f.submit.Importance = widget.HighImportance
	form := widget.NewForm(
		widget.NewFormItem("Name", f.name),
		widget.NewFormItem("Folder", container.NewBorder(nil, nil, nil, f.browse, f.dir)),
		widget.NewFormItem("Image", f.image),
		widget.NewFormItem("Command", f.command),
		widget.NewFormItem("", f.watch),
		widget.NewFormItem("Pinned payload", f.payload),
		widget.NewFormItem("", f.errLabel))
	f.root = container.NewBorder(container.NewBorder(nil, nil, boldLabel("Link a code to a folder"), closeButton(func() { s.closeDetail() })),
		container.NewHBox(f.submit), nil, nil, container.NewVScroll(form))
	return f
}

// validPinned checks a pinned payload: empty pins none.
func validPinned(v string) error {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	return model.ValidatePayload(v)
}

// pickFolder fills the folder from Fyne's folder picker.
func (f *linkForm) pickFolder() {
	d := dialog.NewFolderOpen(func(uri fyne.ListableURI, err error) {
		if err != nil || uri == nil {
			return
		}
		f.dir.SetText(uri.Path())
	}, f.s.u.win)
	d.Show()
}

// codeLink reads the form; nothing is sent when a field is wrong.
func (f *linkForm) codeLink() (string, client.CodeLink, error) {
	name := strings.TrimSpace(f.name.Text)
	l := client.CodeLink{Dir: strings.TrimSpace(f.dir.Text), Image: strings.TrimSpace(f.image.Text),
		Command: strings.TrimSpace(f.command.Text), Watch: f.watch.Checked}
	switch {
	case name == "":
		return "", l, errors.New("a code package needs a name")
	case l.Dir == "":
		return "", l, errors.New("pick the folder to link")
	}
	if err := validPinned(f.payload.Text); err != nil {
		return "", l, err
	}
	if strings.TrimSpace(f.payload.Text) != "" {
		p := model.CompactJSON(f.payload.Text)
		l.Payload = &p
	}
	return name, l, nil
}

func (f *linkForm) link() {
	name, l, err := f.codeLink()
	if err != nil {
		f.errLabel.SetText(err.Error())
		f.s.u.notify(err.Error())
		return
	}
	c := f.s.u.client()
	run(f.s.u, "link the code", func(ctx context.Context) (client.Code, error) { return c.LinkCode(ctx, name, l) },
		func(cd client.Code) {
			f.s.u.notify("Linked " + cd.Name + " to " + cd.LinkedDir)
			f.s.reload()
			f.s.open(cd)
		})
}

// openLinkForm shows the Link folder… form in the detail pane.
func (s *codesScreen) openLinkForm() {
	s.detail, s.form = nil, nil
	s.link = newLinkForm(s)
	s.setDetail(s.link.root)
}

// linkRow is the detail pane's line about the folder: where the code's
// tasks run from, the watch switch and Unlink; hidden for a code that is
// not linked.
type linkRow struct {
	d      *codeDetail
	text   *widget.Label
	watch  *widget.Check
	unlink *widget.Button
	asked  *asked // the last Unlink confirmation (tests answer it)
	root   *fyne.Container
	// showing is set while show updates the switch, so that its callback
	// sends nothing.
	showing bool
}

func newLinkRow(d *codeDetail) *linkRow {
	r := &linkRow{d: d}
	r.text = wrapLabel("")
	r.text.Importance = widget.HighImportance
	r.watch = widget.NewCheck("Watch", func(on bool) {
		if !r.showing {
			r.setWatch(on)
		}
	})
	r.unlink = widget.NewButtonWithIcon("Unlink", theme.ContentClearIcon(), r.askUnlink)
	r.root = container.NewVBox(r.text, container.NewHBox(r.watch, r.unlink))
	return r
}

func (r *linkRow) show(c client.Code) {
	r.text.SetText(model.CodeLinkText(c))
	r.showing = true
	r.watch.SetChecked(c.Watch)
	r.showing = false
	if c.Linked || c.LinkedDir != "" {
		r.root.Show()
	} else {
		r.root.Hide()
	}
}

// setWatch links the code again with the same folder (and pinned
// payload) and the new watch.
func (r *linkRow) setWatch(on bool) {
	cd := r.d.code
	l := client.CodeLink{Dir: cd.LinkedDir, Watch: on, Payload: cd.PinnedPayload}
	c := r.d.s.u.client()
	run(r.d.s.u, "change the watch", func(ctx context.Context) (client.Code, error) { return c.LinkCode(ctx, cd.Name, l) },
		func(got client.Code) {
			if on {
				r.d.s.u.notify("Watching " + got.LinkedDir)
			} else {
				r.d.s.u.notify("Stopped watching " + got.LinkedDir)
			}
			r.d.s.reload()
		})
}

// askUnlink asks once, then ends the link (the code stays).
func (r *linkRow) askUnlink() {
	name := r.d.code.Name
	title, question := "Unlink "+name+"?", "Its tasks stop running from "+r.d.code.LinkedDir+
		" and saves no longer re-run them; the code and its tasks stay."
	do := func() {
		c := r.d.s.u.client()
		run(r.d.s.u, "unlink the code", func(ctx context.Context) (client.Code, error) { return c.UnlinkCode(ctx, name) },
			func(client.Code) {
				r.d.s.u.notify("Unlinked " + name)
				r.d.s.reload()
			})
	}
	r.asked = &asked{title: title, question: question, do: do}
	r.d.s.u.confirm(title, question, do)
}
