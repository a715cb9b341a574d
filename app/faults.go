package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
)

// faultsScreen lists the fault-injection rules with their hit counts and
// adds and removes them: the quickest way to see how an application copes
// with a flaky Iron. Below them, chaos mode (faults_chaos.go) makes Iron
// flaky at random, from a seed.
type faultsScreen struct {
	u       *UI
	faults  []client.Fault
	loadGen int

	list     *escList
	count    *widget.Label
	service  *widget.Select
	resource *keyEntry
	method   *widget.Select
	status   *keyEntry
	msg      *keyEntry
	latency  *keyEntry
	times    *keyEntry
	errLabel *widget.Label
	add      *widget.Button
	empty    *emptyState
	chaos    *chaosPane
	root     fyne.CanvasObject
}

const anyChoice = "any"

func newFaultsScreen(u *UI) *faultsScreen {
	s := &faultsScreen{u: u}
	s.list = newEscList(func() { u.escape() }, func() int { return len(s.faults) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			del := widget.NewButtonWithIcon("", theme.DeleteIcon(), nil)
			del.Importance = widget.LowImportance
			return container.NewBorder(nil, nil, nil, del, l)
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= len(s.faults) {
				return
			}
			f := s.faults[id]
			box := o.(*fyne.Container)
			box.Objects[0].(*widget.Label).SetText(model.FaultLine(f))
			box.Objects[1].(*widget.Button).OnTapped = func() { s.remove(f.ID) }
		})
	s.list.OnSelected = func(id widget.ListItemID) { // the whole rule, hit count included
		s.list.UnselectAll()
		if id < len(s.faults) {
			u.showText("Fault rule", model.FaultLine(s.faults[id]))
		}
	}
	s.count = widget.NewLabel("")
	clearAll := widget.NewButtonWithIcon("Remove all…", theme.ContentClearIcon(), func() {
		u.confirm("Remove fault rules", "Remove every fault rule?", s.clearAll)
	})

	s.service = widget.NewSelect([]string{anyChoice, "mq", "worker", "cache"}, nil)
	s.service.SetSelected(anyChoice)
	s.method = widget.NewSelect([]string{anyChoice, "GET", "POST", "PUT", "PATCH", "DELETE"}, nil)
	s.method.SetSelected(anyChoice)
	entry := func(ph string) *keyEntry {
		e := newKeyEntry(u, false)
		e.SetPlaceHolder(ph)
		return e
	}
	s.resource = entry("(any) queue, cache or code name")
	s.status = entry("503 (empty: latency only)")
	s.msg = entry("(default) the msg to answer")
	s.latency = entry("(none) e.g. 250ms, 2s")
	s.times = entry("(always) how many requests")
	s.errLabel = wrapLabel("")
	s.errLabel.Importance = widget.DangerImportance
	s.add = widget.NewButtonWithIcon("Add rule", theme.ContentAddIcon(), s.addRule)
	s.add.Importance = widget.HighImportance
	form := widget.NewForm(
		widget.NewFormItem("Service", s.service),
		widget.NewFormItem("Resource", s.resource),
		widget.NewFormItem("Method", s.method),
		widget.NewFormItem("Status", s.status),
		widget.NewFormItem("Message", s.msg),
		widget.NewFormItem("Latency", s.latency),
		widget.NewFormItem("Times", s.times),
		widget.NewFormItem("", s.errLabel))
	s.empty = newEmptyState("No fault rules: write one on the right, and the Iron requests it matches answer its status "+
		"after its latency (POST /_ironlocal/faults does the same from a test).", "Write a rule",
		func() { u.win.Canvas().Focus(s.resource) })
	left := container.NewBorder(container.NewBorder(nil, nil, boldLabel("Fault rules"), container.NewHBox(s.count, clearAll)),
		nil, nil, nil, s.empty.over(s.list))
	right := container.NewBorder(boldLabel("New rule (Iron API requests that match answer the status after the latency)"),
		container.NewHBox(s.add), nil, nil, container.NewVScroll(form))
	split := container.NewHSplit(left, right)
	split.SetOffset(0.55)
	s.chaos = newChaosPane(u)
	rulesAndChaos := container.NewVSplit(split, s.chaos.root)
	rulesAndChaos.SetOffset(0.45)
	s.root = rulesAndChaos
	u.every(refreshEvery, s.tick)
	return s
}

