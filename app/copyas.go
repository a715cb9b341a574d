package app

import (
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/copycode"
	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
)

// Copy as code: every detail pane and form has a "Copy as…" button whose
// menu offers the request the pane or form represents as curl, as a Go
// program using iron_go3, and as a Python program (package copycode), and
// puts the chosen one on the clipboard, ready to run against this
// ironlocal (its URL, the token and the project the window uses).

// copyAsButton is a "Copy as…" button for the requests reqs returns when
// it is tapped (read then, so they follow the pane's selection and the
// form's fields). The first request is the pane's own; further ones
// (peek beside post, get beside put) get a submenu each. reqs returning
// none, or an error, is said in a notice.
func (u *UI) copyAsButton(reqs func() (requests, error)) *widget.Button {
	var b *widget.Button
	b = widget.NewButtonWithIcon("Copy as…", theme.ContentCopyIcon(), func() {
		menu := u.copyAsMenu(reqs)
		if menu == nil {
			return
		}
		widget.ShowPopUpMenuAtRelativePosition(menu, u.win.Canvas(), fyne.NewPos(0, b.Size().Height), b)
	})
	b.Importance = widget.LowImportance
	return b
}

// copyAsMenu builds the button's menu (nil, after a notice, when there is
// nothing to copy).
func (u *UI) copyAsMenu(reqs func() (requests, error)) *fyne.Menu {
	rs, err := reqs()
	if err != nil {
		u.notifyError("copy the request", err)
		return nil
	}
	if len(rs) == 0 {
		u.notify("Nothing to copy yet")
		return nil
	}
	langItems := func(r copycode.Request) []*fyne.MenuItem {
		items := make([]*fyne.MenuItem, len(copycode.Langs))
		for i, l := range copycode.Langs {
			items[i] = fyne.NewMenuItem(l.Label(), func() { u.copyAs(l, r) })
		}
		return items
	}
	if len(rs) == 1 {
		return fyne.NewMenu(rs[0].Title, langItems(rs[0])...)
	}
	items := make([]*fyne.MenuItem, len(rs))
	for i, r := range rs {
		items[i] = fyne.NewMenuItem(r.Title, nil)
		items[i].ChildMenu = fyne.NewMenu(r.Title, langItems(r)...)
	}
	return fyne.NewMenu("Copy as", items...)
}

// copyAs puts r rendered in lang on the clipboard.
func (u *UI) copyAs(lang copycode.Lang, r copycode.Request) {
	c := u.client()
	text, err := copycode.Render(lang, copycode.Conn{BaseURL: c.URL(), Token: c.Token(), Project: c.Project()}, r)
	if err != nil {
		u.notifyError("copy the request", err)
		return
	}
	u.copyText(r.Title+" as "+lang.Label(), text)
}

// The requests each pane and form represents, read when "Copy as…" is
// tapped.

type requests = []copycode.Request

// copyRequests: the selected message, posted again.
func (b *messageBrowser) copyRequests() (requests, error) {
	m, ok := b.message()
	if !ok {
		return nil, nil
	}
	return requests{copycode.PostMessages(b.d.name, client.NewMessage{Body: m.Body, PushHeaders: m.PushHeaders})}, nil
}

// copyRequests: the queue created with its settings, and reserving and
// peeking at its messages.
func (d *queueDetail) copyRequests() (requests, error) {
	rs := requests{copycode.Reserve(d.name, client.Reservation{N: 1}), copycode.Peek(d.name, 10)}
	if d.queue.Type == "" {
		return rs, nil // not created yet
	}
	s, err := model.QueueFormFor(d.queue).Settings(nil)
	if err != nil {
		return nil, err
	}
	return append(requests{copycode.PutQueue(d.name, s)}, rs...), nil
}

