package app

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
)

// queuesScreen lists the project's queues (name, type, size, total
// posted, settings); the detail pane holds one queue: its message
// browser, the post form and its settings, or the new-queue form.
type queuesScreen struct {
	u       *UI
	queues  []client.Queue
	visible []int
	loading bool
	loadGen int
	// dirty is set by events that change queues: the list reloads on the
	// next tick (one call a second however fast messages flow).
	dirty bool

	table  *escTable
	search *keyEntry
	count  *widget.Label
	newBtn *widget.Button
	list   fyne.CanvasObject
	// empty says what to do when the project has no queue yet.
	empty     *fyne.Container
	emptyLine *widget.Label
	emptyCurl *widget.Label
	loaded    bool
	body      *fyne.Container

	detail *queueDetail
	form   *queueForm
}

var queueColumns = []column{
	{"Queue", 170}, {"Type", 100}, {"Size", 70}, {"Posted", 70}, {"Settings", 420},
}

// maxQueues bounds the queues the list holds.
const maxQueues = 10_000

func newQueuesScreen(u *UI) *queuesScreen {
	s := &queuesScreen{u: u}
	s.table = newColumnTable(func() { s.closeDetail() }, queueColumns, func() int { return len(s.visible) }, s.cell,
		func(row int) { s.open(s.queues[s.visible[row]].Name) })
	s.search = newKeyEntry(u, false)
	s.search.SetPlaceHolder("Search queues (Ctrl+F)")
	s.search.OnChanged = func(string) { s.refilter() }
	s.count = widget.NewLabel("")
	s.newBtn = widget.NewButtonWithIcon("New queue", theme.ContentAddIcon(), s.openNew)
	s.newBtn.Importance = widget.HighImportance
	bar := container.NewBorder(nil, nil, nil, container.NewHBox(s.count, s.newBtn), s.search)
	s.newEmpty()
	s.list = container.NewBorder(bar, nil, nil, nil, overList(s.table, s.empty))
	s.body = container.NewStack(s.list)
	u.every(refreshEvery, s.tick)
	return s
}

func (s *queuesScreen) title() string               { return "Queues" }
func (s *queuesScreen) icon() fyne.Resource         { return theme.MailSendIcon() }
func (s *queuesScreen) view() fyne.CanvasObject     { return s.body }
func (s *queuesScreen) focusSearch() fyne.Focusable { return s.search }
func (s *queuesScreen) shown() {
	s.table.Refresh()
	if s.detail != nil {
		s.detail.browser.table.Refresh()
	}
}

func (s *queuesScreen) cell(row, col int) (string, widget.Importance) {
	q := s.queues[s.visible[row]]
	switch col {
	case 0:
		return q.Name, widget.MediumImportance
	case 1:
		return model.QueueTypeName(q), widget.MediumImportance
	case 2:
		return strconv.FormatInt(q.Size, 10), widget.MediumImportance
	case 3:
		return strconv.FormatInt(q.TotalMessages, 10), widget.MediumImportance
	case 4:
		return model.QueueSettingsSummary(q), widget.MediumImportance
	}
	return "", widget.MediumImportance
}

// reload fetches every queue of the project with its settings.
func (s *queuesScreen) reload() {
	s.loadGen++
	gen := s.loadGen
	s.loading, s.dirty = true, false
	c := s.u.client()
	run(s.u, "list queues", func(ctx context.Context) ([]client.Queue, error) {
		var all []client.Queue
		for b := (client.Browse{Limit: 100}); len(all) < maxQueues; {
			page, err := c.BrowseQueues(ctx, b)
			if err != nil {
				return nil, err
			}
			all = append(all, page.Queues...)
			if page.Cursor == "" {
				break
			}
			b.Cursor = page.Cursor
		}
		return all, nil
	}, func(qs []client.Queue) {
		if gen != s.loadGen {
			return
		}
		s.loading, s.loaded = false, true
		s.queues = qs
		s.refilter()
		if s.detail != nil {
			q, ok := s.queue(s.detail.name)
			if !ok {
				q = client.Queue{Name: s.detail.name} // deleted meanwhile
			}
			s.detail.show(q)
		}
	})
}

