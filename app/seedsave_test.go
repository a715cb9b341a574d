package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/app/seedfile"
	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/server"
)

func TestData_SaveAsSeed(t *testing.T) {
	u := newTestUI(t, server.Options{})
	ctx := context.Background()
	_, err := u.c.PostMessages(ctx, "jobs", client.NewMessage{Body: "seeded"})
	require.NoError(t, err)
	_, err = u.c.PutItem(ctx, "prefs", "colour", client.ItemPut{Value: "blue"})
	require.NoError(t, err)
	u.registerEcho(t, "echo")

	u.locked(func() {
		u.showScreen(u.data)
		test.Tap(findButton(t, u.data.root, "Save as seed…"))
		answerConfirm(t, u, "Cancel") // the dialog asks what to include
	})
	ch := newSeedChoice()
	require.Equal(t, seedfile.Selection{Queues: true, Messages: true, Caches: true, Codes: true, Schedules: true}, ch.selection(),
		"everything is checked at first")
	ch.caches.SetChecked(false)
	ch.queues.SetChecked(false)
	require.True(t, ch.messages.Disabled(), "messages go with their queues")
	ch.queues.SetChecked(true)
	sel := ch.selection()

	path := filepath.Join(t.TempDir(), "app.seed.json")
	u.locked(func() { u.saveSeed(path, sel) })
	u.eventually(t, "saved", func() bool { return strings.HasPrefix(u.lastNotice(), "Saved a seed to "+path) })
	require.Contains(t, u.lastNotice(), ": 1 queue (1 message), 0 caches, 1 code package, 0 schedules")
	st, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "private to the user")

	fresh := server.RunT(t, server.Options{Runtime: "process", Seed: path})
	c, err := client.New(fresh.URL(), "t")
	require.NoError(t, err)
	ms, err := c.Peek(ctx, "jobs", 10)
	require.NoError(t, err)
	require.Len(t, ms, 1)
	require.Equal(t, "seeded", ms[0].Body)
	codes, err := c.Codes(ctx, client.Page{})
	require.NoError(t, err)
	require.Len(t, codes, 1)
	require.Equal(t, `cat "$PAYLOAD_FILE"; echo; echo hello-from-echo`, codes[0].Command)
	caches, err := c.Caches(ctx, client.Page{})
	require.NoError(t, err)
	require.Empty(t, caches, "caches were unchecked")
}
