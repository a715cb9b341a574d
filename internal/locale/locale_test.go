// The tests are in package locale_test on purpose: test files of package
// locale would be compiled into it, and their imports could order its init
// after Fyne's (see the package documentation).
package locale_test

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"fyne.io/fyne/v2/lang"

	"github.com/ironlocal/ironlocal/internal/locale"
)

func TestFix(t *testing.T) {
	for _, c := range []struct {
		name string
		env  map[string]string
		want bool
	}{
		{"LANG=C.UTF-8 (Debian and Ubuntu images, GitHub Actions)", map[string]string{"LANG": "C.UTF-8"}, true},
		{"LANG=C.utf8", map[string]string{"LANG": "C.utf8"}, true},
		{"LANG=POSIX.UTF-8", map[string]string{"LANG": "POSIX.UTF-8"}, true},
		{"a modifier", map[string]string{"LANG": "C@euro"}, true},
		{"LC_ALL wins over LANG", map[string]string{"LC_ALL": "C.UTF-8", "LANG": "de_DE.UTF-8"}, true},
		{"LC_MESSAGES wins over LANG", map[string]string{"LC_MESSAGES": "C.UTF-8", "LANG": "fr_FR.UTF-8"}, true},
		{"a real locale in LC_ALL wins over LANG=C.UTF-8", map[string]string{"LC_ALL": "de_DE.UTF-8", "LANG": "C.UTF-8"}, false},
		{"plain C: Fyne already reads English", map[string]string{"LANG": "C"}, false},
		{"plain POSIX", map[string]string{"LC_ALL": "POSIX"}, false},
		{"nothing set", map[string]string{}, false},
		{"a real locale", map[string]string{"LANG": "en_US.UTF-8"}, false},
		{"a language that starts with C", map[string]string{"LANG": "ca_ES.UTF-8"}, false},
		{"LANGUAGE set: go-locale reads it", map[string]string{"LANG": "C.UTF-8", "LANGUAGE": "fr:en"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			key, value, ok := locale.Fix(func(k string) string { return c.env[k] })
			if ok != c.want {
				t.Fatalf("Fix(%v): ok = %v, want %v", c.env, ok, c.want)
			}
			if ok && (key != "LANGUAGE" || value != "en") {
				t.Fatalf("Fix(%v) = %s=%s, want LANGUAGE=en", c.env, key, value)
			}
		})
	}
}

// childEnv marks the test binary run by TestFyneReadsTheFixedLocale.
const childEnv = "IRONLOCAL_LOCALE_TEST_CHILD"

// This test binary links Fyne's lang package, whose init reads the locale,
// and this package, whose init must come first. Run again with
// LANG=C.UTF-8, it starts without Fyne's error and with English.
func TestFyneReadsTheFixedLocale(t *testing.T) {
	if os.Getenv(childEnv) == "1" {
		if got := lang.SystemLocale().LanguageString(); got != "en" {
			t.Fatalf("Fyne's system locale is %q, want en", got)
		}
		if got := os.Getenv("LANGUAGE"); got != "en" {
			t.Fatalf("LANGUAGE=%q, want en", got)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFyneReadsTheFixedLocale$", "-test.v")
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE":
		default:
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "LANG=C.UTF-8", childEnv+"=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("the test binary with LANG=C.UTF-8: %v\n%s", err, out.String())
	}
	if strings.Contains(out.String(), "Fyne error") {
		t.Fatalf("Fyne still complains with LANG=C.UTF-8:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "--- PASS: TestFyneReadsTheFixedLocale") {
		t.Fatalf("the child ran no test:\n%s", out.String())
	}
}