// copyRequests: what the post form would post.
func (f *postForm) copyRequests() (requests, error) {
	msgs, err := f.messages()
	if err != nil {
		return nil, err
	}
	if len(msgs) > 100 {
		return nil, fmt.Errorf("one request posts at most 100 messages, the form says %d copies", len(msgs))
	}
	return requests{copycode.PostMessages(f.d.name, msgs...)}, nil
}

// copyRequests: the queue the settings form would create.
func (f *queueForm) copyRequests() (requests, error) {
	name := strings.TrimSpace(f.name.Text)
	if f.edit && f.current != nil {
		name = f.current.Name
	}
	if name == "" {
		return nil, fmt.Errorf("the queue needs a name")
	}
	s, err := f.values().Settings(nil)
	if err != nil {
		return nil, err
	}
	return requests{copycode.PutQueue(name, s)}, nil
}

// copyRequests: the item the editor would put, and getting it.
func (d *cacheDetail) copyRequests() (requests, error) {
	cache, key, p, err := d.put()
	if err != nil {
		return nil, err
	}
	return requests{copycode.PutItem(cache, key, p), copycode.GetItem(cache, key)}, nil
}

// copyRequests: the task queued again as it was queued.
func (d *taskDetail) copyRequests() (requests, error) {
	t := d.task
	if t.CodeID == "" {
		// The list's view of a task (from events) lacks its payload
		// until the pane's own fetch answers, and that has a code id.
		return nil, fmt.Errorf("the task is still loading")
	}
	return requests{copycode.QueueTask(client.NewTask{CodeName: t.CodeName, Payload: t.Payload, Priority: &t.Priority,
		Delay: t.Delay, Timeout: t.Timeout, Cluster: t.Cluster, Label: t.Label})}, nil
}

// copyRequests: the task the form would queue.
func (f *newTaskForm) copyRequests() (requests, error) {
	t, err := f.task()
	if err != nil {
		return nil, err
	}
	return requests{copycode.QueueTask(t)}, nil
}

// copyRequests: the schedule the form would create (for a stored one, a
// copy of it).
func (f *scheduleForm) copyRequests() (requests, error) {
	spec, err := f.timing()
	if err == nil {
		err = model.ValidatePayload(f.payload.Text)
	}
	if err == nil && f.code.Selected == "" {
		err = fmt.Errorf("pick a code package")
	}
	if err != nil {
		return nil, err
	}
	prio, _ := strconv.Atoi(f.priority.Selected)
	return requests{copycode.CreateSchedule(client.NewSchedule{CodeName: f.code.Selected, Name: strings.TrimSpace(f.name.Text),
		Payload: model.CompactJSON(f.payload.Text), StartAt: spec.StartAt, EndAt: spec.EndAt, RunEvery: spec.RunEvery,
		RunTimes: spec.RunTimes, Cron: spec.Cron, Priority: &prio})}, nil
}

// copyRequests: the code uploaded again with its settings.
func (d *codeDetail) copyRequests() (requests, error) {
	c := d.code
	if c.Name == "" {
		return nil, nil
	}
	nc := client.NewCode{Name: c.Name, Image: c.Image, Command: c.Command, Config: c.Config, EnvVars: c.EnvVars,
		MaxConcurrency: &c.MaxConcurrency, Retries: &c.Retries, RetriesDelay: &c.RetriesDelay,
		DefaultPriority: &c.DefaultPriority}
	if c.Memory > 0 {
		nc.Memory = &c.Memory
	}
	if c.CPUs > 0 {
		nc.CPUs = &c.CPUs
	}
	return requests{copycode.RegisterCode(nc)}, nil
}

// copyRequests: the code the form would register.
func (f *codeForm) copyRequests() (requests, error) {
	nc := client.NewCode{Name: strings.TrimSpace(f.name.Text), Image: strings.TrimSpace(f.image.Text),
		Command: strings.TrimSpace(f.command.Text)}
	if nc.Name == "" {
		return nil, fmt.Errorf("a code package needs a name")
	}
	return requests{copycode.RegisterCode(nc)}, nil
}
