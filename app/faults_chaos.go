package app

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
)

// chaosPane is the Faults screen's chaos mode: switched on with a seed and
// a rate per kind, the platform misbehaves as production may at the points
// the seed decides. It reads out the state and lists the last injections,
// kept live by the chaos.<kind> events; Copy gives the --chaos flag that
// replays a run.
type chaosPane struct {
	u   *UI
	log *model.ChaosLog

	loadGen  int
	loadedAt time.Time // the last GET of the state (the screen's tick re-reads it now and then)
	filled   string    // the spec last written into the fields from the state
	syncing  bool      // the switch is being set to the state: not a person's tap

	on       *widget.Check
	seed     *keyEntry
	random   *widget.Button
	rates    []*keyEntry // by model.ChaosKinds
	restart  *widget.Button
	copyBtn  *widget.Button
	readout  *widget.Label
	errLabel *widget.Label
	list     *escList
	empty    *emptyState
	redraw   *throttle
	root     fyne.CanvasObject
}

// chaosLogMax is how many injections the list holds, as the daemon keeps.
const chaosLogMax = 1000

// chaosPollEvery is how often the screen, while in view, re-reads the
// state (switched on or off elsewhere publishes no event).
const chaosPollEvery = 5 * time.Second

func newChaosPane(u *UI) *chaosPane {
	p := &chaosPane{u: u, log: model.NewChaosLog(chaosLogMax)}
	p.redraw = newThrottle(u, redrawEvery, p.show)

	p.on = widget.NewCheck("On", func(on bool) {
		if p.syncing {
			return
		}
		if on {
			p.start()
		} else {
			p.stop()
		}
	})
	p.seed = newKeyEntry(u, false)
	p.seed.SetPlaceHolder("an integer, e.g. 42")
	p.random = widget.NewButtonWithIcon("Random", theme.ViewRefreshIcon(), func() {
		p.seed.SetText(strconv.FormatInt(rand.Int64N(1_000_000_000), 10))
	})
	p.restart = widget.NewButtonWithIcon("Restart with these", theme.MediaReplayIcon(), p.start)
	p.copyBtn = widget.NewButtonWithIcon("Copy --chaos", theme.ContentCopyIcon(), p.copySpec)
	p.readout = wrapLabel(p.log.Readout())
	p.readout.TextStyle.Bold = true
	p.errLabel = wrapLabel("")
	p.errLabel.Importance = widget.DangerImportance

	form := widget.NewForm(widget.NewFormItem("Seed", container.NewBorder(nil, nil, nil, p.random, p.seed)))
	for _, k := range model.ChaosKinds {
		e := newKeyEntry(u, false)
		e.SetText(model.FormatRate(k.Default))
		e.SetPlaceHolder("0")
		p.rates = append(p.rates, e)
		rate := container.NewGridWrap(fyne.NewSize(80, e.MinSize().Height), e)
		explain := wrapLabel(k.Explain)
		explain.SizeName = theme.SizeNameCaptionText
		form.Append(k.Name, container.NewBorder(nil, nil, rate, nil, explain))
	}
	form.Append("", p.errLabel)

	p.list = newEscList(func() { u.escape() }, func() int { return p.log.Len() },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < p.log.Len() {
				o.(*widget.Label).SetText(model.ChaosInjectionLine(p.log.Newest(id), u.now()))
			}
		})
	p.list.OnSelected = func(id widget.ListItemID) {
		p.list.UnselectAll()
		if id < p.log.Len() {
			u.showText("Chaos injection", model.ChaosInjectionLine(p.log.Newest(id), u.now()))
		}
	}
	p.empty = newEmptyState("No injections yet: switch chaos mode on, and what it injects shows here as it happens "+
		"(POST /_ironlocal/chaos or --chaos SEED do the same from a test).", "Switch on",
		func() {
			if p.seed.Text == "" {
				p.random.OnTapped()
			}
			p.on.SetChecked(true)
		})

	intro := wrapLabel("The platform misbehaves as production may (redelivered messages, duplicate and failed pushes, " +
		"killed and delayed tasks, 503s, latency) at the points the seed decides: the same seed and requests meet " +
		"the same injections, so a failing run can be replayed with the copied flag.")
	controls := container.NewBorder(
		container.NewVBox(container.NewBorder(nil, nil, boldLabel("Chaos mode"), nil, p.on), intro),
		actionRow(p.restart, p.copyBtn), nil, nil, container.NewVScroll(form))
	injections := container.NewBorder(container.NewVBox(boldLabel("Injections (newest first)"), p.readout), nil, nil, nil,
		p.empty.over(p.list))
	split := container.NewHSplit(controls, injections)
	split.SetOffset(0.55)
	p.root = split
	p.show()
	return p
}

// reload reads the state from ironlocal.
func (p *chaosPane) reload() {
	p.loadGen++
	gen := p.loadGen
	p.loadedAt = time.Now()
	c := p.u.be.Client
	run(p.u, "read chaos mode", func(ctx context.Context) (client.ChaosState, error) { return c.Chaos(ctx) },
		func(st client.ChaosState) {
			if gen == p.loadGen {
				p.set(st)
			}
		})
}

