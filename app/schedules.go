package app

import (
	"context"
	"fmt"
	"net/http"
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

// schedulesScreen lists schedules (status, run count, next fire); the
// detail pane creates or edits one with a preview of its next five fires,
// cancels it or runs it now.
type schedulesScreen struct {
	u         *UI
	schedules []client.Schedule
	visible   []int
	list      *escList
	empty     *emptyState
	search    *keyEntry
	body      *fyne.Container
	listBox   fyne.CanvasObject
	form      *scheduleForm
}

func newSchedulesScreen(u *UI) *schedulesScreen {
	s := &schedulesScreen{u: u}
	s.list = newEscList(func() { s.closeDetail() }, func() int { return len(s.visible) },
		newTitledRow,
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= len(s.visible) {
				return
			}
			sc := s.schedules[s.visible[id]]
			setTitledRow(o, scheduleTitle(sc), scheduleSummary(sc, s.u.now()), widget.MediumImportance)
		})
	s.list.OnSelected = func(id widget.ListItemID) {
		s.list.UnselectAll()
		if id < len(s.visible) {
			s.open(s.schedules[s.visible[id]])
		}
	}
	s.search = newKeyEntry(u, false)
	s.search.SetPlaceHolder("Search schedules (Ctrl+F)")
	s.search.OnChanged = func(string) { s.refilter() }
	add := widget.NewButtonWithIcon("New schedule", theme.ContentAddIcon(), func() { s.open(client.Schedule{}) })
	add.Importance = widget.HighImportance
	s.empty = newEmptyState("No schedules yet: a schedule queues tasks for a code at set times (POST /2/projects/{id}/schedules).",
		"Create the first schedule", func() { s.open(client.Schedule{}) })
	s.listBox = container.NewBorder(container.NewBorder(nil, nil, nil, add, s.search), nil, nil, nil, s.empty.over(s.list))
	s.body = container.NewStack(s.listBox)
	return s
}

func (s *schedulesScreen) title() string               { return "Schedules" }
func (s *schedulesScreen) icon() fyne.Resource         { return theme.HistoryIcon() }
func (s *schedulesScreen) view() fyne.CanvasObject     { return s.body }
func (s *schedulesScreen) focusSearch() fyne.Focusable { return s.search }
func (s *schedulesScreen) shown()                      { s.list.Refresh() }

func scheduleTitle(sc client.Schedule) string {
	name := sc.Name
	if name == "" {
		name = sc.CodeName
	}
	return fmt.Sprintf("%s · %s", name, sc.Status)
}

// scheduleSummary is a schedule's second line: timing, runs, next fire.
func scheduleSummary(sc client.Schedule, now time.Time) string {
	timing := "once"
	switch {
	case sc.Cron != "":
		timing = "cron " + sc.Cron
	case sc.RunEvery > 0:
		timing = "every " + model.FormatDuration(time.Duration(sc.RunEvery)*time.Second)
	}
	runs := strconv.Itoa(sc.RunCount)
	if sc.RunTimes > 0 {
		runs += "/" + strconv.Itoa(sc.RunTimes)
	}
	s := fmt.Sprintf("code %s · %s · runs %s", sc.CodeName, timing, runs)
	if sc.Status == client.ScheduleActive && !sc.NextStart.IsZero() {
		s += " · next " + model.FormatTime(sc.NextStart.Time, now)
		if !sc.NextStart.After(now) {
			s += " (due now)"
		}
	}
	return s
}

func (s *schedulesScreen) reload() {
	c := s.u.client()
	run(s.u, "list schedules", func(ctx context.Context) ([]client.Schedule, error) {
		var all []client.Schedule
		for page := 0; page < 100; page++ {
			ss, err := c.Schedules(ctx, client.Page{Page: page, PerPage: 100})
			if err != nil {
				return nil, err
			}
			all = append(all, ss...)
			if len(ss) < 100 {
				break
			}
		}
		return all, nil
	}, func(ss []client.Schedule) {
		s.schedules = ss
		s.refilter()
		if s.form != nil && s.form.id != "" {
			for _, sc := range ss {
				if sc.ID == s.form.id {
					s.form.showState(sc)
				}
			}
		}
	})
}

