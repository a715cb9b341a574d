package app

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
)

// refreshEvery is how often screens fold what events changed into a
// reload (one call a second however fast events flow).
const refreshEvery = time.Second

// cacheRow is a cache and its live item count.
type cacheRow struct {
	Name  string
	Items int
}

// maxCaches bounds the caches the list holds.
const maxCaches = 1000

// cacheScreen lists the project's caches with their item counts; the
// detail pane browses one cache's items (searched by key, values
// pretty-printed, time left before expiry) and edits them.
type cacheScreen struct {
	u       *UI
	caches  []cacheRow
	visible []int
	loadGen int
	loading bool
	dirty   bool

	list   *escList
	empty  *emptyState
	search *keyEntry
	count  *widget.Label
	left   fyne.CanvasObject
	body   *fyne.Container
	detail *cacheDetail
}

func newCacheScreen(u *UI) *cacheScreen {
	s := &cacheScreen{u: u}
	s.list = newEscList(func() { s.closeDetail() }, func() int { return len(s.visible) },
		func() fyne.CanvasObject {
			name := boldLabel("")
			name.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, nil, widget.NewLabel(""), name)
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= len(s.visible) {
				return
			}
			c := s.caches[s.visible[id]]
			box := o.(*fyne.Container)
			box.Objects[0].(*widget.Label).SetText(c.Name)
			box.Objects[1].(*widget.Label).SetText(model.Counted(c.Items, "item"))
		})
	s.list.OnSelected = func(id widget.ListItemID) {
		s.list.UnselectAll()
		if id < len(s.visible) {
			s.open(s.caches[s.visible[id]].Name)
		}
	}
	s.search = newKeyEntry(u, false)
	s.search.SetPlaceHolder("Search caches (Ctrl+F)")
	s.search.OnChanged = func(string) { s.refilter() }
	s.count = widget.NewLabel("")
	add := widget.NewButtonWithIcon("New item", theme.ContentAddIcon(), func() { s.openNewItem("") })
	add.Importance = widget.HighImportance
	s.empty = newEmptyState("No caches yet: a cache appears with its first item (PUT /1/projects/{id}/caches/{cache}/items/{key}).",
		"Put the first item", func() { s.openNewItem("") })
	s.left = container.NewBorder(container.NewBorder(nil, nil, nil, container.NewHBox(s.count, add), s.search), nil, nil, nil, s.empty.over(s.list))
	s.body = container.NewStack(s.left)
	u.every(refreshEvery, s.tick)
	return s
}

func (s *cacheScreen) title() string               { return "Cache" }
func (s *cacheScreen) icon() fyne.Resource         { return theme.FolderIcon() }
func (s *cacheScreen) view() fyne.CanvasObject     { return s.body }
func (s *cacheScreen) focusSearch() fyne.Focusable { return s.search }
func (s *cacheScreen) shown() {
	s.list.Refresh()
	if s.detail != nil {
		s.detail.table.Refresh()
	}
}

// reload lists the caches and counts their items.
func (s *cacheScreen) reload() {
	s.loadGen++
	gen := s.loadGen
	s.loading, s.dirty = true, false
	c := s.u.client()
	run(s.u, "list caches", func(ctx context.Context) ([]cacheRow, error) {
		var rows []cacheRow
		for p := 0; len(rows) < maxCaches; p++ {
			names, err := c.Caches(ctx, client.Page{Page: p, PerPage: 100})
			if err != nil {
				return nil, err
			}
			for _, n := range names {
				info, err := c.Cache(ctx, n)
				if client.IsNotFound(err) {
					continue // deleted meanwhile
				}
				if err != nil {
					return nil, err
				}
				rows = append(rows, cacheRow{Name: n, Items: info.Size})
			}
			if len(names) < 100 {
				break
			}
		}
		return rows, nil
	}, func(rows []cacheRow) {
		if gen != s.loadGen {
			return
		}
		s.loading = false
		s.caches = rows
		s.refilter()
	})
}

func (s *cacheScreen) refilter() {
	text := strings.ToLower(strings.TrimSpace(s.search.Text))
	s.visible = s.visible[:0]
	for i, c := range s.caches {
		if text == "" || model.ContainsFold(c.Name, text) {
			s.visible = append(s.visible, i)
		}
	}
	s.count.SetText(model.Counted(len(s.caches), "cache"))
	s.empty.show(len(s.caches) == 0)
	s.list.Refresh()
}

func (s *cacheScreen) apply(events []client.Event) {
	if isReset(events) {
		s.closeDetail()
		s.reload()
		return
	}
	for _, e := range events {
		if e.Cache == "" {
			continue
		}
		s.dirty = true
		if s.detail != nil && s.detail.name == e.Cache {
			s.detail.dirty = true
		}
	}
}