// poll re-reads the state when the last read is old (the screen's tick).
func (p *chaosPane) poll() {
	if time.Since(p.loadedAt) >= chaosPollEvery {
		p.reload()
	}
}

// apply folds chaos.<kind> events into the list; one from a chaos mode
// other than the one held (switched on elsewhere) reads the state again.
func (p *chaosPane) apply(events []client.Event) {
	changed, stale := p.log.Fold(events)
	if stale {
		p.reload()
	}
	if changed {
		p.redraw.request()
	}
}

// set shows st; while chaos mode is on, the fields show what runs.
func (p *chaosPane) set(st client.ChaosState) {
	p.log.Set(st)
	if spec := model.ChaosSpec(st.Seed, st.Profile); st.On && spec != p.filled {
		p.filled = spec
		p.seed.SetText(strconv.FormatInt(st.Seed, 10))
		for i, k := range model.ChaosKinds {
			p.rates[i].SetText(model.FormatRate(st.Profile[k.Name]))
		}
	}
	p.redraw.hold()
	p.show()
}

// show redraws the read-out, the switch and the list from the log.
func (p *chaosPane) show() {
	p.readout.SetText(p.log.Readout())
	if p.on.Checked != p.log.On {
		p.syncing = true
		p.on.SetChecked(p.log.On)
		p.syncing = false
	}
	p.empty.show(p.log.Len() == 0)
	p.list.Refresh()
}

// body reads the fields; nothing is sent when one is wrong.
func (p *chaosPane) body() (client.ChaosBody, error) {
	seed, err := model.ParseChaosSeed(p.seed.Text)
	if err != nil {
		return client.ChaosBody{}, err
	}
	b := client.ChaosBody{Seed: seed, Profile: map[string]float64{}}
	for i, k := range model.ChaosKinds {
		r, err := model.ParseChaosRate(k.Name, p.rates[i].Text)
		if err != nil {
			return b, err
		}
		b.Profile[k.Name] = r
	}
	return b, nil
}

// refuse shows why the fields were not sent (or were refused), and puts
// the switch back to the state.
func (p *chaosPane) refuse(msg string) {
	p.errLabel.SetText(msg)
	p.show()
}

func (p *chaosPane) start() {
	b, err := p.body()
	if err != nil {
		p.refuse(err.Error())
		p.u.notify(err.Error())
		return
	}
	p.send(b)
}

// chaosAnswer is a switch's answer, its failure included.
type chaosAnswer struct {
	st  client.ChaosState
	err error
}

// send switches chaos mode on with b. Every failure comes back to done
// (not only to the notice strip) so the switch returns to the state.
func (p *chaosPane) send(b client.ChaosBody) {
	p.errLabel.SetText("")
	p.loadGen++ // a read in flight predates this
	c := p.u.be.Client
	run(p.u, "switch chaos mode on", func(ctx context.Context) (chaosAnswer, error) {
		st, err := c.StartChaos(ctx, b)
		return chaosAnswer{st: st, err: err}, nil
	}, func(a chaosAnswer) {
		if a.err != nil {
			p.failed("switch chaos mode on", a.err)
			return
		}
		p.set(a.st)
		p.u.notify("Chaos mode on: " + model.ChaosFlag(a.st.Seed, a.st.Profile))
	})
}

func (p *chaosPane) stop() {
	p.errLabel.SetText("")
	p.loadGen++
	c := p.u.be.Client
	run(p.u, "switch chaos mode off", func(ctx context.Context) (chaosAnswer, error) {
		st, err := c.StopChaos(ctx)
		return chaosAnswer{st: st, err: err}, nil
	}, func(a chaosAnswer) {
		if a.err != nil {
			p.failed("switch chaos mode off", a.err)
			return
		}
		p.set(a.st)
		p.u.notify("Chaos mode off")
	})
}

// failed shows a failed switch: a refusal (400, a field's value) under
// the fields and on the notice strip, any other failure on the strip; the
// switch returns to the state.
func (p *chaosPane) failed(what string, err error) {
	p.u.notifyError(what, err)
	if client.StatusOf(err) == http.StatusBadRequest {
		p.refuse(errorText(err))
		return
	}
	p.show()
}

// copySpec copies the --chaos flag that replays the run: what runs while
// chaos mode is on, the fields otherwise.
func (p *chaosPane) copySpec() {
	if p.log.On {
		p.u.copyText("Chaos flag", model.ChaosFlag(p.log.Seed, p.log.Profile))
		return
	}
	b, err := p.body()
	if err != nil {
		p.refuse(err.Error())
		p.u.notify(err.Error())
		return
	}
	p.errLabel.SetText("")
	p.u.copyText("Chaos flag", model.ChaosFlag(b.Seed, b.Profile))
}