func (s *schedulesScreen) refilter() {
	q := strings.ToLower(strings.TrimSpace(s.search.Text))
	s.visible = s.visible[:0]
	for i, sc := range s.schedules {
		if q == "" || model.ContainsFold(sc.CodeName, q) || model.ContainsFold(sc.Name, q) || model.ContainsFold(sc.ID, q) ||
			model.ContainsFold(string(sc.Status), q) {
			s.visible = append(s.visible, i)
		}
	}
	s.empty.show(len(s.schedules) == 0)
	s.list.Refresh()
}

func (s *schedulesScreen) apply(events []client.Event) {
	for _, e := range events {
		if strings.HasPrefix(e.Type, "schedule.") || e.Type == "clock.changed" || isReset([]client.Event{e}) {
			s.reload()
			return
		}
	}
}

func (s *schedulesScreen) closeDetail() bool {
	if s.form == nil {
		return false
	}
	s.form = nil
	s.body.Objects = []fyne.CanvasObject{s.listBox}
	s.body.Refresh()
	return true
}

// open shows a schedule in the form (a zero Schedule: a new one).
func (s *schedulesScreen) open(sc client.Schedule) {
	s.form = newScheduleForm(s, sc)
	s.body.Objects = []fyne.CanvasObject{split(s.listBox, s.form.root)}
	s.body.Refresh()
	s.form.loadCodes()
}

// scheduleForm creates or edits a schedule.
type scheduleForm struct {
	s        *schedulesScreen
	id       string
	state    *widget.Label
	code     *widget.Select
	name     *keyEntry
	payload  *keyEntry
	runEvery *keyEntry
	startAt  *keyEntry
	endAt    *keyEntry
	runTimes *keyEntry
	cron     *keyEntry
	priority *widget.Select
	preview  *widget.Label
	// previews counts preview requests: only the latest one's answer
	// is shown (answers to earlier keystrokes may arrive after it).
	previews int
	// timingErr shows, under the timing fields, why ironlocal refuses
	// them (e.g. cron and run every together); errLabel the rest.
	timingErr *widget.Label
	errLabel  *widget.Label
	save      *widget.Button
	cancel    *widget.Button
	runNow    *widget.Button
	root      fyne.CanvasObject
}

func newScheduleForm(s *schedulesScreen, sc client.Schedule) *scheduleForm {
	f := &scheduleForm{s: s, id: sc.ID}
	f.state = wrapLabel("")
	f.code = widget.NewSelect(nil, func(string) { f.updatePreview() })
	f.code.PlaceHolder = "(pick a code package)"
	f.name = newKeyEntry(s.u, false)
	f.payload = newKeyEntry(s.u, true)
	f.payload.TextStyle = fyne.TextStyle{Monospace: true}
	f.payload.SetMinRowsVisible(4)
	f.runEvery = newKeyEntry(s.u, false)
	f.runEvery.SetPlaceHolder("seconds or 1h; empty = once")
	f.startAt = newKeyEntry(s.u, false)
	f.startAt.SetPlaceHolder("now; or 2026-01-02 15:04, RFC 3339, +10m")
	f.endAt = newKeyEntry(s.u, false)
	f.endAt.SetPlaceHolder("never")
	f.runTimes = newKeyEntry(s.u, false)
	f.runTimes.SetPlaceHolder("unlimited")
	f.cron = newKeyEntry(s.u, false)
	f.cron.SetPlaceHolder("optional: */5 * * * *")
	f.priority = widget.NewSelect([]string{"0", "1", "2"}, nil)
	f.priority.SetSelected(strconv.Itoa(sc.Priority))
	f.preview = wrapLabel("")
	f.errLabel = widget.NewLabel("")
	f.errLabel.Importance = widget.DangerImportance
	f.errLabel.Wrapping = fyne.TextWrapWord
	f.timingErr = widget.NewLabel("")
	f.timingErr.Importance = widget.DangerImportance
	f.timingErr.Wrapping = fyne.TextWrapWord
	f.timingErr.Hide()
	for _, e := range []*keyEntry{f.payload, f.runEvery, f.startAt, f.endAt, f.runTimes, f.cron} {
		e.OnChanged = func(string) { f.updatePreview() }
	}
	f.save = widget.NewButtonWithIcon("Create", theme.ConfirmIcon(), f.submit)
	f.save.Importance = widget.HighImportance
	f.cancel = widget.NewButtonWithIcon("Cancel schedule", theme.MediaStopIcon(), f.doCancel)
	f.runNow = widget.NewButtonWithIcon("Run now", theme.MediaPlayIcon(), f.doRunNow)
	title := "New schedule"
	if sc.ID != "" {
		title = "Schedule " + sc.ID
		f.save.SetText("Save")
		f.code.SetOptions([]string{sc.CodeName})
		f.code.SetSelected(sc.CodeName)
		f.code.Disable()
		f.name.SetText(sc.Name)
		f.payload.SetText(model.PrettyJSON(sc.Payload))
		if sc.RunEvery > 0 {
			f.runEvery.SetText(strconv.Itoa(sc.RunEvery))
		}
		f.startAt.SetText(timeField(sc.NextStart.Time))
		f.endAt.SetText(timeField(sc.EndAt.Time))
		if sc.RunTimes > 0 {
			f.runTimes.SetText(strconv.Itoa(sc.RunTimes))
		}
		f.cron.SetText(sc.Cron)
		f.showState(sc)
	} else {
		f.cancel.Hide()
		f.runNow.Hide()
	}
	closeBtn := widget.NewButtonWithIcon("", theme.CancelIcon(), func() { s.closeDetail() })
	closeBtn.Importance = widget.LowImportance
	form := widget.NewForm(
		widget.NewFormItem("Code", f.code),
		widget.NewFormItem("Name", f.name),
		widget.NewFormItem("Payload", f.payload),
		widget.NewFormItem("Run every", f.runEvery),
		widget.NewFormItem("Cron", f.cron),
		widget.NewFormItem("Start at", f.startAt),
		widget.NewFormItem("End at", f.endAt),
		widget.NewFormItem("Run times", f.runTimes),
		widget.NewFormItem("", f.timingErr),
		widget.NewFormItem("Priority", f.priority))
	f.root = container.NewBorder(container.NewBorder(nil, nil, nil, closeBtn, titleLabel(title)), nil, nil, nil,
		container.NewVScroll(container.NewVBox(f.state, form, f.errLabel, boldLabel("Next five fires"), f.preview,
			actionRow(f.save, f.runNow, f.cancel, s.u.copyAsButton(f.copyRequests)))))
	f.updatePreview()
	return f
}

