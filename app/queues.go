package app

import (
	"context"
	"slices"
	"strconv"

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