func (s *cacheScreen) tick() {
	if s.dirty && !s.loading {
		s.reload()
	}
	if d := s.detail; d != nil {
		if d.dirty && !d.loading {
			d.load()
		} else if len(d.items) > 0 {
			d.table.Refresh() // time left counts down
		}
	}
}

// open shows a cache's items.
func (s *cacheScreen) open(name string) {
	s.detail = newCacheDetail(s, name)
	s.body.Objects = []fyne.CanvasObject{splitAt(s.left, s.detail.root, 0.3)}
	s.body.Refresh()
	s.detail.load()
}

// openItem shows one item of a cache: its key searched in the list and
// its value fetched into the editor; an item deleted or expired since
// says so under the editor.
func (s *cacheScreen) openItem(cache, key string) {
	s.open(cache)
	d := s.detail
	d.search.SetText(key)
	d.key.SetText(key)
	c := s.u.client()
	type found struct {
		it client.Item
		ok bool
	}
	run(s.u, "read the item", func(ctx context.Context) (found, error) {
		it, err := c.Item(ctx, cache, key)
		if client.IsNotFound(err) {
			return found{}, nil
		}
		return found{it, err == nil}, err
	}, func(f found) {
		if s.detail != d {
			return // another cache opened meanwhile
		}
		if !f.ok {
			d.errLabel.SetText("No item " + key + " in " + cache + " now: deleted or expired.")
			return
		}
		if f.it.Cache == "" {
			f.it.Cache, f.it.Key = cache, key
		}
		d.edit(f.it)
	})
}

// openNewItem opens the item editor empty (in the open cache, or one
// named in the editor).
func (s *cacheScreen) openNewItem(cache string) {
	if s.detail == nil {
		s.open(cache)
	}
	s.detail.edit(client.Item{Cache: s.detail.name, Value: json.RawMessage(`""`)})
	s.u.win.Canvas().Focus(s.detail.key)
}

func (s *cacheScreen) closeDetail() bool {
	if s.detail == nil {
		return false
	}
	s.detail = nil
	s.body.Objects = []fyne.CanvasObject{s.left}
	s.body.Refresh()
	return true
}

// cacheDetail browses one cache's items and edits one.
type cacheDetail struct {
	s       *cacheScreen
	name    string
	pager   *model.Pager
	items   []client.Item
	loadGen int
	loading bool
	dirty   bool

	title  *widget.Label
	search *keyEntry
	table  *escTable
	prev   *widget.Button
	next   *widget.Button
	page   *widget.Label

	cacheName *keyEntry
	key       *keyEntry
	kind      *widget.Select
	value     *keyEntry
	formatted *widget.Check // shows the value as indented JSON, below
	pretty    *widget.Label // that view: read-only, never what Put sends
	expiresIn *keyEntry
	mode      *widget.Select
	errLabel  *widget.Label
	save      *widget.Button
	amount    *keyEntry
	incr      *widget.Button
	del       *widget.Button
	root      fyne.CanvasObject
}

const (
	modeSet     = "set (add or replace)"
	modeAdd     = "add (only a new key)"
	modeReplace = "replace (only an existing key)"
)

var itemColumns = []column{
	{"Key", 180}, {"Value", 260}, {"Expires", 110},
}

