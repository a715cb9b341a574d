package seed_test

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator/seed"
)

func parse(t *testing.T, in string) (*seed.File, error) {
	t.Helper()
	return seed.Parse(strings.NewReader(in))
}

func TestParse_Example(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "fixtures", "seed", "example.json"))
	require.NoError(t, err)
	defer f.Close()

	got, err := seed.Parse(f)
	require.NoError(t, err)
	require.Equal(t, 1, got.Version, "ironlocal_seed")
	require.Equal(t, "000000000000000000000001", got.ProjectID, "project_id")
	require.Len(t, got.Queues, 2, "queues")
	require.Equal(t, "jobs", got.Queues[0].Name)
	require.Equal(t, 60, *got.Queues[0].MessageTimeout, "message_timeout")
	require.Nil(t, got.Queues[0].MessageExpiration, "message_expiration unset")
	require.Equal(t, []seed.Message{{Body: `{"job":1}`}, {Body: `{"job":2}`}, {Body: "later", Delay: 3600}}, got.Queues[0].Messages)
	require.Len(t, got.Caches, 1, "caches")
	require.Equal(t, []seed.Item{
		{Key: "mode", Value: json.RawMessage(`"test"`)},
		{Key: "hits", Value: json.RawMessage(`0`)},
		{Key: "session", Value: json.RawMessage(`"abc"`), ExpiresIn: 3600},
	}, got.Caches[0].Items, "items keep their JSON values")
	require.Len(t, got.Codes, 1, "codes")
	require.Equal(t, map[string]string{"GREETING": "hi"}, got.Codes[0].EnvVars, "env_vars")
	require.Len(t, got.Schedules, 1, "schedules")
	require.True(t, got.Schedules[0].StartAt.Equal(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)), "start_at: got %s", got.Schedules[0].StartAt)
}

func TestParse_Project(t *testing.T) {
	t.Run("default", func(t *testing.T) {
		got, err := parse(t, `{"ironlocal_seed":1}`)
		require.NoError(t, err)
		require.Equal(t, seed.DefaultProject, got.ProjectID, "project_id")
	})
	t.Run("given", func(t *testing.T) {
		got, err := parse(t, `{"ironlocal_seed":1,"project_id":"5f0c6e8a1b2c3d4e5f6a7b8c"}`)
		require.NoError(t, err)
		require.Equal(t, "5f0c6e8a1b2c3d4e5f6a7b8c", got.ProjectID, "project_id")
	})
	t.Run("per entry", func(t *testing.T) {
		got, err := parse(t, `{"ironlocal_seed":1,"queues":[{"name":"q","project_id":"5f0c6e8a1b2c3d4e5f6a7b8c"}]}`)
		require.NoError(t, err)
		require.Equal(t, seed.DefaultProject, got.ProjectID, "file project_id")
		require.Equal(t, "5f0c6e8a1b2c3d4e5f6a7b8c", got.Queues[0].ProjectID, "entry project_id")
	})
}

