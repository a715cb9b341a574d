package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator/server"
)

// The About box shows the app's own version and the one of the ironlocal it
// drives (GET /_ironlocal/health), which an embedded emulator shares.
func TestAbout_ShowsVersions(t *testing.T) {
	u := newTestUI(t, server.Options{})
	u.eventually(t, "the health is read", func() bool { return u.overview.health.Version != "" })
	var texts []string
	u.locked(func() {
		u.be.Version = "9.8.7"
		u.showAbout()
		top := u.win.Canvas().Overlays().Top()
		require.NotNil(t, top, "the About box is open")
		for _, o := range test.LaidOutObjects(top) {
			if l, ok := o.(*widget.Label); ok {
				texts = append(texts, l.Text)
			}
		}
	})
	all := strings.Join(texts, "\n")
	require.Contains(t, all, aboutTitle)
	require.Contains(t, all, "ironlocal 9.8.7\n")
	require.Contains(t, all, "Driving: ironlocal "+server.Version+" at "+u.srv.URL())
	require.Contains(t, all, "Apache License, Version 2.0")
}
