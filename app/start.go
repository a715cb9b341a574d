package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// Start shows a "starting" page in w, runs connect off the UI goroutine
// (starting an embedded emulator takes a moment), then builds the UI on
// the UI goroutine and hands it to started. A failure is shown in the
// window with a Quit button.
func Start(a fyne.App, w fyne.Window, connect func() (Backend, error), started func(*UI)) {
	w.SetContent(page(widget.NewLabel("Starting ironlocal…")))
	go func() {
		be, err := connect()
		uiDo(func() {
			if err != nil {
				msg := widget.NewLabel("ironlocal could not start:\n" + err.Error())
				msg.Wrapping = fyne.TextWrapWord
				msg.Importance = widget.DangerImportance
				w.SetContent(page(msg, widget.NewButton("Quit", a.Quit)))
				return
			}
			started(New(a, w, be))
		})
	}()
}

// AskAttach asks whether to drive the ironlocal already listening at url
// or to start a separate one; answer runs on the UI goroutine.
func AskAttach(w fyne.Window, url string, answer func(attach bool)) {
	q := widget.NewLabel("An ironlocal already listens on " + url + ".\n" +
		"Attach this window to it, or start a separate ephemeral ironlocal on a free port?")
	q.Wrapping = fyne.TextWrapWord
	yes := widget.NewButton("Attach to "+url, func() { answer(true) })
	yes.Importance = widget.HighImportance
	no := widget.NewButton("Start a separate one", func() { answer(false) })
	w.SetContent(page(q, container.NewHBox(layout.NewSpacer(), no, yes)))
}

func page(objs ...fyne.CanvasObject) fyne.CanvasObject {
	return container.NewCenter(container.New(fixedWidth(520), container.NewVBox(objs...)))
}
