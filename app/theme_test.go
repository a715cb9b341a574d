package app

import (
	"context"
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/server"
)

// luminance is WCAG 2's relative luminance of c.
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	ch := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(r) + 0.7152*ch(g) + 0.0722*ch(b)
}

// contrast is WCAG 2's contrast ratio of two colours (1 to 21).
func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func TestContrast_Reference(t *testing.T) {
	if got := contrast(color.White, color.Black); math.Abs(got-21) > 0.01 {
		t.Fatalf("white on black = %.2f, want 21", got)
	}
	green := color.NRGBA{R: 0x43, G: 0xf4, B: 0x36, A: 0xff} // Fyne's success colour
	if got := contrast(green, color.White); math.Abs(got-1.48) > 0.02 {
		t.Fatalf("Fyne's green on white = %.2f, want 1.48 (the issue's figure)", got)
	}
}

// Every colour text is written in reads at 4.5:1 or more on the background
// and on input fields, in both variants, whichever way the variant is
// chosen (the top bar's Light/Dark, or the system's).
func TestTheme_ContrastMeetsWCAG(t *testing.T) {
	texts := []fyne.ThemeColorName{theme.ColorNameForeground, theme.ColorNameSuccess, theme.ColorNameWarning,
		theme.ColorNameError, theme.ColorNamePrimary, theme.ColorNameHyperlink, theme.ColorNameDisabled,
		theme.ColorNamePlaceHolder}
	grounds := []fyne.ThemeColorName{theme.ColorNameBackground, theme.ColorNameInputBackground,
		theme.ColorNameHeaderBackground}
	for _, c := range []struct {
		choice  string
		variant fyne.ThemeVariant
	}{{themeLight, theme.VariantLight}, {themeDark, theme.VariantDark},
		{themeSystem, theme.VariantLight}, {themeSystem, theme.VariantDark}} {
		th := themeFor(c.choice)
		for _, fg := range texts {
			for _, bg := range grounds {
				r := contrast(th.Color(fg, c.variant), th.Color(bg, c.variant))
				if r < 4.5 {
					t.Errorf("%s (variant %d): %s on %s is %.2f:1, want ≥ 4.5", c.choice, c.variant, fg, bg, r)
				}
			}
		}
		// Text on coloured buttons and badges.
		for fg, bg := range map[fyne.ThemeColorName]fyne.ThemeColorName{
			theme.ColorNameForegroundOnPrimary: theme.ColorNamePrimary,
			theme.ColorNameForegroundOnError:   theme.ColorNameError,
			theme.ColorNameForegroundOnSuccess: theme.ColorNameSuccess,
			theme.ColorNameForegroundOnWarning: theme.ColorNameWarning,
		} {
			if r := contrast(th.Color(fg, c.variant), th.Color(bg, c.variant)); r < 4.5 {
				t.Errorf("%s (variant %d): %s on %s is %.2f:1, want ≥ 4.5", c.choice, c.variant, fg, bg, r)
			}
		}
	}
}

// After Light → Dark the Tasks table's text and grid lines are drawn in
// the dark variant's colours, also when the switch happened while another
// screen showed and for cells that kept their text.
func TestTheme_SwitchRepaintsEverything(t *testing.T) {
	u := newTestUI(t, server.Options{})
	u.registerEcho(t, "echo")
	_, err := u.c.QueueTask(context.Background(), client.NewTask{CodeName: "echo", Payload: "{}", Delay: 3600})
	require.NoError(t, err)
	u.locked(func() {
		u.showScreen(u.tasks)
		u.setTheme(themeLight)
	})
	u.eventually(t, "the task is listed", func() bool { return u.tasks.length == 1 })
	u.locked(func() {
		u.tasks.table.Refresh()
		u.showScreen(u.overview)
		u.setTheme(themeDark)
		u.showScreen(u.tasks)
	})
	dark := themeFor(themeDark)
	u.locked(func() {
		var texts, lines int
		for _, o := range test.LaidOutObjects(u.tasks.table) {
			switch x := o.(type) {
			case *canvas.Text:
				if x.Text == "" || !o.Visible() {
					continue
				}
				texts++
				require.NotEqual(t, readable[theme.VariantLight][theme.ColorNameForeground], x.Color,
					"%q is still in the light foreground", x.Text)
			case *canvas.Rectangle:
				s := x.Size()
				if o.Visible() && (s.Width <= 2 || s.Height <= 2) && s.Width*s.Height > 0 {
					lines++
					require.Equal(t, dark.Color(theme.ColorNameSeparator, theme.VariantDark), x.FillColor,
						"a grid line keeps the light separator colour")
				}
			}
		}
		require.Positive(t, texts)
		require.Positive(t, lines)
		require.Equal(t, withAlpha(dark.Color(theme.ColorNameError, theme.VariantDark), 0x30), u.shell.bannerBg.FillColor,
			"the banner's background follows the theme")
	})
}
