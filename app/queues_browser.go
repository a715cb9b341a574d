package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
)

// The message browser of a queue's pane: pages of every message in posting order, and the selected message's state, deliveries and body.

// messageBrowser pages through every message of a queue (ready, delayed,
// reserved; pushing and pushed on push queues), searches bodies, and acts
// on the selected message.
type messageBrowser struct {
	d       *queueDetail
	pager   *model.Pager
	msgs    []client.BrowsedMessage
	loadGen int
	loading bool
	dirty   bool
	cancel  context.CancelFunc // of the load in flight
	// selected is the id of the message shown below the table.
	selected string
	// wanted is the message a link opened (openMessage): when it is not
	// found, the pane says so.
	wanted string
	// loaded, when set, is called after each page is shown (benchmarks
	// wait on it).
	loaded func()

	search  *keyEntry
	table   *escTable
	prev    *widget.Button
	next    *widget.Button
	page    *widget.Label
	reserve *widget.Button
	// marked holds the ids ticked with mark ("Select"), for redriveSel.
	marked     map[string]bool
	mark       *widget.Check
	redriveSel *widget.Button
	setting    bool // mark is being set from marked, not by the user

	msgTitle *widget.Label
	meta     *widget.Label
	body     *widget.Label
	subs     *widget.Label
	del      *widget.Button
	release  *widget.Button
	touch    *widget.Button
	pane     *fyne.Container
	hint     *widget.Label
	root     fyne.CanvasObject
}

var messageColumns = []column{
	{"Message", 110}, {"State", 270}, {"Posted", 80}, {"Body", 400},
}

func newMessageBrowser(d *queueDetail) *messageBrowser {
	b := &messageBrowser{d: d, pager: model.NewPager()}
	u := d.s.u
	b.table = newColumnTable(func() { d.s.closeDetail() }, messageColumns, func() int { return len(b.msgs) }, b.cell,
		func(row int) {
			b.selected = b.msgs[row].ID
			b.showSelected()
		})
	b.search = newKeyEntry(u, false)
	b.search.SetPlaceHolder("Search message bodies or an id")
	b.search.OnChanged = func(string) {
		b.pager.Reset()
		b.load()
	}
	b.prev = widget.NewButtonWithIcon("", theme.NavigateBackIcon(), func() {
		if b.pager.Prev() {
			b.load()
		}
	})
	b.next = widget.NewButtonWithIcon("", theme.NavigateNextIcon(), func() {
		if b.pager.Next() {
			b.load()
		}
	})
	b.page = widget.NewLabel("")
	b.reserve = widget.NewButtonWithIcon("Reserve next", theme.LoginIcon(), b.doReserve)
	b.newRedriveWidgets()

	b.msgTitle = titleLabel("")
	b.meta = wrapLabel("")
	b.body = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	b.body.Wrapping = fyne.TextWrapBreak
	b.body.Selectable = true
	b.subs = wrapLabel("")
	b.del = widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), b.doDelete)
	b.release = widget.NewButtonWithIcon("Release", theme.LogoutIcon(), b.doRelease)
	b.touch = widget.NewButtonWithIcon("Touch", theme.ViewRefreshIcon(), b.doTouch)
	b.pane = container.NewVBox(b.msgTitle, b.meta, actionRow(b.del, b.release, b.touch, b.mark, u.copyAsButton(b.copyRequests)), b.subs, b.body)
	b.pane.Hide()
	b.hint = widget.NewLabel(browserHint)
	b.hint.Importance = widget.LowImportance
	b.hint.Wrapping = fyne.TextWrapWord

	bar := container.NewBorder(nil, nil, nil, container.NewHBox(b.redriveSel, b.prev, b.page, b.next), b.search)
	split := container.NewVSplit(b.table, container.NewVScroll(container.NewVBox(b.hint, b.pane)))
	split.SetOffset(0.5)
	b.root = container.NewBorder(bar, nil, nil, nil, split)
	return b
}

