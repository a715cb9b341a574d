package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
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
// Cell text is clipped by rune count to what the column shows (fitRunes)
// instead of letting each label measure its text to truncate it, and a
// cell whose text and colour did not change is not redrawn: a live table
// redraws often, and re-measuring every cell was most of a redraw.
func newColumnTable(esc func(), cols []column, rows func() int,
	cell func(row, col int) (string, widget.Importance), open func(row int)) *escTable {
	fit := make([]int, len(cols))
	for i, c := range cols {
		fit[i] = fitRunes(c.width, theme.InnerPadding(), theme.TextSize())
	}
	t := newEscTable(esc,
		func() (int, int) { return rows(), len(cols) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(id widget.TableCellID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			text, importance := "", widget.MediumImportance
			if id.Row >= 0 && id.Row < rows() {
				text, importance = cell(id.Row, id.Col)
			}
			text = clip(text, fit[id.Col])
			if text == l.Text && importance == l.Importance {
				return // unchanged: no re-layout of the label
			}
			l.Importance = importance
			l.SetText(text)
		})
	t.ShowHeaderRow = true
	t.CreateHeader = func() fyne.CanvasObject { return boldLabel("") }
	t.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 {
			o.(*widget.Label).SetText(cols[id.Col].name)
		}
	}
	for i, c := range cols {
		t.SetColumnWidth(i, c.width)
	}
	t.OnSelected = func(id widget.TableCellID) {
		t.UnselectAll()
		if id.Row >= 0 && id.Row < rows() {
			open(id.Row)
		}
	}
	return t
}
