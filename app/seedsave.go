package app

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/app/seedfile"
)

// Save as seed: the Data & settings screen writes the project's queues
// (with or without their messages), caches, codes and schedules as a seed
// file (package seedfile) that a test loads with --seed or
// server.Options.Seed.

// saveSeedButton opens the "Save as seed" dialog.
func (u *UI) saveSeedButton() *widget.Button {
	return widget.NewButtonWithIcon("Save as seed…", theme.DocumentSaveIcon(), u.pickSeedContents)
}

// seedChoice is the dialog's checkboxes, all checked at first.
type seedChoice struct {
	queues, messages, caches, codes, schedules *widget.Check
	root                                       fyne.CanvasObject
}

func newSeedChoice() *seedChoice {
	ch := &seedChoice{
		queues:    widget.NewCheck("Queues and their settings", nil),
		messages:  widget.NewCheck("with their messages", nil),
		caches:    widget.NewCheck("Caches and their items", nil),
		codes:     widget.NewCheck("Code packages (image codes)", nil),
		schedules: widget.NewCheck("Active schedules", nil),
	}
	ch.queues.OnChanged = func(on bool) {
		if on {
			ch.messages.Enable()
		} else {
			ch.messages.Disable()
		}
	}
	for _, c := range []*widget.Check{ch.queues, ch.messages, ch.caches, ch.codes, ch.schedules} {
		c.SetChecked(true)
	}
	hint := widget.NewLabel("Push queues, dead-letter settings, alerts and zip codes have no place in a seed: the notice lists what is left out.")
	hint.Wrapping = fyne.TextWrapWord
	hint.Importance = widget.LowImportance
	ch.root = container.NewVBox(ch.queues, container.NewPadded(ch.messages), ch.caches, ch.codes, ch.schedules, hint)
	return ch
}

func (ch *seedChoice) selection() seedfile.Selection {
	return seedfile.Selection{Queues: ch.queues.Checked, Messages: ch.queues.Checked && ch.messages.Checked,
		Caches: ch.caches.Checked, Codes: ch.codes.Checked, Schedules: ch.schedules.Checked}
}

// pickSeedContents asks what to include, then where to save it.
func (u *UI) pickSeedContents() {
	ch := newSeedChoice()
	d := dialog.NewCustomConfirm("Save as seed", "Choose file…", "Cancel", ch.root, func(ok bool) {
		if ok {
			u.pickSeedFile(ch.selection())
		}
	}, u.win)
	d.Resize(fyne.NewSize(460, 0))
	d.Show()
}

func (u *UI) pickSeedFile(sel seedfile.Selection) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		path := w.URI().Path()
		_ = w.Close()
		u.saveSeed(path, sel)
	}, u.win)
	d.SetFileName("ironlocal-seed.json")
	d.Show()
}

// saveSeed collects sel off the UI goroutine and writes it to path
// (private to the user: messages and items may hold secrets).
func (u *UI) saveSeed(path string, sel seedfile.Selection) {
	c := u.client()
	run(u, "save the seed", func(ctx context.Context) (seedfile.Result, error) {
		r, err := seedfile.Collect(ctx, c, sel)
		if err != nil {
			return r, err
		}
		f, err := createPrivate(path)
		if err != nil {
			return r, err
		}
		if err := seedfile.Write(f, r.File); err != nil {
			_ = f.Close()
			return r, err
		}
		return r, f.Close()
	}, func(r seedfile.Result) { u.notify(seedNotice(path, r)) })
}

// seedNotice says what a saved seed holds and what it left out.
func seedNotice(path string, r seedfile.Result) string {
	f := r.File
	msgs := 0
	for _, q := range f.Queues {
		msgs += len(q.Messages)
	}
	s := fmt.Sprintf("Saved a seed to %s: %s (%s), %s, %s, %s", path, model.Plural(len(f.Queues), "queue", "queues"),
		model.Plural(msgs, "message", "messages"), model.Plural(len(f.Caches), "cache", "caches"),
		model.Plural(len(f.Codes), "code package", "code packages"), model.Plural(len(f.Schedules), "schedule", "schedules"))
	if len(r.Left) > 0 {
		s += ". Left out: " + strings.Join(r.Left, "; ")
	}
	return s
}