func (s *queuesScreen) queue(name string) (client.Queue, bool) {
	i := slices.IndexFunc(s.queues, func(q client.Queue) bool { return q.Name == name })
	if i < 0 {
		return client.Queue{}, false
	}
	return s.queues[i], true
}

func (s *queuesScreen) refilter() {
	s.visible = model.FilterQueues(s.queues, s.search.Text)
	s.count.SetText(model.CountOf(len(s.visible), len(s.queues), "queue"))
	s.showEmpty()
	s.table.Refresh()
}

// apply marks the list (and the open queue's page) for a reload when
// events touch queues or messages.
func (s *queuesScreen) apply(events []client.Event) {
	if isReset(events) {
		s.closeDetail()
		s.reload()
		return
	}
	for _, e := range events {
		if e.Queue == "" {
			continue
		}
		s.dirty = true
		if s.detail != nil && s.detail.name == e.Queue {
			s.detail.browser.dirty = true
		}
	}
}

// tick reloads what events changed, at most once a second.
func (s *queuesScreen) tick() {
	if s.dirty && !s.loading {
		s.reload()
	}
	if s.detail != nil {
		s.detail.browser.tick()
	}
}

// open shows a queue (which may not exist yet: an error queue nothing
// failed into) in the detail pane.
func (s *queuesScreen) open(name string) {
	q, ok := s.queue(name)
	if !ok {
		q = client.Queue{Name: name}
	}
	s.form = nil
	s.detail = newQueueDetail(s, q)
	s.setDetail(s.detail.root)
	s.detail.browser.load()
}

// openMessage shows one message of a queue: the browser searches for its
// id (ironlocal matches a message id exactly) and selects it; a message
// deleted or expired since says so in the pane.
func (s *queuesScreen) openMessage(queue, id string) {
	s.open(queue)
	b := s.detail.browser
	b.selected, b.wanted = id, id
	b.search.SetText(id) // loads the page holding it
}

func (s *queuesScreen) openNew() {
	s.detail = nil
	s.form = newQueueForm(s, nil)
	s.setDetail(s.form.root)
	s.u.win.Canvas().Focus(s.form.name)
}

func (s *queuesScreen) setDetail(d fyne.CanvasObject) {
	s.body.Objects = []fyne.CanvasObject{splitAt(s.list, d, 0.38)}
	s.body.Refresh()
}

func (s *queuesScreen) closeDetail() bool {
	if s.detail == nil && s.form == nil {
		return false
	}
	s.detail, s.form = nil, nil
	s.setDetail(nil)
	return true
}

// splitAt lays out a list with an optional detail pane, the list taking
// offset of the width.
func splitAt(list, detail fyne.CanvasObject, offset float64) fyne.CanvasObject {
	if detail == nil {
		return list
	}
	s := container.NewHSplit(list, detail)
	s.SetOffset(offset)
	return s
}

// confirm asks once before a destructive action (DESIGN "The window").
func (u *UI) confirm(title, msg string, do func()) {
	dialog.ShowConfirm(title, msg, func(ok bool) {
		if ok {
			do()
		}
	}, u.win)
}

// closeButton is the low-key ✕ of a detail pane.
func closeButton(close func()) *widget.Button {
	b := widget.NewButtonWithIcon("", theme.CancelIcon(), close)
	b.Importance = widget.LowImportance
	return b
}

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
		container.NewHBox(d.browser.reserve, clearBtn, deleteBtn, d.errorQueue, d.redrive, s.u.copyAsButton(d.copyRequests)))
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
	b.pane = container.NewVBox(b.msgTitle, b.meta, container.NewHBox(b.del, b.release, b.touch, b.mark, u.copyAsButton(b.copyRequests)), b.subs, b.body)
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

