package client_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
)

// chaosRun is what one consumer run saw under chaos mode.
type chaosRun struct {
	injections []string       // kind#position@detail, in order
	deliveries map[string]int // body → times the consumer got it
	lostAcks   int            // deletes refused: the reservation had lapsed
}

// consume posts n messages and drains the queue the way a worker would:
// reserve, process, delete; a 503 is tried again, as the official clients
// do. It is the same sequence of requests every run.
func consume(t *testing.T, seed int64, profile map[string]float64, n int) chaosRun {
	t.Helper()
	c, _ := newClient(t)
	ctx := ctxT(t)
	_, err := c.StartChaos(ctx, client.ChaosBody{Seed: seed, Profile: profile})
	require.NoError(t, err)
	retry := func(f func() error) {
		t.Helper()
		for range 100 {
			err := f()
			if client.StatusOf(err) != http.StatusServiceUnavailable {
				require.NoError(t, err)
				return
			}
		}
		t.Fatal("503 a hundred times in a row")
	}
	for i := range n {
		retry(func() error {
			_, err := c.PostMessages(ctx, "jobs", client.NewMessage{Body: fmt.Sprintf("job-%02d", i)})
			return err
		})
	}
	run := chaosRun{deliveries: map[string]int{}}
	for range 10 * n {
		var got []client.Message
		retry(func() (err error) {
			got, err = c.Reserve(ctx, "jobs", client.Reservation{N: 3, Timeout: 60})
			return err
		})
		if len(got) == 0 {
			break
		}
		for _, m := range got {
			run.deliveries[m.Body]++
			for {
				err := c.DeleteMessage(ctx, "jobs", m.ID, m.ReservationID)
				if s := client.StatusOf(err); s == http.StatusServiceUnavailable {
					continue
				} else if s >= 400 && s < 500 {
					run.lostAcks++ // redelivered meanwhile: someone else holds it now
				} else {
					require.NoError(t, err)
				}
				break
			}
		}
	}
	var q client.Queue
	retry(func() (err error) {
		q, err = c.Queue(context.Background(), "jobs")
		return err
	})
	require.Zero(t, q.Size, "the queue drained")
	st, err := c.Chaos(ctx)
	require.NoError(t, err)
	require.True(t, st.On)
	require.Equal(t, seed, st.Seed)
	for _, in := range st.Injections {
		require.Equal(t, seed, in.Seed)
		run.injections = append(run.injections, fmt.Sprintf("%s#%d@%s", in.Kind, in.Position, in.Detail))
	}
	return run
}

// TestChaos_reproducible: a run under chaos mode replays identically from
// its seed — the same injections at the same points, so the same
// duplicate deliveries reach the consumer — and another seed differs.
func TestChaos_reproducible(t *testing.T) {
	profile := map[string]float64{"redeliver": 0.3, "api_503": 0.1}
	first := consume(t, 42, profile, 30)
	again := consume(t, 42, profile, 30)
	require.NotEmpty(t, first.injections)
	require.Equal(t, first, again, "the same seed and requests meet the same injections")
	other := consume(t, 43, profile, 30)
	require.NotEqual(t, first.injections, other.injections)

	// At-least-once: every job was delivered, some more than once — what
	// a consumer that is not idempotent gets wrong (it would count 30+).
	require.Len(t, first.deliveries, 30)
	total := 0
	for _, n := range first.deliveries {
		total += n
	}
	require.Greater(t, total, 30, "redelivered messages reached the consumer again")
	require.Positive(t, first.lostAcks, "a consumer whose reservation lapsed cannot delete")
}