func (b *messageBrowser) cell(row, col int) (string, widget.Importance) {
	m := b.msgs[row]
	now := b.d.s.u.now()
	switch col {
	case 0:
		if b.marked[m.ID] {
			return "✓ " + model.ShortID(m.ID), widget.HighImportance
		}
		return model.ShortID(m.ID), widget.MediumImportance
	case 1:
		return model.MessageState(m, now), messageImportance(m)
	case 2:
		return model.FormatTime(m.PostedAt.Time, now), widget.MediumImportance
	case 3:
		return model.BodyPreview(m.Body, 200), widget.MediumImportance
	}
	return "", widget.MediumImportance
}

// messageImportance colours a message's state.
func messageImportance(m client.BrowsedMessage) widget.Importance {
	switch m.Status {
	case client.MessageReserved:
		return widget.HighImportance
	case client.MessageDelayed:
		return widget.WarningImportance
	case client.MessagePushed:
		if model.FailedSubscribers(m) > 0 {
			return widget.DangerImportance // some subscriber gave up
		}
		return widget.SuccessImportance
	case client.MessagePushing:
		for _, p := range m.Subscribers {
			if p.Status == "error" || p.StatusCode >= 400 {
				return widget.DangerImportance
			}
		}
		return widget.HighImportance
	}
	return widget.MediumImportance
}

// load fetches the current page (a search goes on past short pages until
// the page is full or the queue ends).
func (b *messageBrowser) load() {
	b.loadGen++
	gen := b.loadGen
	b.loading, b.dirty = true, false
	// A newer load (the next keystroke of a search) cancels this one: a
	// search with no match scans the whole queue.
	if b.cancel != nil {
		b.cancel()
	}
	superseded, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	c, name, query, cursor := b.d.s.u.client(), b.d.name, strings.TrimSpace(b.search.Text), b.pager.Cursor()
	b.page.SetText(fmt.Sprintf("page %d…", b.pager.Page()))
	type result struct {
		msgs []client.BrowsedMessage
		next string
	}
	run(b.d.s.u, "browse the queue", func(ctx context.Context) (result, error) {
		ctx, stop := context.WithCancel(ctx)
		defer stop()
		defer context.AfterFunc(superseded, stop)()
		msgs, next, err := model.FillPage(browsePage, 10, cursor, func(cursor string, limit int) ([]client.BrowsedMessage, string, error) {
			p, err := c.BrowseMessages(ctx, name, client.Browse{Cursor: cursor, Limit: limit, Query: query})
			return p.Messages, p.Cursor, err
		})
		if client.IsNotFound(err) || superseded.Err() != nil {
			return result{}, nil // not created yet, or a newer load took over
		}
		return result{msgs, next}, err
	}, func(r result) {
		if gen != b.loadGen || b.d.s.detail != b.d {
			return
		}
		b.loading = false
		b.msgs = r.msgs
		b.pager.Loaded(r.next)
		first := (b.pager.Page()-1)*browsePage + 1
		switch {
		case len(r.msgs) == 0 && b.pager.Page() == 1:
			b.page.SetText("no messages")
		case len(r.msgs) == 0:
			b.page.SetText(fmt.Sprintf("page %d · no more", b.pager.Page()))
		case query != "":
			b.page.SetText(fmt.Sprintf("page %d · %s", b.pager.Page(), model.Plural(len(r.msgs), "match", "matches")))
		default:
			b.page.SetText(fmt.Sprintf("page %d · %d–%d", b.pager.Page(), first, first+len(r.msgs)-1))
		}
		setEnabled(b.prev, b.pager.HasPrev())
		setEnabled(b.next, b.pager.HasNext())
		b.keepMarks()
		b.table.Refresh()
		b.showSelected()
		if b.loaded != nil {
			b.loaded()
		}
	})
}

// tick reloads the page when events changed the queue.
func (b *messageBrowser) tick() {
	if b.dirty && !b.loading {
		b.load()
	} else if len(b.msgs) > 0 {
		b.table.Refresh() // "ready in …" counts down
	}
}

func setEnabled(w fyne.Disableable, on bool) {
	if on {
		w.Enable()
	} else {
		w.Disable()
	}
}

// message is the selected message as last browsed.
func (b *messageBrowser) message() (client.BrowsedMessage, bool) {
	i := slices.IndexFunc(b.msgs, func(m client.BrowsedMessage) bool { return m.ID == b.selected })
	if i < 0 {
		return client.BrowsedMessage{}, false
	}
	return b.msgs[i], true
}