func timeField(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

func (f *scheduleForm) showState(sc client.Schedule) {
	f.state.SetText(scheduleSummary(sc, f.s.u.now()))
	if sc.Status != client.ScheduleActive {
		f.cancel.Disable()
	}
	f.updatePreview() // a run made or the clock moved
}

func (f *scheduleForm) loadCodes() {
	if f.id != "" {
		return
	}
	c := f.s.u.client()
	run(f.s.u, "list codes", func(ctx context.Context) ([]client.Code, error) { return c.Codes(ctx, client.Page{PerPage: 100}) },
		func(codes []client.Code) {
			names := make([]string, 0, len(codes))
			for _, cd := range codes {
				names = append(names, cd.Name)
			}
			f.code.SetOptions(names)
			if f.code.Selected == "" && len(names) == 1 {
				f.code.SetSelected(names[0])
			}
		})
}

// timing reads the timing fields (their syntax only: ironlocal checks
// the values when previewing or saving). For a schedule being edited it
// names it, so ironlocal previews the edit on the stored schedule.
func (f *scheduleForm) timing() (client.ScheduleTiming, error) {
	now := f.s.u.now()
	every, err := model.ParseSeconds("run every", f.runEvery.Text)
	if err != nil {
		return client.ScheduleTiming{}, err
	}
	start, err := model.ParseWhen("start at", f.startAt.Text, now)
	if err != nil {
		return client.ScheduleTiming{}, err
	}
	end, err := model.ParseWhen("end at", f.endAt.Text, now)
	if err != nil {
		return client.ScheduleTiming{}, err
	}
	times, err := model.ParseInt("run times", f.runTimes.Text, 0)
	if err != nil {
		return client.ScheduleTiming{}, err
	}
	return client.ScheduleTiming{ScheduleID: f.id, StartAt: start, EndAt: end, RunEvery: every, RunTimes: times,
		Cron: strings.TrimSpace(f.cron.Text)}, nil
}

// previewAnswer is a preview's outcome: ironlocal refusing the fields
// is shown in the form, not as a notice.
type previewAnswer struct {
	client.SchedulePreview
	err error
}

// updatePreview asks ironlocal (off the UI goroutine) for the next five
// fires of what the form says; a wrong field is shown instead.
func (f *scheduleForm) updatePreview() {
	if f.root == nil {
		return // still being built: the constructor asks once at the end
	}
	f.previews++
	seq := f.previews
	timing, err := f.timing()
	f.setTimingErr(err)
	if err != nil {
		f.preview.SetText("")
		return
	}
	if err := model.ValidatePayload(f.payload.Text); err != nil {
		f.errLabel.SetText(err.Error())
		f.preview.SetText("")
		return
	}
	f.errLabel.SetText("")
	c := f.s.u.client()
	run(f.s.u, "preview the schedule", func(ctx context.Context) (previewAnswer, error) {
		p, err := c.PreviewSchedule(ctx, timing, 5)
		if client.StatusOf(err) == http.StatusBadRequest {
			return previewAnswer{err: err}, nil
		}
		return previewAnswer{SchedulePreview: p}, err
	}, func(a previewAnswer) {
		if seq != f.previews {
			return // the form changed since
		}
		f.showPreview(a)
	})
}

// setTimingErr shows (or clears) the refusal of the timing fields under
// them.
func (f *scheduleForm) setTimingErr(err error) {
	if err == nil {
		f.timingErr.SetText("")
		f.timingErr.Hide()
		return
	}
	f.timingErr.SetText(errorText(err))
	f.timingErr.Show()
}

func (f *scheduleForm) showPreview(a previewAnswer) {
	// The preview sends only the timing: its refusal is about them.
	f.setTimingErr(a.err)
	if a.err != nil {
		f.preview.SetText("")
		return
	}
	if len(a.Fires) == 0 {
		f.preview.SetText("no more fires")
		return
	}
	lines := make([]string, len(a.Fires))
	for i, t := range a.Fires {
		lines[i] = t.Local().Format("Mon 2006-01-02 15:04:05") + "  (" + model.FireIn(t, a.Now) + ")"
	}
	f.preview.SetText(strings.Join(lines, "\n"))
}

// submit creates or updates the schedule; a wrong field sends nothing.
func (f *scheduleForm) submit() {
	spec, err := f.timing()
	if err != nil {
		f.setTimingErr(err)
		f.s.u.notify(err.Error())
		return
	}
	err = model.ValidatePayload(f.payload.Text)
	if err == nil && f.code.Selected == "" {
		err = fmt.Errorf("pick a code package")
	}
	if err != nil {
		f.errLabel.SetText(err.Error())
		f.s.u.notify(err.Error())
		return
	}
	prio, _ := strconv.Atoi(f.priority.Selected)
	payload := model.CompactJSON(f.payload.Text)
	name := strings.TrimSpace(f.name.Text)
	c := f.s.u.client()
	if f.id == "" {
		ns := client.NewSchedule{CodeName: f.code.Selected, Name: name, Payload: payload, StartAt: spec.StartAt,
			EndAt: spec.EndAt, RunEvery: spec.RunEvery, RunTimes: spec.RunTimes, Cron: spec.Cron, Priority: &prio}
		run(f.s.u, "create the schedule", func(ctx context.Context) (string, error) { return c.CreateSchedule(ctx, ns) },
			func(id string) {
				f.s.u.notify("Created schedule " + id)
				f.s.closeDetail()
				f.s.reload()
			})
		return
	}
	up := client.ScheduleUpdate{Name: &name, Payload: &payload, RunEvery: &spec.RunEvery, RunTimes: &spec.RunTimes,
		Cron: &spec.Cron, Priority: &prio}
	if !spec.StartAt.IsZero() {
		up.StartAt = &spec.StartAt
	}
	if !spec.EndAt.IsZero() {
		up.EndAt = &spec.EndAt
	}
	id := f.id
	act(f.s.u, "save the schedule", func(ctx context.Context) error { return c.UpdateSchedule(ctx, id, up) }, func() {
		f.s.u.notify("Saved schedule " + id)
		f.s.reload()
	})
}

func (f *scheduleForm) doCancel() {
	c, id := f.s.u.client(), f.id
	act(f.s.u, "cancel the schedule", func(ctx context.Context) error { return c.CancelSchedule(ctx, id) }, func() {
		f.s.u.notify("Cancelled schedule " + id)
		f.s.reload()
	})
}

func (f *scheduleForm) doRunNow() {
	c, id := f.s.u.client(), f.id
	run(f.s.u, "run the schedule", func(ctx context.Context) (string, error) { return c.RunSchedule(ctx, id) },
		func(taskID string) { f.s.u.notify("Schedule queued task " + taskID) })
}
