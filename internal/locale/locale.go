// Package locale makes the desktop app read a C or POSIX locale with an
// encoding (LANG=C.UTF-8, the default in many containers and CI images) as
// English. Fyne turns such a locale into the language tag "C", which does
// not parse, and printed "Fyne error: Error parsing user locale C" on every
// start. Importing the package is the whole fix: its init sets LANGUAGE=en
// when that locale is in force and LANGUAGE is unset, and Fyne (through
// github.com/jeandeaual/go-locale) then reads "en". Plain C and POSIX, and
// every other locale, are left alone: Fyne handles them.
//
// Fyne's lang package reads the locale in its own init, before main runs,
// so the fix runs in an init that comes first. Go initialises packages in
// the order of their import paths, each as soon as its imports are (the
// spec's "Package initialization", Go 1.21 and later). This package
// imports only os and strings, as go-locale does on Unix, and its path
// sorts before go-locale's, so its init runs before go-locale's, and so
// before that of Fyne's lang, which imports go-locale. Keep it that way: no
// other imports, no test files inside the package (they would add theirs).
// TestFyneReadsTheFixedLocale checks the order in a binary that links Fyne.
package locale

import (
	"os"
	"strings"
)

func init() {
	if key, value, ok := Fix(os.Getenv); ok {
		_ = os.Setenv(key, value)
	}
}

// Fix says which environment variable to set, to what, so that a C or POSIX
// locale with an encoding or modifier ("C.UTF-8", "POSIX.utf8", "C@euro")
// reads as English: LANGUAGE=en, which go-locale prefers to the locale
// unless it is exactly C or POSIX (tasks and other C programs ignore it for
// such a locale). ok is false when nothing needs fixing: another locale, a
// plain C or POSIX (go-locale reports none, and Fyne uses English), or a
// LANGUAGE already set. getenv reads the environment (os.Getenv).
func Fix(getenv func(string) string) (key, value string, ok bool) {
	// The variable go-locale reads: the first of these that is set.
	var loc string
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if loc = getenv(k); loc != "" {
			break
		}
	}
	if loc == "" || loc == "C" || loc == "POSIX" || getenv("LANGUAGE") != "" {
		return "", "", false
	}
	lang, _, _ := strings.Cut(loc, "@")
	lang, _, _ = strings.Cut(lang, ".")
	if lang != "C" && lang != "POSIX" {
		return "", "", false
	}
	return "LANGUAGE", "en", true
}
