package exporttest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/client/exporttest"
	"github.com/ironlocal/ironlocal/emulator/server"
)

// Export refuses what a replay could not rebuild, saying why; it writes
// the seed, the writes and the state reached otherwise. (The generated
// test is run by tcironlocal's TestContainer_ExportTest.)
func TestExport(t *testing.T) {
	ctx := context.Background()
	srv := server.RunT(t, server.Options{Runtime: "process", VirtualClock: true, JournalEntries: 5})
	c, err := client.New(srv.URL(), "t")
	require.NoError(t, err)

	_, err = exporttest.Export(ctx, c, t.TempDir(), exporttest.Options{})
	require.ErrorContains(t, err, "holds no writes yet")

	_, err = c.PostMessages(ctx, "q", client.NewMessage{Body: "one"})
	require.NoError(t, err)
	_, err = c.PutItem(ctx, "c", "k", client.ItemPut{Value: "v"})
	require.NoError(t, err)
	// A registry login is stored, but never journaled: its body holds a
	// password.
	require.NoError(t, c.AddCredentials(ctx, "ci", "s3cret-pass", "registry.example.test"))
	j, err := c.Journal(ctx)
	require.NoError(t, err)
	for _, e := range j.Entries {
		require.NotContains(t, e.Path, "credentials")
	}
	dir := t.TempDir()
	sum, err := exporttest.Export(ctx, c, dir, exporttest.Options{})
	require.NoError(t, err)
	require.Equal(t, 2, sum.Inputs)
	require.Equal(t, []exporttest.QueueState{{Project: client.DefaultProject, Queue: "q", Size: 1}}, sum.Expect.Queues)
	require.Len(t, sum.Expect.Items, 1)
	require.JSONEq(t, `"v"`, string(sum.Expect.Items[0].Value))
	for _, f := range []string{"recorded_test.go", "testdata/seed.json", "testdata/inputs.json", "testdata/expect.json"} {
		require.FileExists(t, dir+"/"+f)
	}
	_, err = exporttest.Export(ctx, c, dir, exporttest.Options{})
	require.ErrorContains(t, err, "already holds")

	for range 5 {
		_, err = c.PostMessages(ctx, "q", client.NewMessage{Body: "more"})
		require.NoError(t, err)
	}
	_, err = exporttest.Export(ctx, c, t.TempDir(), exporttest.Options{})
	require.ErrorContains(t, err, "dropped its 2 oldest writes")

	require.NoError(t, c.Reset(ctx))
	_, err = c.PostMessages(ctx, "q", client.NewMessage{Body: "after reset"})
	require.NoError(t, err)
	sum, err = exporttest.Export(ctx, c, t.TempDir(), exporttest.Options{})
	require.NoError(t, err, "a reset starts a clean journal")
	require.Equal(t, 1, sum.Inputs)
}
