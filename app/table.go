package app

import (
	"slices"
	"strconv"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
)

// column is one column of a list table: its header and its width.
type column struct {
	name  string
	width float32
}

// newColumnTable is the list tables' common shape: a header row naming
// cols, their widths, rows() rows whose cells say cell(row, col) (text and
// colour), Esc handed to esc, and a tap opening the row (open) rather than
// leaving it selected.
//
// Columns are resized by dragging a header divider (Fyne's table) and
// sorted by tapping a header (ascending, descending, off; ▲/▼ marks it):
// the table then keeps its own order of the screen's rows, so row numbers
// handed to open are the screen's. A right click (or long tap) on a cell
// opens its whole text with a Copy button, so a clipped cell is always
// readable.
//
// Cell text is clipped by rune count to what the column shows (fitRunes)
// instead of letting each label measure its text to truncate it, and a
// cell whose text and colour did not change is not redrawn: a live table
// redraws often, and re-measuring every cell was most of a redraw.
func newColumnTable(esc func(), cols []column, rows func() int,
	cell func(row, col int) (string, widget.Importance), open func(row int)) *escTable {
	var t *escTable
	pad, size := theme.InnerPadding(), theme.TextSize()
	t = newEscTable(esc,
		func() (int, int) { return rows(), len(cols) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(id widget.TableCellID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			text, importance := "", widget.MediumImportance
			if r, ok := t.source(id.Row); ok {
				text, importance = cell(r, id.Col)
			}
			// The cell is laid out at its column's width before it is
			// updated: a column dragged wider shows more of its text.
			fit := t.fit[id.Col]
			if w := l.Size().Width; w > 0 {
				fit = model.FitRunes(w, pad, size)
			}
			text = model.Clip(text, fit)
			gen := themeGen.Load()
			if text == l.Text && importance == l.Importance && t.painted[l] == gen {
				return // unchanged: no re-layout of the label
			}
			// A label painted before a theme change is redrawn even when
			// its text is the same (a cell back from the table's pool).
			t.painted[l] = gen
			l.Importance = importance
			l.SetText(text)
		})
	t.cols, t.rows, t.cell = cols, rows, cell
	t.painted = map[*widget.Label]uint64{}
	t.fit = make([]int, len(cols))
	for i, c := range cols {
		t.fit[i] = model.FitRunes(c.width, pad, size)
	}
	t.sortCol = -1
	t.ShowHeaderRow = true
	t.CreateHeader = func() fyne.CanvasObject {
		h := &headerCell{}
		h.Label.TextStyle.Bold = true
		h.Label.Truncation = fyne.TextTruncateEllipsis
		h.ExtendBaseWidget(h)
		return h
	}
	t.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col < 0 {
			return
		}
		h := o.(*headerCell)
		col := id.Col
		h.onTap = func() { t.sortBy(col) }
		h.SetText(t.headerText(col))
	}
	for i, c := range cols {
		t.SetColumnWidth(i, c.width)
	}
	t.OnSelected = func(id widget.TableCellID) {
		t.UnselectAll()
		r, ok := t.source(id.Row)
		if !ok {
			return
		}
		if t.peek {
			t.peeked = &id
			return
		}
		open(r)
	}
	return t
}

// headerCell is a column header: tapping it sorts by the column.
type headerCell struct {
	widget.Label
	onTap func()
}

func (h *headerCell) Tapped(*fyne.PointEvent) {
	if h.onTap != nil {
		h.onTap()
	}
}

// Refresh redraws the table, sorting the screen's rows again first when a
// column sorts them.
func (t *escTable) Refresh() {
	if t.cols != nil {
		t.resort()
	}
	t.Table.Refresh()
}

// headerText is a column's name with ▲ or ▼ when it sorts the rows.
func (t *escTable) headerText(col int) string {
	name := t.cols[col].name
	if col == t.sortCol {
		if t.sortDesc {
			return name + " ▼"
		}
		return name + " ▲"
	}
	return name
}

// sortBy is a tap on column col's header: ascending, then descending,
// then the screen's own order again.
func (t *escTable) sortBy(col int) {
	switch {
	case t.sortCol != col:
		t.sortCol, t.sortDesc = col, false
	case !t.sortDesc:
		t.sortDesc = true
	default:
		t.sortCol, t.sortDesc = -1, false
	}
	t.Refresh()
}

