package app

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client/exporttest"
)

// Export test…: the Events screen writes a directory holding a regression
// test of what ironlocal received (package client/exporttest): the span
// begins at the selected event (the last one clicked in the list) or at
// the journal's start, and ends now, since the test checks the state
// ironlocal is in now. The writes before the span are replayed as setup.

const (
	exportFromStart    = "The journal's start"
	exportFromSelected = "The selected event"
)

// exportTestForm is the Export test… dialog (tests fill its fields and
// tap Export, as a person typing the folder would).
type exportTestForm struct {
	from *widget.RadioGroup // the selected event or the journal's start
	name *widget.Entry
	dir  *widget.Entry
	d    *dialog.FormDialog
}

// pickExportTest asks where the span begins, the test's name and the
// folder, then exports in the background.
func (s *eventsScreen) pickExportTest() {
	u := s.u
	f := &exportTestForm{}
	var since time.Time
	fromChoices := []string{exportFromStart}
	fromText := "Select an event in the list to begin the span there."
	if s.marked {
		since = s.mark.At
		fromChoices = []string{exportFromSelected, exportFromStart}
		fromText = "The selected event: " + s.mark.At.Local().Format("15:04:05.000") + " " + model.Clip(model.EventSummary(s.mark), 60)
	}
	f.from = widget.NewRadioGroup(fromChoices, nil)
	f.from.Required = true
	f.from.SetSelected(fromChoices[0])
	fromHint := wrapped(fromText + " The writes before it are replayed as setup.")

	until := wrapped("Now: the test checks the state ironlocal is in now (queue sizes, cache values, " +
		"task results), so the span runs to the last write. Every task must have finished.")

	f.name = widget.NewEntry()
	f.name.SetText(model.DefaultTestName)
	f.name.Validator = model.CheckTestName

	f.dir = widget.NewEntry()
	f.dir.SetPlaceHolder("Folder for recorded_test.go and testdata/")
	f.dir.Validator = func(v string) error {
		if !filepath.IsAbs(strings.TrimSpace(v)) {
			return errors.New("choose a folder")
		}
		return nil
	}
	f.dir.ActionItem = widget.NewButtonWithIcon("", theme.FolderOpenIcon(), func() {
		dialog.NewFolderOpen(func(l fyne.ListableURI, err error) {
			if err == nil && l != nil {
				f.dir.SetText(l.Path())
			}
		}, u.win).Show()
	})

	items := []*widget.FormItem{
		widget.NewFormItem("From", container.NewVBox(f.from, fromHint)),
		widget.NewFormItem("Until", until),
		widget.NewFormItem("Test name", f.name),
		widget.NewFormItem("Folder", f.dir),
	}
	f.d = dialog.NewForm("Export a regression test", "Export", "Cancel", items, func(ok bool) {
		s.exportForm = nil
		if !ok {
			return
		}
		o := exporttest.Options{TestName: f.name.Text} // Until zero: now
		if f.from.Selected == exportFromSelected {
			o.Since = since
		}
		s.exportTest(strings.TrimSpace(f.dir.Text), o)
	}, u.win)
	s.exportForm = f
	f.d.Resize(fyne.NewSize(min(560, u.win.Canvas().Size().Width-40), 0))
	f.d.Show()
}

// wrapped is a word-wrapped label of secondary text.
func wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.LowImportance
	return l
}

// exportTest writes the test into dir off the UI goroutine; the notice
// says what it holds, or why exporttest refused (a task still running, a
// journal that cannot be replayed …).
func (s *eventsScreen) exportTest(dir string, o exporttest.Options) {
	c := s.u.client()
	run(s.u, "export the test", func(ctx context.Context) (exporttest.Summary, error) {
		return exporttest.Export(ctx, c, dir, o)
	}, func(sum exporttest.Summary) { s.u.notify(model.ExportTestNotice(sum)) })
}
