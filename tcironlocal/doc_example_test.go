// This file is the example tcironlocal's package documentation starts
// with (doc.go), word for word but for its package and test names:
// TestPackageDoc_ExampleIsDocExampleTest keeps them equal. Edit both.

package tcironlocal_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/testcontainers/testcontainers-go"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/tcironlocal"
)

func TestContainer_PackageDoc(t *testing.T) {
	ctx := context.Background()
	ctr, err := tcironlocal.Run(ctx, tcironlocal.DefaultImage, tcironlocal.WithVirtualClock())
	testcontainers.CleanupContainer(t, ctr)
	require.NoError(t, err)

	// The official Iron clients read IRON_HOST, IRON_PORT, IRON_TOKEN …
	env, err := ctr.Env(ctx)
	require.NoError(t, err)
	for k, v := range env {
		t.Setenv(k, v)
	}

	// … and the typed client seeds and inspects the emulator.
	cl, err := ctr.Client(ctx)
	require.NoError(t, err)
	_, err = cl.PostMessages(ctx, "orders", client.NewMessage{Body: `{"id":1}`, Delay: 3600})
	require.NoError(t, err)

	// Code under test would run here; time passes when the test says so.
	require.NoError(t, ctr.AdvanceClock(ctx, time.Hour))
	msgs, err := cl.Reserve(ctx, "orders", client.Reservation{N: 1})
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	require.JSONEq(t, `{"id":1}`, msgs[0].Body)

	require.NoError(t, ctr.WaitIdle(ctx, 30*time.Second)) // tasks and pushes done
	require.NoError(t, ctr.Reset(ctx))                    // empty again for the next test
}