func newCacheDetail(s *cacheScreen, name string) *cacheDetail {
	u := s.u
	d := &cacheDetail{s: s, name: name, pager: model.NewPager()}
	d.title = titleLabel("Cache " + name)
	if name == "" {
		d.title.SetText("New item")
	}
	d.table = newColumnTable(func() { s.closeDetail() }, itemColumns, func() int { return len(d.items) },
		func(row, col int) (string, widget.Importance) {
			it := d.items[row]
			switch col {
			case 0:
				return it.Key, widget.MediumImportance
			case 1:
				return model.BodyPreview(it.String(), 120), widget.MediumImportance
			case 2:
				return model.ItemExpiry(it, u.now()), widget.MediumImportance
			}
			return "", widget.MediumImportance
		},
		func(row int) { d.edit(d.items[row]) })
	d.search = newKeyEntry(u, false)
	d.search.SetPlaceHolder("Search keys")
	d.search.OnChanged = func(string) {
		d.pager.Reset()
		d.load()
	}
	d.prev = widget.NewButtonWithIcon("", theme.NavigateBackIcon(), func() {
		if d.pager.Prev() {
			d.load()
		}
	})
	d.next = widget.NewButtonWithIcon("", theme.NavigateNextIcon(), func() {
		if d.pager.Next() {
			d.load()
		}
	})
	d.page = widget.NewLabel("")
	clearBtn := widget.NewButtonWithIcon("Clear…", theme.ContentClearIcon(), func() {
		u.confirm("Clear cache", "Delete every item of "+d.name+"?", d.doClear)
	})
	deleteBtn := widget.NewButtonWithIcon("Delete…", theme.DeleteIcon(), func() {
		u.confirm("Delete cache", "Delete cache "+d.name+" and its items?", d.doDeleteCache)
	})
	deleteBtn.Importance = widget.DangerImportance

	d.cacheName = newKeyEntry(u, false)
	d.cacheName.SetText(name)
	d.key = newKeyEntry(u, false)
	d.key.SetPlaceHolder("key")
	d.kind = widget.NewSelect(model.ItemKinds, nil)
	d.kind.SetSelected("string")
	d.value = newKeyEntry(u, true)
	d.value.TextStyle = fyne.TextStyle{Monospace: true}
	d.value.SetMinRowsVisible(4)
	d.pretty = widget.NewLabel("")
	d.pretty.TextStyle = fyne.TextStyle{Monospace: true}
	d.pretty.Selectable = true
	d.pretty.Wrapping = fyne.TextWrapBreak
	d.pretty.Hide()
	d.formatted = widget.NewCheck("Show as formatted JSON (a view: Put stores the value as typed)", func(bool) { d.showPretty() })
	d.value.OnChanged = func(string) { d.showPretty() }
	d.expiresIn = newKeyEntry(u, false)
	d.expiresIn.SetPlaceHolder("never (seconds or 10m, 1h)")
	d.mode = widget.NewSelect([]string{modeSet, modeAdd, modeReplace}, nil)
	d.mode.SetSelected(modeSet)
	d.errLabel = wrapLabel("")
	d.errLabel.Importance = widget.DangerImportance
	d.save = widget.NewButtonWithIcon("Put", theme.DocumentSaveIcon(), d.doPut)
	d.save.Importance = widget.HighImportance
	d.amount = newKeyEntry(u, false)
	d.amount.SetText("1")
	d.incr = widget.NewButtonWithIcon("Increment by", theme.ContentAddIcon(), d.doIncrement)
	d.del = widget.NewButtonWithIcon("Delete item", theme.DeleteIcon(), d.doDeleteItem)
	editor := widget.NewForm(
		widget.NewFormItem("Cache", d.cacheName),
		widget.NewFormItem("Key", d.key),
		widget.NewFormItem("Type", d.kind),
		widget.NewFormItem("Value", d.value),
		widget.NewFormItem("", d.formatted),
		widget.NewFormItem("", d.pretty),
		widget.NewFormItem("Expires in", d.expiresIn),
		widget.NewFormItem("Store", d.mode),
		widget.NewFormItem("", d.errLabel))
	actions := actionRow(d.save, d.incr, container.New(fixedWidth(70), d.amount), d.del, u.copyAsButton(d.copyRequests))

	header := container.NewVBox(
		container.NewBorder(nil, nil, nil, container.NewHBox(clearBtn, deleteBtn, closeButton(func() { s.closeDetail() })), d.title),
		container.NewBorder(nil, nil, nil, container.NewHBox(d.prev, d.page, d.next), d.search))
	split := container.NewVSplit(d.table, container.NewVScroll(container.NewVBox(editor, actions)))
	split.SetOffset(0.45)
	d.root = container.NewBorder(header, nil, nil, nil, split)
	return d
}

// load fetches the current page of items.
func (d *cacheDetail) load() {
	if d.name == "" {
		return
	}
	d.loadGen++
	gen := d.loadGen
	d.loading, d.dirty = true, false
	c, name, query, cursor := d.s.u.client(), d.name, strings.TrimSpace(d.search.Text), d.pager.Cursor()
	type result struct {
		items []client.Item
		next  string
	}
	run(d.s.u, "browse the cache", func(ctx context.Context) (result, error) {
		items, next, err := model.FillPage(browsePage, 10, cursor, func(cursor string, limit int) ([]client.Item, string, error) {
			p, err := c.BrowseItems(ctx, name, client.Browse{Cursor: cursor, Limit: limit, Query: query})
			return p.Items, p.Cursor, err
		})
		if client.IsNotFound(err) {
			return result{}, nil // deleted, or not created yet
		}
		return result{items, next}, err
	}, func(r result) {
		if gen != d.loadGen || d.s.detail != d {
			return
		}
		d.loading = false
		d.items = r.items
		d.pager.Loaded(r.next)
		if len(r.items) == 0 && d.pager.Page() == 1 {
			d.page.SetText("no items")
		} else {
			d.page.SetText(fmt.Sprintf("page %d · %s", d.pager.Page(), model.Counted(len(r.items), "item")))
		}
		setEnabled(d.prev, d.pager.HasPrev())
		setEnabled(d.next, d.pager.HasNext())
		d.table.Refresh()
	})
}

