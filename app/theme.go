package app

import (
	"image/color"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Theme choices of the top bar, kept in the app's preferences.
const (
	themeSystem = "System"
	themeLight  = "Light"
	themeDark   = "Dark"
	themePref   = "theme"
)

// readableTheme is Fyne's default theme with the colours text is written
// in darkened (light) or lightened (dark) until each reads at WCAG's 4.5:1
// on the background and on input fields: Fyne's green on white is 1.48:1.
// variant is the variant it is held to (nil: the system's).
type readableTheme struct {
	fyne.Theme
	variant *fyne.ThemeVariant
}

// readable holds, per variant, the colours replaced (theme_test.go checks
// every pair's contrast).
var readable = map[fyne.ThemeVariant]map[fyne.ThemeColorName]color.Color{
	theme.VariantLight: {
		theme.ColorNameForeground:  color.NRGBA{R: 0x1f, G: 0x1f, B: 0x1f, A: 0xff},
		theme.ColorNameSuccess:     color.NRGBA{R: 0x17, G: 0x69, B: 0x2a, A: 0xff},
		theme.ColorNameWarning:     color.NRGBA{R: 0x9a, G: 0x4a, B: 0x00, A: 0xff},
		theme.ColorNameError:       color.NRGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff},
		theme.ColorNamePrimary:     color.NRGBA{R: 0x1d, G: 0x4e, B: 0xd8, A: 0xff},
		theme.ColorNameHyperlink:   color.NRGBA{R: 0x1d, G: 0x4e, B: 0xd8, A: 0xff},
		theme.ColorNameDisabled:    color.NRGBA{R: 0x66, G: 0x66, B: 0x66, A: 0xff},
		theme.ColorNamePlaceHolder: color.NRGBA{R: 0x66, G: 0x66, B: 0x66, A: 0xff},
	},
	theme.VariantDark: {
		theme.ColorNameForeground:          color.NRGBA{R: 0xf3, G: 0xf3, B: 0xf3, A: 0xff},
		theme.ColorNameSuccess:             color.NRGBA{R: 0x4a, G: 0xde, B: 0x80, A: 0xff},
		theme.ColorNameWarning:             color.NRGBA{R: 0xff, G: 0xa7, B: 0x26, A: 0xff},
		theme.ColorNameError:               color.NRGBA{R: 0xff, G: 0x6b, B: 0x6b, A: 0xff},
		theme.ColorNamePrimary:             color.NRGBA{R: 0x6e, G: 0xa8, B: 0xfe, A: 0xff},
		theme.ColorNameHyperlink:           color.NRGBA{R: 0x6e, G: 0xa8, B: 0xfe, A: 0xff},
		theme.ColorNameForegroundOnPrimary: color.NRGBA{R: 0x17, G: 0x17, B: 0x18, A: 0xff},
		theme.ColorNameDisabled:            color.NRGBA{R: 0x95, G: 0x95, B: 0x95, A: 0xff},
		theme.ColorNamePlaceHolder:         color.NRGBA{R: 0xb2, G: 0xb2, B: 0xb2, A: 0xff},
	},
}

func (t readableTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if t.variant != nil {
		v = *t.variant
	}
	if c, ok := readable[v][n]; ok {
		return c
	}
	return t.Theme.Color(n, v)
}

// themeFor is the theme of a choice.
func themeFor(choice string) fyne.Theme {
	t := readableTheme{Theme: theme.DefaultTheme()}
	switch choice {
	case themeLight:
		v := theme.VariantLight
		t.variant = &v
	case themeDark:
		v := theme.VariantDark
		t.variant = &v
	}
	return t
}

// ApplyTheme applies the theme saved in a's preferences (call it before
// showing the window).
func ApplyTheme(a fyne.App) {
	a.Settings().SetTheme(themeFor(a.Preferences().StringWithFallback(themePref, themeSystem)))
}

func (u *UI) themeChoice() string {
	return u.app.Preferences().StringWithFallback(themePref, themeSystem)
}

func (u *UI) setTheme(choice string) {
	if choice == u.themeChoice() {
		return
	}
	u.app.Preferences().SetString(themePref, choice)
	u.app.Settings().SetTheme(themeFor(choice))
	u.painted[u.current] = themeGen.Load() // the driver repainted the window
	u.shell.paint()                        // colours the shell computed itself (the banner's)
}

// themeGen counts theme changes (the top bar's choice, or the system's
// variant under "System"). A theme change repaints only what is in the
// window: Fyne's drivers walk the window's content, so a screen not shown
// then, and a table cell parked in its table's pool, keep the old
// colours — after Light → Dark the Tasks table kept white grid lines and
// dark text. Screens catch up when shown (repaintShown); table cells
// compare the generation they were painted in (newColumnTable).
var themeGen atomic.Uint64

// reapplying is set while repaintShown applies the theme again: that is
// no change of theme.
var reapplying atomic.Bool

// followTheme counts theme changes. Settings listeners may run off the UI
// goroutine (a system variant change): the listener only counts, and the
// widgets catch up on the UI goroutine (setTheme, repaintShown).
func (u *UI) followTheme() {
	u.app.Settings().AddListener(func(fyne.Settings) {
		if !reapplying.Load() {
			themeGen.Add(1)
		}
	})
}

// repaintShown repaints the screen just shown when a theme change
// happened since it was last in the window: applying the theme again
// makes the driver walk the window's content, which now holds it.
func (u *UI) repaintShown(i int) {
	gen := themeGen.Load()
	if u.painted[i] == gen {
		return
	}
	u.painted[i] = gen
	reapplying.Store(true)
	defer reapplying.Store(false)
	u.app.Settings().SetTheme(u.app.Settings().Theme())
	u.shell.paint()
}