func (s *faultsScreen) title() string               { return "Faults" }
func (s *faultsScreen) icon() fyne.Resource         { return theme.WarningIcon() }
func (s *faultsScreen) view() fyne.CanvasObject     { return s.root }
func (s *faultsScreen) focusSearch() fyne.Focusable { return nil }
func (s *faultsScreen) closeDetail() bool           { return false }
func (s *faultsScreen) shown()                      { s.reload() }

func (s *faultsScreen) apply(events []client.Event) {
	if isReset(events) {
		s.reload() // a reset keeps chaos mode on but restarts its positions
		return
	}
	s.chaos.apply(events)
}

// tick refreshes the hit counts while the screen is in view (faults
// publish no events), and now and then chaos mode's state (switching it
// publishes none either; its injections arrive as events).
func (s *faultsScreen) tick() {
	if s.u.screens[s.u.current] == screen(s) {
		s.reloadRules()
		s.chaos.poll()
	}
}

func (s *faultsScreen) reload() {
	s.reloadRules()
	s.chaos.reload()
}

func (s *faultsScreen) reloadRules() {
	s.loadGen++
	gen := s.loadGen
	c := s.u.be.Client
	run(s.u, "list fault rules", func(ctx context.Context) ([]client.Fault, error) { return c.Faults(ctx) },
		func(fs []client.Fault) {
			if gen != s.loadGen {
				return
			}
			s.faults = fs
			s.empty.show(len(fs) == 0)
			s.count.SetText(model.Plural(len(fs), "rule", "rules"))
			s.list.Refresh()
		})
}

// rule reads the form; nothing is sent when a field is wrong.
func (s *faultsScreen) rule() (client.Fault, error) {
	f := client.Fault{Resource: strings.TrimSpace(s.resource.Text), Msg: strings.TrimSpace(s.msg.Text),
		Latency: strings.TrimSpace(s.latency.Text)}
	if s.service.Selected != anyChoice {
		f.Service = s.service.Selected
	}
	if s.method.Selected != anyChoice {
		f.Method = s.method.Selected
	}
	var err error
	if f.Status, err = model.ParseInt("status", s.status.Text, 0); err != nil {
		return f, err
	}
	if f.Status != 0 && (f.Status < 100 || f.Status > 599) {
		return f, fmt.Errorf("status must be an HTTP status (100–599)")
	}
	if f.Latency != "" {
		if d, err := time.ParseDuration(f.Latency); err != nil || d < 0 {
			return f, fmt.Errorf("latency must be a duration such as 250ms or 2s")
		}
	}
	if f.Status == 0 && f.Latency == "" {
		return f, fmt.Errorf("give a status, a latency or both")
	}
	if f.Times, err = model.ParseInt("times", s.times.Text, 0); err != nil {
		return f, err
	}
	if f.Times < 0 {
		return f, fmt.Errorf("times must not be negative")
	}
	return f, nil
}

func (s *faultsScreen) addRule() {
	f, err := s.rule()
	if err != nil {
		s.errLabel.SetText(err.Error())
		s.u.notify(err.Error())
		return
	}
	s.errLabel.SetText("")
	c := s.u.be.Client
	run(s.u, "add the fault rule", func(ctx context.Context) (client.Fault, error) { return c.AddFault(ctx, f) },
		func(got client.Fault) {
			s.u.notify("Added fault rule " + got.ID)
			s.reloadRules()
		})
}

func (s *faultsScreen) remove(id string) {
	c := s.u.be.Client
	act(s.u, "remove the fault rule", func(ctx context.Context) error { return c.DeleteFault(ctx, id) }, func() {
		s.u.notify("Removed fault rule " + id)
		s.reloadRules()
	})
}

func (s *faultsScreen) clearAll() {
	c := s.u.be.Client
	act(s.u, "remove the fault rules", func(ctx context.Context) error { return c.ClearFaults(ctx) }, func() {
		s.u.notify("Removed every fault rule")
		s.reloadRules()
	})
}
