package app

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/client"
)

// inspectBar is the line under the top bar while a test is paused for a
// look at the connected emulator's state (tcironlocal's Breakpoint with
// IRONLOCAL_INSPECT=1): "Test TestOrders is paused for a look", with
// Resume test. It follows the test.paused and test.resumed events, and
// asks for the list on every (re)connect.
type inspectBar struct {
	u      *UI
	root   *fyne.Container
	text   *widget.Label
	resume *widget.Button
	// paused are the paused tests, oldest first; the bar names the first.
	paused []client.PausedTest
	// gen counts the lists asked for: an older answer is dropped.
	gen int
}

func newInspectBar(u *UI) *inspectBar {
	b := &inspectBar{u: u}
	b.text = wrapLabel("")
	b.text.Importance = widget.WarningImportance
	b.text.TextStyle.Bold = true
	b.resume = widget.NewButtonWithIcon("Resume test", theme.MediaPlayIcon(), b.resumeFirst)
	b.resume.Importance = widget.HighImportance
	b.root = container.NewVBox(
		container.NewBorder(nil, nil, widget.NewIcon(theme.MediaPauseIcon()),
			container.NewHBox(layout.NewSpacer(), b.resume), b.text),
		widget.NewSeparator())
	b.root.Hide()
	return b
}

// reload asks the connected emulator which tests are paused. An emulator
// that cannot say (an older one) shows no bar, and no notice.
func (b *inspectBar) reload() {
	b.gen++
	gen := b.gen
	c := b.u.client()
	type answer struct {
		paused []client.PausedTest
		err    error
	}
	run(b.u, "list the paused tests", func(ctx context.Context) (answer, error) {
		p, err := c.PausedTests(ctx)
		return answer{p, err}, nil
	}, func(a answer) {
		if gen != b.gen {
			return
		}
		if a.err != nil {
			a.paused = nil
		}
		b.show(a.paused)
	})
}

// apply asks again on test.paused and test.resumed.
func (b *inspectBar) apply(events []client.Event) {
	for _, e := range events {
		if isTestEvent(e) {
			b.reload()
			return
		}
	}
}

// show shows the bar for paused, or hides it when there is none.
func (b *inspectBar) show(paused []client.PausedTest) {
	b.paused = paused
	if len(paused) == 0 {
		b.root.Hide()
		return
	}
	text := "Test " + paused[0].Test + " is paused for a look"
	if n := len(paused) - 1; n > 0 {
		text += fmt.Sprintf(" (and %d more)", n)
	}
	b.text.SetText(text)
	b.resume.Enable()
	b.root.Show()
}

// resumeFirst resumes the test the bar names.
func (b *inspectBar) resumeFirst() {
	if len(b.paused) == 0 {
		return
	}
	p := b.paused[0]
	c := b.u.client()
	b.resume.Disable()
	type answer struct{ err error }
	run(b.u, "resume "+p.Test, func(ctx context.Context) (answer, error) {
		_, err := c.ResumeInspect(ctx, p.ID)
		return answer{err}, nil
	}, func(a answer) {
		b.resume.Enable()
		if a.err != nil {
			b.u.notifyError("resume "+p.Test, a.err)
		} else {
			b.u.notify("Test " + p.Test + " resumed")
		}
		b.reload()
	})
}
