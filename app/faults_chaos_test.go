package app

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/server"
)

// setChaosFields writes seed and a rate per kind (the others 0) into the
// chaos pane's fields.
func setChaosFields(p *chaosPane, seed string, rates map[string]string) {
	p.seed.SetText(seed)
	for i, k := range model.ChaosKinds {
		r, ok := rates[k.Name]
		if !ok {
			r = "0"
		}
		p.rates[i].SetText(r)
	}
}

// Chaos mode from the Faults screen, against a real emulator: the switch
// starts it with the fields' seed and rates, an injection shows in the
// list as it happens (from the event stream, not a re-read), Copy gives
// the --chaos flag that replays the run, and the switch stops it.
func TestChaos_SwitchOnInjectCopyOff(t *testing.T) {
	u := newTestUI(t, server.Options{})
	ctx := context.Background()
	p := u.faults.chaos
	u.locked(func() {
		u.showScreen(u.faults)
		require.Equal(t, "0.1", p.rates[0].Text, "the default profile's rates are shown")
		require.Equal(t, "0.02", p.rates[5].Text)
	})
	u.eventually(t, "read out as off", func() bool { return p.readout.Text == "off" && !p.on.Checked })

	u.locked(func() {
		setChaosFields(p, "42", map[string]string{"api_503": "1"})
		test.Tap(p.on)
	})
	u.eventually(t, "on", func() bool { return p.log.On && strings.HasPrefix(p.readout.Text, "on · seed 42 · ") })
	st, err := u.c.Chaos(ctx)
	require.NoError(t, err)
	require.True(t, st.On)
	require.EqualValues(t, 42, st.Seed)
	require.Equal(t, 1.0, st.Profile["api_503"])
	require.Equal(t, 0.0, st.Profile["redeliver"])

	// No re-read of the state from here: the injection must come live.
	u.locked(func() { p.loadedAt = time.Now().Add(time.Hour) })
	_, err = u.c.PostMessages(ctx, "orders", client.NewMessage{Body: "x"})
	require.Equal(t, http.StatusServiceUnavailable, client.StatusOf(err), "api_503=1 answers every Iron call 503")
	const posted = "POST /3/projects/" + client.DefaultProject + "/queues/orders/messages"
	u.eventually(t, "the injection is listed live", func() bool {
		for i := range p.list.Length() {
			if in := p.log.Newest(i); in.Kind == "api_503" && strings.Contains(in.Detail, posted) {
				return strings.HasPrefix(p.readout.Text, "on · seed 42 · ") && !p.empty.box.Visible() &&
					strings.HasPrefix(model.ChaosInjectionLine(in, u.now()), "api_503 #")
			}
		}
		return false
	})

	u.locked(func() { test.Tap(p.copyBtn) })
	require.Equal(t, "--chaos 42:redeliver=0,push_twice=0,push_fail=0,kill_task=0,delay_task=0,api_503=1,latency=0",
		u.app.Clipboard().Content())

	u.locked(func() { test.Tap(p.on) })
	u.eventually(t, "off", func() bool { return !p.log.On && strings.HasPrefix(p.readout.Text, "off · seed 42 · ") })
	st, err = u.c.Chaos(ctx)
	require.NoError(t, err)
	require.False(t, st.On)
	_, err = u.c.PostMessages(ctx, "orders", client.NewMessage{Body: "x"})
	require.NoError(t, err, "chaos mode is off")
}

// A rate outside 0..1 is refused under the fields before any call, and
// one the server refuses (400) is shown there too: neither changes
// chaos mode.
func TestChaos_BadRateChangesNothing(t *testing.T) {
	u := newTestUI(t, server.Options{})
	ctx := context.Background()
	p := u.faults.chaos
	u.locked(func() { u.showScreen(u.faults) })
	u.eventually(t, "read", func() bool { return p.readout.Text == "off" })

	u.locked(func() {
		setChaosFields(p, "7", map[string]string{"api_503": "2"})
		before := u.calls.Load()
		test.Tap(p.on)
		require.Equal(t, before, u.calls.Load(), "refused before any call")
		require.Equal(t, "the rate of api_503 must be from 0 to 1, got 2", p.errLabel.Text)
		require.Equal(t, "the rate of api_503 must be from 0 to 1, got 2", u.lastNotice())
		require.False(t, p.on.Checked, "the switch stays off")
		require.Equal(t, "off", p.readout.Text)
	})

	// What the server refuses (a body the fields cannot write).
	u.locked(func() { p.send(client.ChaosBody{Seed: 7, Profile: map[string]float64{"api_503": 2}}) })
	u.eventually(t, "the refusal shows under the fields", func() bool {
		return strings.Contains(p.errLabel.Text, "between 0 and 1") && !p.on.Checked &&
			strings.HasPrefix(u.lastNotice(), "Could not switch chaos mode on: ")
	})
	st, err := u.c.Chaos(ctx)
	require.NoError(t, err)
	require.False(t, st.On, "nothing changed")

	// Fixed, it goes through, and the message goes.
	u.locked(func() {
		p.rates[5].SetText("0.5")
		test.Tap(p.on)
	})
	u.eventually(t, "on", func() bool { return p.log.On && p.errLabel.Text == "" })
	st, err = u.c.Chaos(ctx)
	require.NoError(t, err)
	require.Equal(t, 0.5, st.Profile["api_503"])
}

// Chaos mode switched on elsewhere (a test's POST /_ironlocal/chaos) shows
// with its first injection, its seed and rates in the fields, so Copy
// gives what runs; a reset keeps it on from its first chance.
func TestChaos_StartedElsewhereShows(t *testing.T) {
	u := newTestUI(t, server.Options{})
	ctx := context.Background()
	p := u.faults.chaos
	u.locked(func() {
		u.showScreen(u.faults)
		p.loadedAt = time.Now().Add(time.Hour) // no re-read but the one an event asks for
	})
	_, err := u.c.StartChaos(ctx, client.ChaosBody{Seed: 99, Profile: map[string]float64{"api_503": 1}})
	require.NoError(t, err)
	_, err = u.c.PostMessages(ctx, "q", client.NewMessage{Body: "x"})
	require.Error(t, err)
	u.eventually(t, "shown", func() bool {
		return p.log.On && strings.HasPrefix(p.readout.Text, "on · seed 99 · ") && p.seed.Text == "99" &&
			p.rates[5].Text == "1" && p.rates[0].Text == "0" && p.on.Checked
	})
	u.locked(func() { test.Tap(p.copyBtn) })
	require.Equal(t, "--chaos 99:api_503=1", u.app.Clipboard().Content())

	require.NoError(t, u.c.Reset(ctx))
	u.eventually(t, "a reset keeps it on and restarts the positions", func() bool {
		if !p.log.On || !strings.HasPrefix(p.readout.Text, "on · seed 99 · ") {
			return false
		}
		for i := range p.log.Len() {
			if strings.Contains(p.log.Newest(i).Detail, "/queues/q/messages") {
				return false // the injection before the reset
			}
		}
		return true
	})
}
