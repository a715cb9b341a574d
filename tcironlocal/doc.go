// Package tcironlocal is a testcontainers-go module for ironlocal, the local
// Iron.io emulator (IronMQ v3, IronWorker v2, IronCache v1). A complete test
// file, once `make image` has built the image in the ironlocal repository:
//
//	package orders_test
//
//	import (
//		"context"
//		"testing"
//		"time"
//
//		"github.com/stretchr/testify/require"
//		"github.com/testcontainers/testcontainers-go"
//
//		"github.com/ironlocal/ironlocal/client"
//		"github.com/ironlocal/ironlocal/tcironlocal"
//	)
//
//	func TestOrders(t *testing.T) {
//		ctx := context.Background()
//		ctr, err := tcironlocal.Run(ctx, tcironlocal.DefaultImage, tcironlocal.WithVirtualClock())
//		testcontainers.CleanupContainer(t, ctr)
//		require.NoError(t, err)
//
//		// The official Iron clients read IRON_HOST, IRON_PORT, IRON_TOKEN …
//		env, err := ctr.Env(ctx)
//		require.NoError(t, err)
//		for k, v := range env {
//			t.Setenv(k, v)
//		}
//
//		// … and the typed client seeds and inspects the emulator.
//		cl, err := ctr.Client(ctx)
//		require.NoError(t, err)
//		_, err = cl.PostMessages(ctx, "orders", client.NewMessage{Body: `{"id":1}`, Delay: 3600})
//		require.NoError(t, err)
//
//		// Code under test would run here; time passes when the test says so.
//		require.NoError(t, ctr.AdvanceClock(ctx, time.Hour))
//		msgs, err := cl.Reserve(ctx, "orders", client.Reservation{N: 1})
//		require.NoError(t, err)
//		require.Len(t, msgs, 1)
//		require.JSONEq(t, `{"id":1}`, msgs[0].Body)
//
//		require.NoError(t, ctr.WaitIdle(ctx, 30*time.Second)) // tasks and pushes done
//		require.NoError(t, ctr.Reset(ctx))                    // empty again for the next test
//	}
//
// It owns the container's configuration (the ironlocald flags, the Docker
// socket, the wait strategy) and thin helpers over the emulator's control
// plane (Reset, WaitIdle, AdvanceClock, RunSchedule) and connection details
// (APIURL, Env, IronJSON, Client). It imports nothing from the emulator
// itself, so a user's test binary only gains testcontainers-go and the
// standard-library client package.
//
// The image is built locally from the repository's Dockerfile (`make image`,
// FROM scratch, nothing is pulled). IronWorker tasks run as sibling
// containers: Run binds the Docker socket into the emulator container, adds
// the socket's group so the image's non-root user may use it, and starts
// ironlocald with `--docker-network container:self`, so task containers share
// the emulator container's network and reach it at 127.0.0.1 (the IRON_*
// variables the emulator injects into tasks say so). Task containers carry
// testcontainers' session labels, so the reaper (Ryuk) removes them with the
// session, and your suite can find them.
//
// To look inside a test's emulator: Run logs the command that attaches the
// desktop app (AttachCommand: `ironlocal --attach URL --token T`); every
// container is labelled (LabelTestContainer, WithTestName's LabelTestName …)
// and carries its token in its IRONLOCAL_TOKEN, so the app lists it and
// attaches without typing. WithKeepOnFailure(t) leaves a failed test's
// container running (Terminate keeps it and logs how to attach and remove
// it); Breakpoint(t) pauses a test, with IRONLOCAL_INSPECT=1, until "Resume
// test" in the app.
//
// State lives only as long as the container by default (--ephemeral: a
// temporary directory removed at exit); WithPersistentVolume keeps it in a
// named volume instead. Any other ironlocald flag can be passed with
// testcontainers.WithCmdArgs (it is appended last, so it wins).
package tcironlocal
