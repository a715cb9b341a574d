package app

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
)

// The form that creates a queue or edits all its settings in one request.

// queueForm creates a queue or edits one's settings: every setting goes
// in one request, so a refused one changes nothing.
type queueForm struct {
	s            *queuesScreen
	edit         bool
	current      *client.Queue
	name         *keyEntry
	typ          *widget.Select
	timeout      *keyEntry
	expiration   *keyEntry
	subscribers  *keyEntry
	retries      *keyEntry
	retriesDelay *keyEntry
	errorQueue   *keyEntry
	deadLetter   *keyEntry
	maxReserv    *keyEntry
	alerts       *keyEntry
	errLabel     *widget.Label
	submit       *widget.Button
	root         fyne.CanvasObject
	filled       bool
}

func newQueueForm(s *queuesScreen, q *client.Queue) *queueForm {
	u := s.u
	f := &queueForm{s: s, edit: q != nil}
	f.name = newKeyEntry(u, false)
	f.name.SetPlaceHolder("queue name")
	f.typ = widget.NewSelect([]string{string(client.QueuePull), string(client.QueueUnicast), string(client.QueueMulticast)}, nil)
	f.typ.SetSelected(string(client.QueuePull))
	entry := func(ph string) *keyEntry {
		e := newKeyEntry(u, false)
		e.SetPlaceHolder(ph)
		return e
	}
	f.timeout = entry("60 (seconds a reservation lasts)")
	f.expiration = entry("604800 (seconds a message lives)")
	f.subscribers = newKeyEntry(u, true)
	f.subscribers.SetPlaceHolder("[name] url [| Header: value]  — one a line")
	f.subscribers.SetMinRowsVisible(3)
	f.retries = entry("3")
	f.retriesDelay = entry("60 (seconds)")
	f.errorQueue = entry("(none) queue for failed deliveries")
	f.deadLetter = entry("(none) queue for messages reserved too often")
	f.maxReserv = entry("max reservations before dead-lettering")
	f.alerts = newKeyEntry(u, true)
	f.alerts.SetPlaceHolder("fixed|progressive asc|desc trigger queue [snooze seconds]")
	f.alerts.SetMinRowsVisible(2)
	f.errLabel = widget.NewLabel("")
	f.errLabel.Importance = widget.DangerImportance
	f.errLabel.Wrapping = fyne.TextWrapWord
	label := "Create queue"
	if f.edit {
		label = "Save settings"
	}
	f.submit = widget.NewButtonWithIcon(label, theme.DocumentSaveIcon(), f.save)
	f.submit.Importance = widget.HighImportance
	items := []*widget.FormItem{
		widget.NewFormItem("Message timeout", f.timeout),
		widget.NewFormItem("Message expiration", f.expiration),
		widget.NewFormItem("Push subscribers", f.subscribers),
		widget.NewFormItem("Push retries", f.retries),
		widget.NewFormItem("Retries delay", f.retriesDelay),
		widget.NewFormItem("Error queue", f.errorQueue),
		widget.NewFormItem("Dead-letter queue", f.deadLetter),
		widget.NewFormItem("Max reservations", f.maxReserv),
		widget.NewFormItem("Alerts", f.alerts),
		widget.NewFormItem("", f.errLabel),
	}
	var header fyne.CanvasObject
	if !f.edit {
		items = append([]*widget.FormItem{widget.NewFormItem("Name", f.name), widget.NewFormItem("Type", f.typ)}, items...)
		header = container.NewBorder(nil, nil, boldLabel("New queue"), closeButton(func() { s.closeDetail() }))
	}
	f.root = container.NewBorder(header, container.NewHBox(f.submit, u.copyAsButton(f.copyRequests)), nil, nil, container.NewVScroll(widget.NewForm(items...)))
	if q != nil {
		f.existing(*q)
	}
	return f
}

// existing fills the form from the queue the first time it is known (it
// then keeps what the user types).
func (f *queueForm) existing(q client.Queue) {
	f.current = &q
	if f.filled || q.Type == "" {
		return
	}
	f.filled = true
	v := model.QueueFormFor(q)
	f.name.SetText(q.Name)
	f.typ.SetSelected(string(v.Type))
	f.timeout.SetText(v.Timeout)
	f.expiration.SetText(v.Expiration)
	f.subscribers.SetText(v.Subscribers)
	f.retries.SetText(v.Retries)
	f.retriesDelay.SetText(v.RetriesDelay)
	f.errorQueue.SetText(v.ErrorQueue)
	f.deadLetter.SetText(v.DeadLetter)
	f.maxReserv.SetText(v.MaxReservations)
	f.alerts.SetText(v.Alerts)
}

func (f *queueForm) values() model.QueueFormValues {
	return model.QueueFormValues{Type: client.QueueType(f.typ.Selected), Timeout: f.timeout.Text, Expiration: f.expiration.Text,
		Subscribers: f.subscribers.Text, Retries: f.retries.Text, RetriesDelay: f.retriesDelay.Text,
		ErrorQueue: f.errorQueue.Text, DeadLetter: f.deadLetter.Text, MaxReservations: f.maxReserv.Text, Alerts: f.alerts.Text}
}

// save checks the form and sends it in one request; nothing is sent when
// a field is wrong.
func (f *queueForm) save() {
	name := strings.TrimSpace(f.name.Text)
	var existing *client.Queue
	if f.edit {
		if f.current != nil && f.current.Type != "" {
			existing = f.current
		}
		name = f.current.Name
	}
	settings, err := f.values().Settings(existing)
	if err == nil && name == "" {
		err = fmt.Errorf("the queue needs a name")
	}
	if err != nil {
		f.errLabel.SetText(err.Error())
		f.s.u.notify(err.Error())
		return
	}
	f.errLabel.SetText("")
	c := f.s.u.client()
	run(f.s.u, "save the queue", func(ctx context.Context) (client.Queue, error) { return c.PutQueue(ctx, name, settings) },
		func(q client.Queue) {
			f.s.u.notify("Saved queue " + q.Name)
			f.s.reload()
			if !f.edit {
				f.s.open(q.Name)
				f.s.detail.show(q)
				return
			}
			f.filled = false
			if d := f.s.detail; d != nil && d.settings == f {
				d.show(q)
			}
		})
}
