package app

import (
	"cmp"
	"fmt"
	"runtime"

	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// aboutTitle is the About box's title (what tests look for).
const aboutTitle = "About ironlocal"

// showAbout opens the About box: this app's version (stamped at build time,
// the same variable ironlocald --version and GET /version report), the
// version of the ironlocal it drives (its own when embedded), the licence and
// where the source lives.
func (u *UI) showAbout() {
	text := widget.NewLabel(u.aboutText())
	text.Selectable = true
	dialog.NewCustom(aboutTitle, "Close", text, u.win).Show()
}

func (u *UI) aboutText() string {
	mode := "embedded"
	if u.be.Attached {
		mode = "attached"
	}
	return fmt.Sprintf("ironlocal %s\n"+
		"A local, offline emulator of Iron.io (IronMQ v3, IronWorker v2, IronCache v1)\n\n"+
		"Driving: ironlocal %s at %s (%s)\n"+
		"Built with %s for %s/%s\n\n"+
		"Licensed under the Apache License, Version 2.0;\n"+
		"third-party licences are listed in THIRD_PARTY.md.\n"+
		"https://github.com/ironlocal/ironlocal",
		cmp.Or(u.be.Version, "(unknown)"), cmp.Or(u.overview.health.Version, "(not read yet)"), u.be.Client.URL(), mode,
		runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
