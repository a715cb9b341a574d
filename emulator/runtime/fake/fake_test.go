package fake_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/clock"
	"github.com/ironlocal/ironlocal/emulator/runtime/fake"
)

type result struct {
	res emulator.ExitResult
	err error
}

func start(ctx context.Context, rt *fake.Runtime, spec emulator.TaskSpec, out emulator.Output) <-chan result {
	done := make(chan result, 1)
	go func() {
		res, err := rt.Run(ctx, spec, out)
		done <- result{res, err}
	}()
	return done
}

func await(t *testing.T, done <-chan result) emulator.ExitResult {
	t.Helper()
	select {
	case r := <-done:
		require.NoError(t, r.err)
		return r.res
	case <-time.After(10 * time.Second):
		t.Fatal("the run did not end")
		return emulator.ExitResult{}
	}
}

func TestRuntime(t *testing.T) {
	ctx := context.Background()

	t.Run("steps, gates and the clock", func(t *testing.T) {
		vc := clock.NewVirtual(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
		rt := fake.New(vc)
		rt.Handle("work", func(spec emulator.TaskSpec) fake.Script {
			return fake.Script{Steps: []fake.Step{
				{Stdout: string(spec.Payload), Gate: "go"},
				{Stderr: "slow\n", Wait: time.Minute},
			}, Result: emulator.ExitResult{ExitCode: 3}}
		})
		var stdout, stderr bytes.Buffer
		done := start(ctx, rt, emulator.TaskSpec{TaskID: "t1", Command: []string{"work"}, Payload: []byte("hi")},
			emulator.Output{Stdout: &stdout, Stderr: &stderr})
		require.Eventually(t, func() bool { return len(rt.Runs()) == 1 }, 10*time.Second, time.Millisecond)
		rt.Open("go")
		vc.Advance(59 * time.Second)
		require.Empty(t, rt.Ended(), "a minute has not passed")
		vc.Advance(time.Second)
		require.Equal(t, emulator.ExitResult{ExitCode: 3}, await(t, done))
		require.Equal(t, "hi", stdout.String())
		require.Equal(t, "slow\n", stderr.String())
		require.Equal(t, "t1", rt.Ended()[0].Spec.TaskID)
	})

	t.Run("timeout on the clock", func(t *testing.T) {
		vc := clock.NewVirtual(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
		rt := fake.New(vc)
		rt.Handle("hang", func(emulator.TaskSpec) fake.Script { return fake.Script{Steps: []fake.Step{{Gate: "never"}}} })
		done := start(ctx, rt, emulator.TaskSpec{Command: []string{"hang"}, Timeout: time.Second}, emulator.Output{})
		require.Eventually(t, func() bool { return len(rt.Runs()) == 1 }, 10*time.Second, time.Millisecond)
		vc.Advance(time.Second)
		require.True(t, await(t, done).TimedOut)
	})

	t.Run("stopped by ctx", func(t *testing.T) {
		rt := fake.New(clock.Real{})
		rt.Handle("hang", func(emulator.TaskSpec) fake.Script { return fake.Script{Steps: []fake.Step{{Gate: "never"}}} })
		stop, cancel := context.WithCancel(ctx)
		done := start(stop, rt, emulator.TaskSpec{Command: []string{"hang"}}, emulator.Output{})
		cancel()
		require.True(t, await(t, done).Stopped)
	})

	t.Run("wall clock wait", func(t *testing.T) {
		rt := fake.New(clock.Real{})
		rt.Handle("nap", func(emulator.TaskSpec) fake.Script {
			return fake.Script{Steps: []fake.Step{{Wait: 10 * time.Millisecond}}}
		})
		require.Equal(t, emulator.ExitResult{}, await(t, start(ctx, rt, emulator.TaskSpec{Command: []string{"nap"}}, emulator.Output{})))
	})

	t.Run("unscripted command fails to start", func(t *testing.T) {
		rt := fake.New(clock.Real{})
		res := await(t, start(ctx, rt, emulator.TaskSpec{Command: []string{"nope"}}, emulator.Output{}))
		require.Equal(t, -1, res.ExitCode)
		require.Contains(t, res.StartError, `no script for command "nope"`)
	})
}
