package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/require"
)

func TestNaturalCompare(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"9 times", "12 times", -1},
		{"12 times", "9 times", 1},
		{"Error", "complete", 1},
		{"abc", "ABC", 0},
		{"task-2", "task-10", -1},
		{"", "a", -1},
		{"1.5 s", "1.25 s", 1},
	} {
		got := naturalCompare(c.a, c.b)
		if got < 0 {
			got = -1
		} else if got > 0 {
			got = 1
		}
		require.Equal(t, c.want, got, "%q vs %q", c.a, c.b)
	}
}

// tableFixture is a column table over rows in a test window.
type tableFixture struct {
	t      *escTable
	w      fyne.Window
	opened []int
}

func newTableFixture(t *testing.T, rows [][]string) *tableFixture {
	test.NewTempApp(t)
	f := &tableFixture{}
	cols := []column{{"Name", 120}, {"Hits", 80}}
	f.t = newColumnTable(func() {}, cols, func() int { return len(rows) },
		func(r, c int) (string, widget.Importance) { return rows[r][c], widget.MediumImportance },
		func(r int) { f.opened = append(f.opened, r) })
	f.w = test.NewWindow(f.t)
	f.w.Resize(fyne.NewSize(600, 400))
	return f
}

// shown is what column col's visible cells show, top to bottom.
func (f *tableFixture) shown(col, n int) []string {
	out := make([]string, n)
	for r := range n {
		out[r] = f.t.cellText(r, col)
	}
	return out
}

// A tap on a header sorts by its column (numbers by value), again the
// other way, a third time back to the screen's order; rows open as the
// screen numbers them.
func TestColumnTable_SortByHeader(t *testing.T) {
	rows := [][]string{{"b", "12 times"}, {"a", "3 times"}, {"c", "100 times"}}
	f := newTableFixture(t, rows)
	var header *headerCell
	f.t.UpdateHeader(widget.TableCellID{Row: -1, Col: 1}, func() fyne.CanvasObject {
		header = f.t.CreateHeader().(*headerCell)
		return header
	}())
	test.Tap(header)
	require.Equal(t, []string{"3 times", "12 times", "100 times"}, f.shown(1, 3))
	f.t.UpdateHeader(widget.TableCellID{Row: -1, Col: 1}, header)
	require.Equal(t, "Hits ▲", header.Text)

	f.t.Select(widget.TableCellID{Row: 0, Col: 0}) // the top row, "a"
	require.Equal(t, []int{1}, f.opened, "open gets the screen's row")

	test.Tap(header)
	require.Equal(t, []string{"100 times", "12 times", "3 times"}, f.shown(1, 3))
	f.t.UpdateHeader(widget.TableCellID{Row: -1, Col: 1}, header)
	require.Equal(t, "Hits ▼", header.Text)

	test.Tap(header)
	require.Equal(t, []string{"12 times", "3 times", "100 times"}, f.shown(1, 3), "the screen's order again")
	f.t.UpdateHeader(widget.TableCellID{Row: -1, Col: 1}, header)
	require.Equal(t, "Hits", header.Text)
}

// A right click on a clipped cell shows its whole text with a Copy
// button; a column made wider shows more of its text.
func TestColumnTable_WholeCellReachable(t *testing.T) {
	long := "reserved ×1 · back in 29s · " + strings.Repeat("detail ", 40)
	f := newTableFixture(t, [][]string{{"q", long}})
	label := widget.NewLabel("")
	label.Resize(fyne.NewSize(80, 30))
	f.t.UpdateCell(widget.TableCellID{Row: 0, Col: 1}, label)
	require.True(t, strings.HasSuffix(label.Text, "…"), "the cell is clipped: %q", label.Text)
	narrow := len([]rune(label.Text))

	// Right click on the second column's first row.
	test.TapSecondaryAt(f.t, fyne.NewPos(130, 50))
	require.NotNil(t, f.t.popup, "a pop-up opens")
	require.Empty(t, f.opened, "a right click does not open the row")
	require.Contains(t, popupText(f.t.popup), long)
	var copyBtn *widget.Button
	for _, o := range test.LaidOutObjects(f.t.popup.Content) {
		if b, ok := o.(*widget.Button); ok && b.Text == "Copy" {
			copyBtn = b
		}
	}
	require.NotNil(t, copyBtn)
	test.Tap(copyBtn)
	require.Equal(t, long, fyne.CurrentApp().Clipboard().Content())

	label.Resize(fyne.NewSize(400, 30)) // the column dragged wider
	f.t.UpdateCell(widget.TableCellID{Row: 0, Col: 1}, label)
	require.Greater(t, len([]rune(label.Text)), narrow, "a wider column shows more")
}
