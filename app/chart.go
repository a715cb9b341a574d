package app

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
)

// sparkline draws a rateSeries as a small line chart with its title and
// latest value.
type sparkline struct {
	widget.BaseWidget
	title  string
	unit   string
	series *model.RateSeries
}

func newSparkline(title, unit string, s *model.RateSeries) *sparkline {
	c := &sparkline{title: title, unit: unit, series: s}
	c.ExtendBaseWidget(c)
	return c
}

func (c *sparkline) CreateRenderer() fyne.WidgetRenderer {
	r := &sparkRenderer{c: c, label: widget.NewLabel(""), bg: canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))}
	r.bg.CornerRadius = theme.InputRadiusSize()
	r.refreshLines()
	return r
}

type sparkRenderer struct {
	c     *sparkline
	label *widget.Label
	bg    *canvas.Rectangle
	lines []*canvas.Line
	size  fyne.Size
}

const sparkHeight = 60

func (r *sparkRenderer) MinSize() fyne.Size {
	return fyne.NewSize(220, r.label.MinSize().Height+sparkHeight)
}

func (r *sparkRenderer) Layout(size fyne.Size) {
	r.size = size
	r.label.Resize(fyne.NewSize(size.Width, r.label.MinSize().Height))
	r.bg.Move(fyne.NewPos(0, r.label.MinSize().Height))
	r.bg.Resize(fyne.NewSize(size.Width, size.Height-r.label.MinSize().Height))
	r.placeLines()
}

func (r *sparkRenderer) refreshLines() {
	s := r.c.series
	r.label.SetText(fmt.Sprintf("%s  %.0f %s (peak %.0f)", r.c.title, s.Last(), r.c.unit, s.Peak()))
	if len(r.lines) != len(s.Samples())-1 {
		r.lines = make([]*canvas.Line, len(s.Samples())-1)
		for i := range r.lines {
			r.lines[i] = canvas.NewLine(theme.Color(theme.ColorNamePrimary))
			r.lines[i].StrokeWidth = 2
		}
	}
	r.placeLines()
}

func (r *sparkRenderer) placeLines() {
	s := r.c.series
	top := r.label.MinSize().Height + 4
	h := r.size.Height - top - 4
	if h <= 0 || len(r.lines) == 0 {
		return
	}
	peak := max(s.Peak(), 1)
	step := r.size.Width / float32(len(r.lines))
	y := func(v float64) float32 { return top + h - float32(v/peak)*h }
	for i, l := range r.lines {
		l.StrokeColor = theme.Color(theme.ColorNamePrimary)
		l.Position1 = fyne.NewPos(float32(i)*step, y(s.Samples()[i]))
		l.Position2 = fyne.NewPos(float32(i+1)*step, y(s.Samples()[i+1]))
		l.Refresh()
	}
}

func (r *sparkRenderer) Refresh() {
	r.bg.FillColor = theme.Color(theme.ColorNameInputBackground)
	r.bg.Refresh()
	r.refreshLines()
}

func (r *sparkRenderer) Objects() []fyne.CanvasObject {
	objs := []fyne.CanvasObject{r.bg, r.label}
	for _, l := range r.lines {
		objs = append(objs, l)
	}
	return objs
}

func (r *sparkRenderer) Destroy() {}
