package model

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
)

func TestChaosSpec(t *testing.T) {
	require.Equal(t, "42:redeliver=0.1,push_twice=0.1,push_fail=0.1,kill_task=0.05,delay_task=0.1,api_503=0.02,latency=0.05",
		ChaosSpec(42, DefaultChaosProfile()), "the default profile, in the daemon's order")
	require.Equal(t, "--chaos -7:redeliver=0,api_503=1", ChaosFlag(-7, map[string]float64{"api_503": 1, "redeliver": 0}),
		"zero rates are written: the spec replays exactly")
	require.Equal(t, "3:latency=0.5,alpha=0.2,zeta=0.1",
		ChaosSpec(3, map[string]float64{"zeta": 0.1, "latency": 0.5, "alpha": 0.2}), "unknown kinds last, sorted")
	require.Equal(t, "9", ChaosSpec(9, nil), "no profile: the seed alone (the default profile)")
}

func TestParseChaosRateAndSeed(t *testing.T) {
	for in, want := range map[string]float64{"0": 0, "1": 1, " 0.25 ": 0.25, "": 0, "1e-3": 0.001} {
		r, err := ParseChaosRate("redeliver", in)
		require.NoError(t, err, in)
		require.Equal(t, want, r, in)
	}
	for in, msg := range map[string]string{
		"2":    "the rate of api_503 must be from 0 to 1, got 2",
		"-0.1": "the rate of api_503 must be from 0 to 1, got -0.1",
		"x":    `the rate of api_503 must be a number from 0 to 1, got "x"`,
		"NaN":  `the rate of api_503 must be a number from 0 to 1, got "NaN"`,
	} {
		_, err := ParseChaosRate("api_503", in)
		require.EqualError(t, err, msg, in)
	}
	s, err := ParseChaosSeed(" -42 ")
	require.NoError(t, err)
	require.EqualValues(t, -42, s)
	_, err = ParseChaosSeed("")
	require.ErrorContains(t, err, "give a seed")
	_, err = ParseChaosSeed("4.2")
	require.EqualError(t, err, `the seed must be an integer, got "4.2"`)
	require.Equal(t, "0.05", FormatRate(0.05))
	require.Equal(t, "1", FormatRate(1))
}

func TestChaosReadout(t *testing.T) {
	require.Equal(t, "off", ChaosReadout(false, 0, false, 0))
	require.Equal(t, "on · seed 42 · 17 injections", ChaosReadout(true, 42, true, 17))
	require.Equal(t, "on · seed 42 · 1 injection", ChaosReadout(true, 42, true, 1))
	require.Equal(t, "off · seed 42 · 0 injections", ChaosReadout(false, 42, true, 0))
}

func TestChaosInjectionLine(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.Local)
	at := now.Add(-time.Minute)
	require.Equal(t, "api_503 #3 · 11:59:00 · POST /3/projects/p/queues/q/messages",
		ChaosInjectionLine(ChaosInjection{Kind: "api_503", Position: 3, Detail: "POST /3/projects/p/queues/q/messages", At: at}, now))
	require.Equal(t, "latency #12 · 11:59:00 · 120ms · GET /x",
		ChaosInjectionLine(ChaosInjection{Kind: "latency", Position: 12, Detail: "GET /x", DurationMS: 120, At: at}, now))
}

// chaosEvent is a chaos.<kind> event as it arrives from the stream
// (numbers decoded from JSON as float64).
func chaosEvent(t *testing.T, kind string, seed int64, pos uint64, detail string) client.Event {
	t.Helper()
	raw, err := json.Marshal(client.Event{Type: "chaos." + kind, At: time.Unix(1700000000, 0),
		Attrs: map[string]any{"seed": seed, "position": pos, "detail": detail, "duration_ms": 0}})
	require.NoError(t, err)
	var e client.Event
	require.NoError(t, json.Unmarshal(raw, &e))
	return e
}

func TestChaosLog_FoldsEventsOnceAndAsksForStateWhenStale(t *testing.T) {
	l := NewChaosLog(3)
	require.Equal(t, "off", l.Readout())

	// An injection before the app knows chaos mode is on: GET the state.
	changed, stale := l.Fold([]client.Event{chaosEvent(t, "api_503", 42, 1, "POST /a")})
	require.False(t, changed)
	require.True(t, stale)

	var st client.ChaosState // as GET /_ironlocal/chaos answers
	require.NoError(t, json.Unmarshal([]byte(`{"on": true, "seed": 42, "profile": {"api_503": 1}, "total": 1,
		"injections": [{"kind": "api_503", "seed": 42, "position": 1, "detail": "POST /a"}]}`), &st))
	l.Set(st)
	require.Equal(t, "on · seed 42 · 1 injection", l.Readout())

	// The same injection again (in the GET's answer and on the stream),
	// then new ones and an event of another type.
	changed, stale = l.Fold([]client.Event{
		chaosEvent(t, "api_503", 42, 1, "POST /a"),
		chaosEvent(t, "api_503", 42, 2, "POST /b"),
		{Type: "messages.posted"},
		chaosEvent(t, "latency", 42, 1, "GET /c"),
	})
	require.True(t, changed)
	require.False(t, stale)
	require.Equal(t, 3, l.Len())
	require.Equal(t, 3, l.Total)
	require.Equal(t, "GET /c", l.Newest(0).Detail, "newest first")
	require.Equal(t, "POST /a", l.Newest(2).Detail)
	require.EqualValues(t, 42, l.Newest(0).Seed)

	// A full ring drops the oldest; Total keeps counting; a dropped
	// injection arriving again is not mistaken for a held one.
	changed, _ = l.Fold([]client.Event{chaosEvent(t, "api_503", 42, 3, "POST /d")})
	require.True(t, changed)
	require.Equal(t, 3, l.Len())
	require.Equal(t, 4, l.Total)
	require.Equal(t, "POST /b", l.Newest(2).Detail)
	require.Equal(t, "on · seed 42 · 4 injections", l.Readout())

	// Another seed: chaos mode was restarted elsewhere.
	changed, stale = l.Fold([]client.Event{chaosEvent(t, "api_503", 7, 1, "POST /e")})
	require.False(t, changed)
	require.True(t, stale)

	// Off: the injections stay readable; an event means it was started again.
	l.Set(client.ChaosState{On: false, Seed: 42, Profile: map[string]float64{"api_503": 1}, Total: 4})
	require.Equal(t, "off · seed 42 · 4 injections", l.Readout())
	require.Equal(t, 0, l.Len())
	_, stale = l.Fold([]client.Event{chaosEvent(t, "api_503", 42, 1, "POST /f")})
	require.True(t, stale)
}

func TestChaosLog_LargeSeedSurvivesJSON(t *testing.T) {
	const seed = int64(1)<<62 + 1 // not exact as a float64
	l := NewChaosLog(10)
	l.Set(client.ChaosState{On: true, Seed: seed})
	changed, stale := l.Fold([]client.Event{chaosEvent(t, "redeliver", seed, 1, "q/1")})
	require.True(t, changed)
	require.False(t, stale)
}

func TestDefaultChaosProfile(t *testing.T) {
	p := DefaultChaosProfile()
	require.Len(t, p, 7)
	require.Equal(t, 0.05, p["kill_task"])
	require.Equal(t, 0.02, p["api_503"])
}