// resort orders the screen's rows by the sorting column's text (numbers
// by value, see naturalLess); nil order keeps the screen's.
func (t *escTable) resort() {
	if t.sortCol < 0 {
		t.order = nil
		return
	}
	n := t.rows()
	keys := make([]string, n)
	order := make([]int, n)
	for i := range n {
		keys[i], _ = t.cell(i, t.sortCol)
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		c := naturalCompare(keys[a], keys[b])
		if t.sortDesc {
			return -c
		}
		return c
	})
	t.order = order
}

// source is the screen's row shown at table row r.
func (t *escTable) source(r int) (int, bool) {
	if r < 0 || t.rows == nil || r >= t.rows() {
		return 0, false
	}
	if t.order == nil {
		return r, true
	}
	if len(t.order) != t.rows() { // rows came or went since the last sort
		t.resort()
	}
	return t.order[r], true
}

// cellText is the whole text of the cell at table row r, column col.
func (t *escTable) cellText(r, col int) string {
	src, ok := t.source(r)
	if !ok || col < 0 || col >= len(t.cols) {
		return ""
	}
	text, _ := t.cell(src, col)
	return text
}

// TappedSecondary opens the whole text of the cell under the pointer in
// a pop-up with a Copy button (a clipped cell stays readable).
func (t *escTable) TappedSecondary(e *fyne.PointEvent) {
	if t.cols == nil {
		return
	}
	t.peek, t.peeked = true, nil
	t.Table.Tapped(e) // selects the cell under the pointer: OnSelected records it
	t.peek = false
	id := t.peeked
	if id == nil {
		return
	}
	t.showCell(*id, e.AbsolutePosition)
}

// showCell shows the whole text of a cell next to pos.
func (t *escTable) showCell(id widget.TableCellID, pos fyne.Position) {
	c := fyne.CurrentApp().Driver().CanvasForObject(t)
	if c == nil {
		return
	}
	text := t.cellText(id.Row, id.Col)
	body := widget.NewLabel(text)
	body.Wrapping = fyne.TextWrapBreak
	body.Selectable = true
	var pop *widget.PopUp
	copyBtn := widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), func() {
		fyne.CurrentApp().Clipboard().SetContent(text)
		pop.Hide()
	})
	content := container.NewBorder(boldLabel(t.cols[id.Col].name), copyBtn, nil, nil, body)
	pop = widget.NewPopUp(content, c)
	w := min(float32(480), max(float32(200), body.MinSize().Width))
	body.Resize(fyne.NewSize(w, 0))
	pop.ShowAtPosition(pos)
	pop.Resize(fyne.NewSize(w, content.MinSize().Height+2*theme.Padding()))
	t.popup = pop
}

// naturalCompare orders cell texts as people read them: runs of digits by
// their value ("9 times" before "12 times"), the rest by case-folded text.
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, ra := digitPrefix(a)
		db, rb := digitPrefix(b)
		if da != "" && db != "" {
			na, _ := strconv.ParseFloat(da, 64)
			nb, _ := strconv.ParseFloat(db, 64)
			if na != nb {
				if na < nb {
					return -1
				}
				return 1
			}
			a, b = ra, rb
			continue
		}
		ca, sa := firstRune(a)
		cb, sb := firstRune(b)
		if ca != cb {
			if ca < cb {
				return -1
			}
			return 1
		}
		a, b = a[sa:], b[sb:]
	}
	return strings.Compare(a, b)
}

// digitPrefix splits a leading number (digits, one decimal point) off s.
func digitPrefix(s string) (string, string) {
	i, dot := 0, false
	for i < len(s) {
		switch {
		case s[i] >= '0' && s[i] <= '9':
		case s[i] == '.' && !dot && i > 0 && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			dot = true
		default:
			return s[:i], s[i:]
		}
		i++
	}
	return s, ""
}

func firstRune(s string) (rune, int) {
	for _, r := range s {
		return unicode.ToLower(r), len(string(r))
	}
	return 0, 0
}