// TestChaos_controls: chaos mode is off by default, refuses a bad profile,
// restarts from its first chance on reset, and stops.
func TestChaos_controls(t *testing.T) {
	c, _ := newClient(t)
	ctx := ctxT(t)
	st, err := c.Chaos(ctx)
	require.NoError(t, err)
	require.False(t, st.On)

	_, err = c.StartChaos(ctx, client.ChaosBody{Seed: 1, Profile: map[string]float64{"redeliver": 2}})
	require.Equal(t, http.StatusBadRequest, client.StatusOf(err))
	_, err = c.StartChaos(ctx, client.ChaosBody{Seed: 1, Profile: map[string]float64{"meteor": 0.5}})
	require.ErrorContains(t, err, "unknown kind")

	st, err = c.StartChaos(ctx, client.ChaosBody{Seed: 7})
	require.NoError(t, err)
	require.True(t, st.On)
	require.InDelta(t, 0.1, st.Profile["redeliver"], 1e-9, "no profile: the default one")
	_, err = c.PostMessages(ctx, "q", client.NewMessage{Body: "x"})
	if client.StatusOf(err) != http.StatusServiceUnavailable {
		require.NoError(t, err)
	}
	st, err = c.Chaos(ctx)
	require.NoError(t, err)
	require.NotZero(t, st.Positions["api_503"])

	require.NoError(t, c.Reset(ctx))
	st, err = c.Chaos(ctx)
	require.NoError(t, err)
	require.True(t, st.On, "a reset keeps chaos mode on")
	require.Zero(t, st.Positions["api_503"], "from its first chance again")

	st, err = c.StopChaos(ctx)
	require.NoError(t, err)
	require.False(t, st.On)
}

// TestChaos_tasksAndPushes: each kind acts where the real platform may —
// a task killed once it works, a task's start delayed, a push failed with
// 503 before the real attempt, an accepted push delivered twice.
func TestChaos_tasksAndPushes(t *testing.T) {
	c, _ := newClient(t)
	ctx := ctxT(t)
	_, err := c.RegisterCode(ctx, client.NewCode{Name: "work", Image: "x/y", Command: "echo working"})
	require.NoError(t, err)

	_, err = c.StartChaos(ctx, client.ChaosBody{Seed: 1, Profile: map[string]float64{"kill_task": 1}})
	require.NoError(t, err)
	id, err := c.QueueTask(ctx, client.NewTask{CodeName: "work"})
	require.NoError(t, err)
	waitTask(t, c, id, client.TaskKilled)
	task, err := c.Task(ctx, id)
	require.NoError(t, err)
	require.Equal(t, "Killed by chaos mode", task.Msg)

	// Delayed on the virtual clock: it starts only once the clock moves.
	_, err = c.StartChaos(ctx, client.ChaosBody{Seed: 1, Profile: map[string]float64{"delay_task": 1}, MaxDelayMS: 3000})
	require.NoError(t, err)
	id, err = c.QueueTask(ctx, client.NewTask{CodeName: "work"})
	require.NoError(t, err)
	st, err := c.Chaos(ctx)
	require.NoError(t, err)
	require.Len(t, st.Injections, 1)
	require.GreaterOrEqual(t, st.Injections[0].DurationMS, int64(1000))
	task, err = c.Task(ctx, id)
	require.NoError(t, err)
	require.Equal(t, client.TaskQueued, task.Status)
	_, err = c.AdvanceClock(ctx, 3*time.Second)
	require.NoError(t, err)
	waitTask(t, c, id, client.TaskComplete)

	// Pushes: the first attempt fails with 503, and the retry's accepted
	// delivery comes twice.
	var mu sync.Mutex
	var got []string
	sub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, string(b))
		mu.Unlock()
	}))
	t.Cleanup(sub.Close)
	_, err = c.StartChaos(ctx, client.ChaosBody{Seed: 3, Profile: map[string]float64{"push_fail": 0.5, "push_twice": 1}})
	require.NoError(t, err)
	unicast := client.QueueType("unicast")
	retries, delay := 5, 3
	_, err = c.PutQueue(ctx, "hooks", client.QueueSettings{Type: &unicast, Push: &client.PushSettings{
		Subscribers: []client.Subscriber{{Name: "s", URL: sub.URL}}, Retries: &retries, RetriesDelay: &delay}})
	require.NoError(t, err)
	_, err = c.PostMessages(ctx, "hooks", client.NewMessage{Body: "ping"})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		_, _ = c.AdvanceClock(ctx, 3*time.Second) // retries wait on the virtual clock
		mu.Lock()
		defer mu.Unlock()
		return len(got) >= 2
	}, wait, 20*time.Millisecond)
	mu.Lock()
	require.Equal(t, []string{"ping", "ping"}, got)
	mu.Unlock()
	st, err = c.Chaos(ctx)
	require.NoError(t, err)
	var kinds []string
	for _, in := range st.Injections {
		kinds = append(kinds, in.Kind)
	}
	require.Equal(t, []string{"push_fail", "push_twice"}, kinds, "seed 3: the first attempt failed, the retry came twice")
}
