package tmpl

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var data = map[string]any{"Payload": map[string]any{"key": "a.csv", "n": 2.0, "list": []any{"x", "y"}}, "Raw": "raw"}

func TestRender(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"fields", `{{.Payload.key}} #{{.Payload.n}}`, "a.csv #2"},
		{"range and if", `{{range .Payload.list}}{{if eq . "y"}}[{{.}}]{{else}}{{.}}{{end}}{{end}}`, "x[y]"},
		{"json", `{{json .Payload.list}}`, `["x","y"]`},
		{"printf with a width", `{{printf "%5s|%-3d|%.2f" "ab" 7 1.2345}}`, "   ab|7  |1.23"},
		{"escapers", `{{html "<a>"}} {{urlquery "a b"}} {{js "'"}}`, `&lt;a&gt; a+b \'`},
		{"define and call", `{{define "x"}}<{{.}}>{{end}}{{template "x" .Raw}}{{template "x" "y"}}`, "<raw><y>"},
		{"range over an int", `{{range 3}}{{.}}{{end}}`, "012"},
		{"break", `{{range .Payload.list}}{{.}}{{break}}{{end}}`, "x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tt, err := Parse(tc.text)
			require.NoError(t, err)
			got, err := tt.Render(data, Limits{Size: 1 << 10})
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestParse_refused(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"syntax", `{{`, "unclosed action"},
		{"too long", strings.Repeat("x", MaxTextBytes+1), "over the 16384 byte limit"},
		{"calls itself", `{{define "a"}}{{template "a" .}}{{end}}{{template "a" .}}`, `"a" calls itself`},
		{"calls itself through another", `{{define "a"}}{{template "b"}}{{end}}{{define "b"}}{{if true}}{{template "a"}}{{end}}{{end}}`, "calls itself"},
		{"unknown function", `{{nope}}`, `function "nope" not defined`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.text)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

// TestRender_bombs: each template of the attack (issue 19 §1) stops at its
// bound, quickly and without the memory it asked for; the same template
// renders fine again afterwards (nothing sticks).
func TestRender_bombs(t *testing.T) {
	const limit = 64 << 10
	for _, tc := range []struct {
		name, text string
		want       error
	}{
		{"300 MB of output", `{{range 30000000}}0123456789{{end}}`, ErrTooLarge},
		{"a loop that writes nothing", `{{range 1000000000000}}{{end}}`, ErrTimeout},
		{"nested loops that write nothing", `{{range 100000}}{{range 100000}}{{end}}{{end}}`, ErrTimeout},
		{"a string doubled in a loop", `{{$x := "ab"}}{{range 80}}{{$x = printf "%s%s" $x $x}}{{end}}{{len $x}}`, ErrTooLarge},
		{"many strings just under the limit", `{{$x := "ab"}}{{range 15}}{{$x = printf "%s%s" $x $x}}{{end}}{{range 1000000}}{{$y := print $x}}{{end}}`, ErrTooLarge},
		{"printf widths", `{{printf "%0999999d" 0}}`, nil},
		{"printf widths as arguments", `{{printf "%0*d" 999999 0}}`, nil},
		{"html of a huge string", `{{$x := "<"}}{{range 30}}{{$x = print $x $x}}{{end}}{{html $x}}`, ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tt, err := Parse(tc.text)
			require.NoError(t, err)
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err = tt.Render(data, Limits{Size: limit, Timeout: 200 * time.Millisecond})
			require.Error(t, err)
			if tc.want != nil {
				require.True(t, errors.Is(err, tc.want), "got %v, want %v", err, tc.want)
			}
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			if tc.want != ErrTimeout {
				// A loop that runs to its deadline makes garbage as it goes;
				// the others must stop before building what they ask for.
				require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20), "allocated for one render")
			}
		})
	}
}

func TestRender_noRuntimePanic(t *testing.T) {
	tt, err := Parse(`{{index .Payload.list 5}}`)
	require.NoError(t, err)
	_, err = tt.Render(data, Limits{Size: 100})
	require.ErrorContains(t, err, "index out of range")
}

func TestFormatWidths(t *testing.T) {
	for _, tc := range []struct {
		format string
		want   int
		bad    bool
	}{
		{"plain %s and %d", 0, false},
		{"%5s|%-3d|%.2f", 10, false},
		{"%%%4096d", 4096, false},
		{"%4097d", 0, true},
		{"%.5000f", 0, true},
		{"%*d", 0, true},
		{"%[2]*[1]d", 0, true},
		{"%[1]d", 1, false},
	} {
		got, err := formatWidths(tc.format)
		if tc.bad {
			require.Error(t, err, tc.format)
			continue
		}
		require.NoError(t, err, tc.format)
		require.Equal(t, tc.want, got, tc.format)
	}
}
