package app

import (
	"context"
	"fmt"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
)

// Redrive from the Queues screen: on a queue that is some queue's
// dead-letter or error queue, "Redrive…" moves every ready message back
// (one confirmation, with the count), and the message browser's
// "Redrive selected" moves the messages ticked with "Select".

// sources is where this queue's messages came from ("" none).
func (d *queueDetail) sources() []string { return model.RedriveSources(d.s.queues, d.name) }

// showRedrive shows the redrive buttons when the queue has a source.
func (d *queueDetail) showRedrive() {
	if len(d.sources()) > 0 {
		d.redrive.Show()
		d.browser.redriveSel.Show()
		d.browser.mark.Show()
	} else {
		d.redrive.Hide()
		d.browser.redriveSel.Hide()
		d.browser.mark.Hide()
	}
	d.browser.showMarks()
}

// askRedrive asks once, naming the target (a choice when several queues
// send their failures here), then redrives ids (every ready message when
// nil).
func (d *queueDetail) askRedrive(question func(to string) string, ids []string) {
	sources := d.sources()
	if len(sources) == 0 {
		return
	}
	to := sources[0]
	text := widget.NewLabel(question(to))
	text.Wrapping = fyne.TextWrapWord
	content := container.NewVBox(text)
	if len(sources) > 1 {
		pick := widget.NewSelect(sources, func(s string) {
			to = s
			text.SetText(question(to))
		})
		pick.SetSelected(to)
		content.Add(container.NewBorder(nil, nil, widget.NewLabel("Move to"), nil, pick))
	}
	dlg := dialog.NewCustomConfirm("Redrive "+d.name, "Redrive", "Cancel", content, func(ok bool) {
		if ok {
			d.doRedrive(to, ids)
		}
	}, d.s.u.win)
	dlg.Resize(fyne.NewSize(520, 0))
	dlg.Show()
}

func (d *queueDetail) doRedrive(to string, ids []string) {
	c, name := d.s.u.client(), d.name
	run(d.s.u, "redrive the queue", func(ctx context.Context) (client.RedriveResult, error) {
		return c.Redrive(ctx, name, client.RedriveOptions{To: to, IDs: ids})
	}, func(r client.RedriveResult) {
		d.s.u.notify(fmt.Sprintf("Moved %s from %s to %s", model.Plural(r.Moved, "message", "messages"), name, r.To))
		d.browser.marked = map[string]bool{}
		d.browser.load()
		d.s.reload()
	})
}

// redriveAll asks to move every ready message back.
func (d *queueDetail) redriveAll() {
	q := d.queue
	q.Name = d.name
	d.askRedrive(func(to string) string { return model.RedriveQuestion(q, to) }, nil)
}

// redriveSelected asks to move the ticked messages back.
func (b *messageBrowser) redriveSelected() {
	ids := b.markedIDs()
	if len(ids) == 0 {
		return
	}
	b.d.askRedrive(func(to string) string {
		return fmt.Sprintf("Move the %s selected back to %s? Reserved and delayed ones stay.",
			model.Plural(len(ids), "message", "messages"), to)
	}, ids)
}

// markedIDs are the ticked messages, in id order.
func (b *messageBrowser) markedIDs() []string {
	var ids []string
	for id, on := range b.marked {
		if on {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// keepMarks forgets ticks of messages no longer on the page (moved,
// deleted, or another page shows): a redrive acts on what is in view.
func (b *messageBrowser) keepMarks() {
	for id := range b.marked {
		if !slices.ContainsFunc(b.msgs, func(m client.BrowsedMessage) bool { return m.ID == id }) {
			delete(b.marked, id)
		}
	}
	b.showMarks()
}

// showMarks updates the selection's button and the tick of the message
// shown.
func (b *messageBrowser) showMarks() {
	n := len(b.markedIDs())
	b.redriveSel.SetText(fmt.Sprintf("Redrive selected (%d)", n))
	setEnabled(b.redriveSel, n > 0)
	if b.mark.Checked != b.marked[b.selected] {
		b.setting = true
		b.mark.SetChecked(b.marked[b.selected])
		b.setting = false
	}
}

// newRedriveWidgets makes the browser's selection widgets.
func (b *messageBrowser) newRedriveWidgets() {
	b.marked = map[string]bool{}
	b.mark = widget.NewCheck("Select", func(on bool) {
		if b.setting || b.selected == "" {
			return
		}
		b.marked[b.selected] = on
		if !on {
			delete(b.marked, b.selected)
		}
		b.showMarks()
		b.table.Refresh()
	})
	b.mark.Hide()
	b.redriveSel = widget.NewButtonWithIcon("Redrive selected (0)", theme.MailReplyIcon(), b.redriveSelected)
	b.redriveSel.Disable()
	b.redriveSel.Hide()
}

// newEmpty makes the panel shown when the project has no queue: one line,
// the first action, and the curl that would fill the list.
func (s *queuesScreen) newEmpty() {
	line := widget.NewLabel("")
	line.Wrapping = fyne.TextWrapWord
	s.emptyCurl = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	s.emptyCurl.Wrapping = fyne.TextWrapBreak
	s.emptyCurl.Selectable = true
	create := widget.NewButtonWithIcon("Create a queue", theme.ContentAddIcon(), s.openNew)
	create.Importance = widget.HighImportance
	post := widget.NewButtonWithIcon("Post a message to jobs", theme.MailSendIcon(), func() {
		s.open("jobs")
		s.detail.tabs.SelectIndex(1)
	})
	copyCurl := widget.NewButtonWithIcon("Copy curl", theme.ContentCopyIcon(), func() { s.u.copyText("curl", s.emptyCurl.Text) })
	s.empty = container.NewVBox(line, container.NewHBox(create, post), s.emptyCurl, container.NewHBox(copyCurl))
	s.empty.Hide()
	s.emptyLine = line
}

// showEmpty shows the empty panel once a load found no queue.
func (s *queuesScreen) showEmpty() {
	if !s.loaded || len(s.queues) > 0 {
		s.empty.Hide()
		return
	}
	c := s.u.client()
	line, curl := model.EmptyQueuesHint(c.URL(), c.Project())
	s.emptyLine.SetText(line)
	s.emptyCurl.SetText(curl)
	s.empty.Show()
}
