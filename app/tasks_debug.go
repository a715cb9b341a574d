package app

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
)

// debugBox is the part of a task's pane about its debugger (a debug task
// only): where the debugger listens, with a copy button, and the VS Code
// launch.json entry that attaches to it, chosen by the code's debug
// settings (model.DebugLanguageOf), read once the task is known in full.
type debugBox struct {
	d          *taskDetail
	text       *widget.Label
	copyAddr   *widget.Button
	launchHead *fyne.Container
	launchName *widget.Label
	launch     *widget.Label // read-only, selectable, wrapping: never widens the pane
	copyLaunch *widget.Button
	note       *widget.Label
	root       *fyne.Container

	code        *client.Code // the task's code, for its debug settings
	codeLoading bool
	address     string // what the buttons copy
	launchJSON  string
}

func newDebugBox(d *taskDetail) *debugBox {
	b := &debugBox{d: d}
	u := d.s.u
	b.text = wrapLabel("")
	b.text.Importance = widget.WarningImportance
	b.copyAddr = widget.NewButtonWithIcon("Copy address", theme.ContentCopyIcon(), func() {
		u.copyText("Debug address", b.address)
	})
	b.launchName = boldLabel("")
	b.copyLaunch = widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), func() {
		u.copyText("launch.json entry", b.launchJSON)
	})
	b.launchHead = container.NewBorder(nil, nil, nil, b.copyLaunch, b.launchName)
	b.launch = widget.NewLabel("")
	b.launch.TextStyle = fyne.TextStyle{Monospace: true}
	b.launch.Selectable = true
	b.launch.Wrapping = fyne.TextWrapWord
	b.note = wrapLabel("")
	b.root = container.NewVBox(container.NewBorder(nil, nil, nil, b.copyAddr, b.text), b.launchHead, b.launch, b.note)
	b.root.Hide()
	return b
}

// show updates the box with a newer view of the task.
func (b *debugBox) show(t client.Task) {
	text := model.DebugText(t)
	if text == "" {
		b.root.Hide()
		return
	}
	if b.code == nil && !b.codeLoading && t.CodeID != "" {
		b.loadCode(t.CodeID)
	}
	b.text.SetText(text)
	b.address = t.DebugAddress
	b.launchJSON = ""
	if b.code != nil && b.address != "" {
		lang := model.DebugLanguageOf(b.code.DebugCommand, b.code.DebugPort)
		b.launchJSON = model.LaunchJSON(lang, b.address)
		b.launchName.SetText("VS Code launch.json (" + string(lang) + ")")
	}
	b.launch.SetText(b.launchJSON)
	showIf(b.address != "", b.copyAddr)
	showIf(b.launchJSON != "", b.launchHead, b.launch)
	if b.code != nil && b.address != "" && b.launchJSON == "" {
		b.note.SetText(model.UnknownDebuggerText)
		b.note.Show()
	} else {
		b.note.Hide()
	}
	b.root.Show()
	b.root.Refresh()
}

// loadCode reads the task's code for its debug settings.
func (b *debugBox) loadCode(id string) {
	b.codeLoading = true
	c, d := b.d.s.u.client(), b.d
	run(d.s.u, "read the task's code", func(ctx context.Context) (client.Code, error) {
		cd, err := c.Code(ctx, id)
		if client.IsNotFound(err) { // deleted since: no settings to go by
			return client.Code{}, nil
		}
		return cd, err
	},
		func(cd client.Code) {
			if d.s.detail != d {
				return
			}
			b.code = &cd
			b.show(d.task)
		})
}

// showIf shows the objects when ok, else hides them.
func showIf(ok bool, objs ...fyne.CanvasObject) {
	for _, o := range objs {
		if ok {
			o.Show()
		} else {
			o.Hide()
		}
	}
}
