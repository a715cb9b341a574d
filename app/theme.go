package app

import (
	"image/color"

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

// variantTheme is Fyne's default theme held to one variant.
type variantTheme struct {
	fyne.Theme
	variant fyne.ThemeVariant
}

func (t variantTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, t.variant)
}

// themeFor is the theme of a choice (nil: follow the system).
func themeFor(choice string) fyne.Theme {
	switch choice {
	case themeLight:
		return variantTheme{theme.DefaultTheme(), theme.VariantLight}
	case themeDark:
		return variantTheme{theme.DefaultTheme(), theme.VariantDark}
	}
	return theme.DefaultTheme()
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
}
