package app

import (
	"context"
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/server"
)

// Selecting an item and putting it back unedited stores exactly what was
// stored: the editor holds the value as is, formatting is a view.
func TestCache_PutUneditedKeepsTheStoredBytes(t *testing.T) {
	u := newTestUI(t, server.Options{})
	ctx := context.Background()
	const stored = `{"name":"ann","tags":["a","b"],  "n":1}`
	_, err := u.c.PutItem(ctx, "sessions", "user:1", client.ItemPut{Value: stored})
	require.NoError(t, err)
	u.eventually(t, "listed", func() bool { return len(u.cache.caches) == 1 })
	u.locked(func() {
		u.showScreen(u.cache)
		u.cache.open("sessions")
	})
	d := u.cache.detail
	u.eventually(t, "browsed", func() bool { return len(d.items) == 1 })
	u.locked(func() {
		d.edit(d.items[0])
		require.Equal(t, stored, d.value.Text, "the editor holds the stored value")
		d.formatted.SetChecked(true)
		require.Equal(t, "{\n  \"name\": \"ann\",\n  \"tags\": [\n    \"a\",\n    \"b\"\n  ],\n  \"n\": 1\n}", d.pretty.Text)
		require.Equal(t, stored, d.value.Text, "the formatted view leaves the editor alone")
		test.Tap(d.save)
	})
	u.eventually(t, "stored", func() bool { return u.lastNotice() == "Stored user:1 in sessions" })
	it, err := u.c.Item(ctx, "sessions", "user:1")
	require.NoError(t, err)
	require.Equal(t, stored, it.String(), "byte-identical")
}