// edit puts an item into the editor.
func (d *cacheDetail) edit(it client.Item) {
	if it.Cache != "" {
		d.cacheName.SetText(it.Cache)
	}
	d.key.SetText(it.Key)
	d.kind.SetSelected(model.ItemKind(it))
	d.value.SetText(it.String()) // exactly as stored: formatting is the view below
	d.expiresIn.SetText("")
	if left := it.Expires.Sub(d.s.u.now()); !it.Expires.IsZero() && it.Expires.Before(client.NeverExpires) && left > 0 {
		d.expiresIn.SetText(strconv.Itoa(int(left.Round(time.Second) / time.Second)))
	}
	d.mode.SetSelected(modeSet)
	d.errLabel.SetText("")
}

// showPretty shows the formatted view of the value when asked (a value
// that is not JSON is shown as is).
func (d *cacheDetail) showPretty() {
	if d.formatted == nil || !d.formatted.Checked {
		if d.pretty != nil {
			d.pretty.Hide()
		}
		return
	}
	d.pretty.SetText(model.PrettyJSON(d.value.Text))
	d.pretty.Show()
}

// put reads the editor; nothing is sent when a field is wrong.
func (d *cacheDetail) put() (cache, key string, p client.ItemPut, err error) {
	cache, key = strings.TrimSpace(d.cacheName.Text), d.key.Text
	if cache == "" || key == "" {
		return "", "", p, fmt.Errorf("the item needs a cache and a key")
	}
	if p.Value, err = model.ItemValue(d.kind.Selected, d.value.Text); err != nil {
		return "", "", p, err
	}
	if p.ExpiresIn, err = model.ParseSeconds("expires in", d.expiresIn.Text); err != nil {
		return "", "", p, err
	}
	p.Add, p.Replace = d.mode.Selected == modeAdd, d.mode.Selected == modeReplace
	return cache, key, p, nil
}

func (d *cacheDetail) refused(err error) {
	d.errLabel.SetText(err.Error())
	d.s.u.notify(err.Error())
}

func (d *cacheDetail) doPut() {
	cache, key, p, err := d.put()
	if err != nil {
		d.refused(err)
		return
	}
	d.errLabel.SetText("")
	c := d.s.u.client()
	run(d.s.u, "put the item", func(ctx context.Context) (bool, error) { return c.PutItem(ctx, cache, key, p) },
		func(stored bool) {
			if !stored {
				d.refused(fmt.Errorf("not stored: %s refused (the key %s)", d.mode.Selected,
					map[bool]string{true: "exists", false: "is missing"}[p.Add]))
				return
			}
			d.s.u.notify("Stored " + key + " in " + cache)
			d.afterChange(cache)
		})
}

// afterChange shows the cache an edit went to.
func (d *cacheDetail) afterChange(cache string) {
	if cache != d.name {
		d.name = cache
		d.title.SetText("Cache " + cache)
		d.pager.Reset()
	}
	d.load()
	d.s.reload()
}

func (d *cacheDetail) doIncrement() {
	cache, key := strings.TrimSpace(d.cacheName.Text), d.key.Text
	amount, err := strconv.ParseInt(strings.TrimSpace(d.amount.Text), 10, 64)
	if err != nil {
		d.refused(fmt.Errorf("the amount must be a whole number"))
		return
	}
	if cache == "" || key == "" {
		d.refused(fmt.Errorf("the item needs a cache and a key"))
		return
	}
	c := d.s.u.client()
	run(d.s.u, "increment the item", func(ctx context.Context) (int64, error) { return c.Increment(ctx, cache, key, amount) },
		func(v int64) {
			d.kind.SetSelected("number")
			d.value.SetText(strconv.FormatInt(v, 10))
			d.s.u.notify(fmt.Sprintf("%s is now %d", key, v))
			d.afterChange(cache)
		})
}

func (d *cacheDetail) doDeleteItem() {
	cache, key := strings.TrimSpace(d.cacheName.Text), d.key.Text
	c := d.s.u.client()
	act(d.s.u, "delete the item", func(ctx context.Context) error { return c.DeleteItem(ctx, cache, key) }, func() {
		d.s.u.notify("Deleted " + key)
		d.items = slices.DeleteFunc(d.items, func(it client.Item) bool { return it.Key == key })
		d.afterChange(cache)
	})
}

func (d *cacheDetail) doClear() {
	c, name := d.s.u.client(), d.name
	act(d.s.u, "clear the cache", func(ctx context.Context) error { return c.ClearCache(ctx, name) }, func() {
		d.s.u.notify("Cleared cache " + name)
		d.afterChange(name)
	})
}

func (d *cacheDetail) doDeleteCache() {
	c, name := d.s.u.client(), d.name
	act(d.s.u, "delete the cache", func(ctx context.Context) error { return c.DeleteCache(ctx, name) }, func() {
		d.s.u.notify("Deleted cache " + name)
		if d.s.detail == d {
			d.s.closeDetail()
		}
		d.s.reload()
	})
}