// showSelected fills the message pane (hidden when the message left the
// page: deleted, or another page shows).
func (b *messageBrowser) showSelected() {
	m, ok := b.message()
	if !ok {
		b.pane.Hide()
		b.hint.SetText(browserHint)
		if b.wanted != "" && b.wanted == b.selected && !b.loading {
			b.hint.SetText("Message " + b.wanted + " is not in " + b.d.name + " any more: deleted, expired or moved.")
		}
		b.hint.Show()
		return
	}
	b.hint.Hide()
	now := b.d.s.u.now()
	b.msgTitle.SetText("Message " + m.ID)
	meta := fmt.Sprintf("%s · posted %s", model.MessageState(m, now), model.FormatTime(m.PostedAt.Time, now))
	if !m.ExpiresAt.IsZero() {
		meta += " · expires " + model.Until(m.ExpiresAt.Time, now)
	}
	if m.ReservationID != "" {
		meta += " · reservation " + m.ReservationID
	}
	if len(m.PushHeaders) > 0 {
		meta += "\npush headers: " + strings.TrimSpace(strings.ReplaceAll(model.FormatEnv(m.PushHeaders), "=", ": "))
	}
	b.meta.SetText(meta)
	lines := make([]string, len(m.Subscribers))
	for i, p := range m.Subscribers {
		lines[i] = model.PushDetail(p, now)
	}
	if len(lines) > 0 {
		b.subs.SetText("Deliveries:\n" + strings.Join(lines, "\n"))
		b.subs.Show()
	} else {
		b.subs.Hide()
	}
	b.body.SetText(model.PrettyJSON(m.Body))
	reserved := m.Status == client.MessageReserved
	setEnabled(b.release, reserved)
	setEnabled(b.touch, reserved)
	b.showMarks()
	b.pane.Show()
}

func (b *messageBrowser) doReserve() {
	c, name := b.d.s.u.client(), b.d.name
	run(b.d.s.u, "reserve a message", func(ctx context.Context) ([]client.Message, error) {
		return c.Reserve(ctx, name, client.Reservation{N: 1})
	}, func(ms []client.Message) {
		if len(ms) == 0 {
			b.d.s.u.notify("No message of " + name + " is ready to reserve")
			return
		}
		b.d.s.u.notify("Reserved message " + ms[0].ID + " (reservation " + ms[0].ReservationID + ")")
		b.selected = ms[0].ID
		b.load()
	})
}

func (b *messageBrowser) doDelete() {
	m, ok := b.message()
	if !ok {
		return
	}
	c, name := b.d.s.u.client(), b.d.name
	act(b.d.s.u, "delete the message", func(ctx context.Context) error {
		return c.DeleteMessage(ctx, name, m.ID, m.ReservationID)
	}, func() {
		b.d.s.u.notify("Deleted message " + m.ID)
		b.load()
	})
}

func (b *messageBrowser) doRelease() {
	m, ok := b.message()
	if !ok {
		return
	}
	c, name := b.d.s.u.client(), b.d.name
	act(b.d.s.u, "release the message", func(ctx context.Context) error {
		return c.ReleaseMessage(ctx, name, m.ID, m.ReservationID, 0)
	}, func() {
		b.d.s.u.notify("Released message " + m.ID)
		b.load()
	})
}

func (b *messageBrowser) doTouch() {
	m, ok := b.message()
	if !ok {
		return
	}
	c, name := b.d.s.u.client(), b.d.name
	run(b.d.s.u, "touch the message", func(ctx context.Context) (string, error) {
		return c.TouchMessage(ctx, name, m.ID, m.ReservationID, 0)
	}, func(rid string) {
		// The old reservation id is dead now: act on the new one even
		// before the page reloads.
		if i := slices.IndexFunc(b.msgs, func(x client.BrowsedMessage) bool { return x.ID == m.ID }); i >= 0 {
			b.msgs[i].ReservationID = rid
		}
		b.d.s.u.notify("Touched message " + m.ID + ": reservation " + rid)
		b.load()
	})
}
