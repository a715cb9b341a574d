package chaos_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/chaos"
	"github.com/ironlocal/ironlocal/emulator/clock"
)

type events []emulator.Event

func (e *events) Publish(ev emulator.Event) { *e = append(*e, ev) }

// decisions takes n chances of each kind and returns which injected.
func decisions(e *chaos.Engine, n int) []string {
	var out []string
	for i := range n {
		for _, k := range emulator.ChaosKinds {
			if ok, d := e.Chance(k, "x"); ok {
				out = append(out, string(k)+"#"+string(rune('0'+i%10))+"/"+d.String())
			}
		}
	}
	return out
}

func TestEngine_sameSeedSameDecisions(t *testing.T) {
	vc := clock.NewVirtual(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	p := chaos.DefaultProfile()
	a, b, c := chaos.New(vc, nil), chaos.New(vc, nil), chaos.New(vc, nil)
	require.NoError(t, a.Start(42, p))
	require.NoError(t, b.Start(42, p))
	require.NoError(t, c.Start(43, p))
	da, db, dc := decisions(a, 500), decisions(b, 500), decisions(c, 500)
	require.NotEmpty(t, da)
	require.Equal(t, da, db)
	require.NotEqual(t, da, dc)

	// A restart replays the same decisions.
	a.Restart()
	require.Equal(t, da, decisions(a, 500))

	// Rates hold roughly: 500 chances at 0.1.
	st := a.State()
	n := 0
	for _, in := range st.Injections {
		if in.Kind == emulator.ChaosRedeliver {
			n++
		}
	}
	require.InDelta(t, 50, n, 25)
}

func TestEngine_offAndBounds(t *testing.T) {
	var ev events
	e := chaos.New(clock.Real{}, &ev)
	ok, _ := e.Chance(emulator.ChaosAPI503, "x")
	require.False(t, ok, "off until started")

	require.NoError(t, e.Start(1, chaos.Profile{Rates: map[emulator.ChaosKind]float64{emulator.ChaosLatency: 1, emulator.ChaosDelayTask: 1},
		MaxLatency: 50 * time.Millisecond, MaxDelay: 3 * time.Second}))
	for range 100 {
		ok, d := e.Chance(emulator.ChaosLatency, "GET /x")
		require.True(t, ok)
		require.Greater(t, d, time.Duration(0))
		require.LessOrEqual(t, d, 51*time.Millisecond)
		ok, d = e.Chance(emulator.ChaosDelayTask, "code")
		require.True(t, ok)
		require.GreaterOrEqual(t, d, time.Second)
		require.LessOrEqual(t, d, 3*time.Second)
		ok, _ = e.Chance(emulator.ChaosAPI503, "x")
		require.False(t, ok, "a kind without a rate never injects")
	}
	require.Len(t, ev, 200)
	require.Equal(t, emulator.EventType("chaos.latency"), ev[0].Type)
	require.Equal(t, int64(1), ev[0].Attrs["seed"])
	require.Equal(t, uint64(1), ev[0].Attrs["position"])

	e.Stop()
	ok, _ = e.Chance(emulator.ChaosLatency, "x")
	require.False(t, ok)
	require.Equal(t, 200, e.State().Total, "what it injected stays readable")
}

func TestParseSpec(t *testing.T) {
	seed, p, err := chaos.ParseSpec("42")
	require.NoError(t, err)
	require.Equal(t, int64(42), seed)
	require.Equal(t, chaos.DefaultProfile(), p)

	seed, p, err = chaos.ParseSpec("-7:redeliver=0.25, kill_task=1")
	require.NoError(t, err)
	require.Equal(t, int64(-7), seed)
	require.Equal(t, map[emulator.ChaosKind]float64{emulator.ChaosRedeliver: 0.25, emulator.ChaosKillTask: 1}, p.Rates)

	for spec, want := range map[string]string{
		"x":                "the seed must be an integer",
		"1:redeliver":      "is not KIND=RATE",
		"1:redeliver=lots": "not a number",
		"1:redeliver=1.5":  "between 0 and 1",
		"1:meteor=0.1":     "unknown kind",
		"1:latency=NaN":    "between 0 and 1",
	} {
		_, _, err := chaos.ParseSpec(spec)
		require.ErrorContains(t, err, want, spec)
	}
}