// postForm posts messages: body, delay, push headers, and how many copies
// (to pre-seed a queue).
type postForm struct {
	d        *queueDetail
	body     *keyEntry
	delay    *keyEntry
	headers  *keyEntry
	copies   *keyEntry
	errLabel *widget.Label
	submit   *widget.Button
	root     fyne.CanvasObject
}

// maxCopies bounds one post from the form.
const maxCopies = 10_000

func newPostForm(d *queueDetail) *postForm {
	u := d.s.u
	f := &postForm{d: d}
	f.body = newKeyEntry(u, true)
	f.body.SetPlaceHolder(`{"order": 42}`)
	f.body.TextStyle = fyne.TextStyle{Monospace: true}
	f.body.SetMinRowsVisible(6)
	f.delay = newKeyEntry(u, false)
	f.delay.SetPlaceHolder("0 (seconds or 90s, 5m)")
	f.headers = newKeyEntry(u, true)
	f.headers.SetPlaceHolder("X-Request-Id: 42  (push queues: one header a line)")
	f.headers.SetMinRowsVisible(2)
	f.copies = newKeyEntry(u, false)
	f.copies.SetPlaceHolder("1")
	f.errLabel = widget.NewLabel("")
	f.errLabel.Importance = widget.DangerImportance
	f.errLabel.Wrapping = fyne.TextWrapWord
	format := widget.NewButton("Format JSON", func() { f.body.SetText(model.PrettyJSON(f.body.Text)) })
	f.submit = widget.NewButtonWithIcon("Post", theme.MailSendIcon(), f.post)
	f.submit.Importance = widget.HighImportance
	form := widget.NewForm(
		widget.NewFormItem("Body", f.body),
		widget.NewFormItem("Delay", f.delay),
		widget.NewFormItem("Push headers", f.headers),
		widget.NewFormItem("Copies", f.copies),
		widget.NewFormItem("", f.errLabel))
	f.root = container.NewBorder(nil, container.NewHBox(f.submit, format, u.copyAsButton(f.copyRequests)), nil, nil, container.NewVScroll(form))
	return f
}

// messages reads the form; nothing is sent when a field is wrong.
func (f *postForm) messages() ([]client.NewMessage, error) {
	if f.body.Text == "" {
		return nil, fmt.Errorf("the body is empty")
	}
	delay, err := model.ParseSeconds("delay", f.delay.Text)
	if err != nil {
		return nil, err
	}
	headers, err := model.ParseHeaders(f.headers.Text)
	if err != nil {
		return nil, err
	}
	n, err := model.ParseInt("copies", f.copies.Text, 1)
	if err != nil {
		return nil, err
	}
	if n < 1 || n > maxCopies {
		return nil, fmt.Errorf("copies must be between 1 and %d", maxCopies)
	}
	out := make([]client.NewMessage, n)
	for i := range out {
		out[i] = client.NewMessage{Body: f.body.Text, Delay: delay, PushHeaders: headers}
	}
	return out, nil
}

func (f *postForm) post() {
	msgs, err := f.messages()
	if err != nil {
		f.errLabel.SetText(err.Error())
		f.d.s.u.notify(err.Error())
		return
	}
	f.errLabel.SetText("")
	c, name := f.d.s.u.client(), f.d.name
	run(f.d.s.u, "post the message", func(ctx context.Context) ([]string, error) {
		var ids []string
		for batch := range slices.Chunk(msgs, 100) {
			got, err := c.PostMessages(ctx, name, batch...)
			ids = append(ids, got...)
			if err != nil {
				return ids, err
			}
		}
		return ids, nil
	}, func(ids []string) {
		if len(ids) == 1 {
			f.d.s.u.notify("Posted message " + ids[0] + " to " + name)
			f.d.browser.selected = ids[0]
		} else {
			f.d.s.u.notify("Posted " + model.Counted(len(ids), "message") + " to " + name)
		}
		f.d.tabs.SelectIndex(0)
		f.d.browser.load()
		f.d.s.reload()
	})
}

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