func TestParse_Errors(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		// want are parts the error must contain.
		want []string
	}{
		{
			name: "syntax error points at the character",
			in:   "{\n  \"ironlocal_seed\": 1,\n  \"queues\": [\n    {\"name\": \"a\",}\n  ]\n}",
			want: []string{"line 4, column 18:", "invalid character '}'"},
		},
		{
			name: "syntax error on the first line",
			in:   `{"ironlocal_seed" 1}`,
			want: []string{"line 1, column 19:", "invalid character '1'"},
		},
		{
			name: "type error points at the value",
			in:   "{\n  \"ironlocal_seed\": 1,\n  \"schedules\": [\n    {\"code_name\": \"a\", \"run_every\": \"5\"}\n  ]\n}",
			want: []string{"line 4, column 37:", `field "schedules.run_every" must be int, not string`},
		},
		{
			name: "type error on a number",
			in:   "{\"ironlocal_seed\": 1,\n \"queues\": [{\"name\": \"a\", \"messages\": [{\"body\": 123}]}]}",
			want: []string{"line 2, column 49:", `field "queues.messages.body" must be string, not number`},
		},
		{
			name: "type error on an object",
			in:   "{\"ironlocal_seed\": 1,\n\"queues\": {\"name\": \"a\"}}",
			want: []string{"line 2, column 11:", `field "queues"`, "object"},
		},
		{
			name: "type error on a string with escapes",
			in:   `{"ironlocal_seed": 1, "caches": [{"name": "c", "items": [{"key": "k", "expires_in": "a\"b"}]}]}`,
			want: []string{"line 1, column 85:", `field "caches.items.expires_in" must be int, not string`},
		},
		{
			name: "version of the wrong type",
			in:   `{"ironlocal_seed": "1"}`,
			want: []string{"line 1, column 20:", `field "ironlocal_seed" must be int`},
		},
		{
			name: "unknown field is named",
			in:   `{"ironlocal_seed": 1, "queues": [{"nmae": "a"}]}`,
			want: []string{`unknown field "nmae"`},
		},
		{
			name: "unknown top-level field is named",
			in:   `{"ironlocal_seed": 1, "queue": []}`,
			want: []string{`unknown field "queue"`},
		},
		{
			name: "data after the object",
			in:   "{\"ironlocal_seed\": 1}\n}",
			want: []string{"line 2, column 1:", "unexpected data after the seed object"},
		},
		{
			name: "a second object",
			in:   `{"ironlocal_seed": 1} {"ironlocal_seed": 1}`,
			want: []string{"line 1, column 23:", "unexpected data after the seed object"},
		},
		{
			name: "truncated",
			in:   `{"ironlocal_seed": 1, "queues": [`,
			want: []string{"unexpected end of file"},
		},
		{
			name: "empty",
			in:   ``,
			want: []string{"unexpected end of file"},
		},
		{
			name: "missing version",
			in:   `{"queues": []}`,
			want: []string{`"ironlocal_seed"`, "required"},
		},
		{
			name: "version 0",
			in:   `{"ironlocal_seed": 0}`,
			want: []string{`"ironlocal_seed"`, "required"},
		},
		{
			name: "newer version",
			in:   `{"ironlocal_seed": 2}`,
			want: []string{"format version 2 is newer", "(1)", "upgrade ironlocal"},
		},
		{
			name: "project id the API refuses",
			in:   `{"ironlocal_seed": 1, "project_id": "` + strings.Repeat("a", 256) + `"}`,
			want: []string{"seed: project_id: Invalid project id: at most 255 bytes, no NUL"},
		},
		{
			name: "entry project id the API refuses",
			in:   `{"ironlocal_seed": 1, "queues": [{"name": "q", "project_id": "` + strings.Repeat("a", 300) + `"}]}`,
			want: []string{`seed: queues[0] ("q").project_id: Invalid project id`},
		},
		{
			name: "project id with NUL",
			in:   `{"ironlocal_seed": 1, "caches": [{"name": "c", "project_id": "p\u0000q"}]}`,
			want: []string{`seed: caches[0] ("c").project_id: Invalid project id`},
		},
		{
			name: "code project id",
			in:   `{"ironlocal_seed": 1, "codes": [{"name": "c", "project_id": "` + strings.Repeat("b", 256) + `"}]}`,
			want: []string{`seed: codes[0] ("c").project_id: Invalid project id`},
		},
		{
			name: "schedule project id",
			in:   `{"ironlocal_seed": 1, "schedules": [{"code_name": "c", "project_id": "` + strings.Repeat("b", 256) + `"}]}`,
			want: []string{`seed: schedules[0] (code "c").project_id: Invalid project id`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parse(t, tc.in)
			require.Error(t, err, "got %+v, want an error", got)
			require.Nil(t, got, "file on error")
			require.True(t, strings.HasPrefix(err.Error(), "seed: "), "got %q, want the seed: prefix", err)
			for _, w := range tc.want {
				require.Contains(t, err.Error(), w, "error")
			}
		})
	}
}

// endless is an endless stream of one byte, like /dev/zero.
type endless byte

func (e endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(e)
	}
	return len(p), nil
}

func TestParse_SizeCap(t *testing.T) {
	t.Run("an endless stream ends at the cap", func(t *testing.T) {
		// Spaces are valid JSON whitespace: only the cap can end this.
		got, err := seed.Parse(endless(' '))
		require.Nil(t, got)
		require.EqualError(t, err, fmt.Sprintf("seed: the file is larger than the %d MiB limit", seed.MaxSize>>20))
	})
	t.Run("a seed of exactly the cap is read", func(t *testing.T) {
		head := `{"ironlocal_seed": 1}`
		got, err := seed.Parse(io.MultiReader(strings.NewReader(head), io.LimitReader(endless(' '), seed.MaxSize-int64(len(head)))))
		require.NoError(t, err)
		require.Equal(t, 1, got.Version)
	})
}
