package app

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
)

// A queue's pane on the Queues screen: its settings line and actions, and the tabs that hold its messages, the post form and its settings.

// queueDetail is one queue: a header with its counts, settings and
// actions, and tabs for the message browser, the post form and the
// settings form.
type queueDetail struct {
	s          *queuesScreen
	name       string
	queue      client.Queue
	title      *widget.Label
	info       *widget.Label
	errorQueue *widget.Button
	redrive    *widget.Button
	tabs       *container.AppTabs
	browser    *messageBrowser
	post       *postForm
	settings   *queueForm
	root       fyne.CanvasObject
}

func newQueueDetail(s *queuesScreen, q client.Queue) *queueDetail {
	d := &queueDetail{s: s, name: q.Name}
	d.title = titleLabel("Queue " + q.Name)
	d.info = wrapLabel("")
	d.errorQueue = widget.NewButtonWithIcon("Error queue", theme.ErrorIcon(), func() {
		if d.queue.Push != nil && d.queue.Push.ErrorQueue != "" {
			s.open(d.queue.Push.ErrorQueue)
		}
	})
	d.errorQueue.Hide()
	d.redrive = widget.NewButtonWithIcon("Redrive…", theme.MailReplyIcon(), d.redriveAll)
	d.redrive.Hide()
	clearBtn := widget.NewButtonWithIcon("Clear…", theme.ContentClearIcon(), func() {
		s.u.confirm("Clear queue", "Delete every message of "+d.name+"?", d.doClear)
	})
	deleteBtn := widget.NewButtonWithIcon("Delete…", theme.DeleteIcon(), func() {
		s.u.confirm("Delete queue", "Delete queue "+d.name+" and its messages?", d.doDelete)
	})
	deleteBtn.Importance = widget.DangerImportance
	d.browser = newMessageBrowser(d)
	d.post = newPostForm(d)
	d.settings = newQueueForm(s, &q)
	d.tabs = container.NewAppTabs(
		container.NewTabItem("Messages", d.browser.root),
		container.NewTabItem("Post", d.post.root),
		container.NewTabItem("Settings", d.settings.root))
	header := container.NewVBox(
		container.NewBorder(nil, nil, nil, closeButton(func() { s.closeDetail() }), d.title),
		d.info,
		actionRow(d.browser.reserve, clearBtn, deleteBtn, d.errorQueue, d.redrive, s.u.copyAsButton(d.copyRequests)))
	d.root = container.NewBorder(header, nil, nil, nil, d.tabs)
	d.show(q)
	return d
}

// show updates the header with a newer view of the queue (the settings
// form keeps what the user typed).
func (d *queueDetail) show(q client.Queue) {
	d.queue = q
	if q.ID == "" && q.Type == "" {
		d.info.SetText("No such queue (not created yet, or deleted): posting a message or saving settings creates it.")
	} else {
		d.info.SetText(fmt.Sprintf("%s · %s held · %s posted · %s", model.QueueTypeName(q),
			model.Counted(int(q.Size), "message"), model.Counted(int(q.TotalMessages), "message"), model.QueueSettingsSummary(q)))
	}
	if q.Push != nil && q.Push.ErrorQueue != "" {
		d.errorQueue.SetText("Error queue " + q.Push.ErrorQueue)
		d.errorQueue.Show()
	} else {
		d.errorQueue.Hide()
	}
	d.showRedrive()
	d.settings.existing(q)
}

func (d *queueDetail) doClear() {
	c, name := d.s.u.client(), d.name
	act(d.s.u, "clear the queue", func(ctx context.Context) error { return c.ClearQueue(ctx, name) }, func() {
		d.s.u.notify("Cleared queue " + name)
		d.browser.load()
	})
}

func (d *queueDetail) doDelete() {
	c, name := d.s.u.client(), d.name
	act(d.s.u, "delete the queue", func(ctx context.Context) error { return c.DeleteQueue(ctx, name) }, func() {
		d.s.u.notify("Deleted queue " + name)
		if d.s.detail == d {
			d.s.closeDetail()
		}
		d.s.reload()
	})
}

// browserHint is the message pane's line while no message is selected.
const browserHint = "Select a message to see its body, its state and, on push queues, its deliveries."

// browsePage is the message browser's page size.
const browsePage = 100
