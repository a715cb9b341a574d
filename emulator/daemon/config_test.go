package daemon

import (
	"flag"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	env := map[string]string{"IRONLOCAL_LISTEN": "127.0.0.1:9999", "IRONLOCAL_EPHEMERAL": "true", "IRONLOCAL_TOKEN": "a,b"}
	getenv := func(k string) string { return env[k] }

	t.Run("environment gives defaults", func(t *testing.T) {
		c, err := Parse("ironlocald", nil, getenv)
		require.NoError(t, err)
		require.Equal(t, "127.0.0.1:9999", c.Listen)
		require.True(t, c.Ephemeral)
		require.True(t, c.Strict())
		require.Equal(t, "a", c.Token(DefaultToken))
		require.Equal(t, DefaultProject, c.Project(DefaultProject))
	})
	t.Run("flag wins", func(t *testing.T) {
		c, err := Parse("ironlocald", []string{"--listen", "127.0.0.1:0", "--ephemeral=false"}, getenv)
		require.NoError(t, err)
		require.Equal(t, "127.0.0.1:0", c.Listen)
		require.False(t, c.Ephemeral)
	})
	t.Run("refusals", func(t *testing.T) {
		for name, args := range map[string][]string{
			"unknown flag":   {"--nope"},
			"positional":     {"serve"},
			"log level":      {"--log-level", "loud"},
			"labels":         {"--container-labels", "novalue"},
			"stack image":    {"--stack-image", "=x"},
			"non-int number": {"--task-slots", "many"},
		} {
			_, err := Parse("ironlocald", args, getenv)
			require.Error(t, err, name)
			require.NotErrorIs(t, err, flag.ErrHelp, name)
		}
	})
	t.Run("options", func(t *testing.T) {
		c, err := Parse("ironlocald", []string{"--container-labels", "k=v", "--project", "p1, p2"}, getenv)
		require.NoError(t, err)
		o := c.Options(nil)
		require.Equal(t, map[string]string{"k": "v"}, o.ContainerLabels)
		require.Equal(t, []string{"p1", "p2"}, o.Projects)
		require.Equal(t, []string{"a", "b"}, o.Tokens)
	})
}

func TestParse_codeLimits(t *testing.T) {
	getenv := func(k string) string {
		return map[string]string{"IRONLOCAL_MAX_CODE_BYTES": "1048576", "IRONLOCAL_MAX_CODE_ENTRIES": "7"}[k]
	}
	c, err := Parse("ironlocald", []string{"--max-code-entries", "10"}, getenv)
	require.NoError(t, err)
	o := c.Options(nil)
	require.Equal(t, int64(1<<20), o.MaxCodeBytes, "from the environment")
	require.Equal(t, 10, o.MaxCodeEntries, "the flag wins")

	c, err = Parse("ironlocald", nil, func(string) string { return "" })
	require.NoError(t, err)
	require.Zero(t, c.Options(nil).MaxCodeBytes, "0 = the default, 512 MiB")
}

func TestHostPort(t *testing.T) {
	for url, want := range map[string][2]string{
		"http://127.0.0.1:4766":  {"127.0.0.1", "4766"},
		"http://0.0.0.0:80/":     {"127.0.0.1", "80"},
		"http://[::]:1234":       {"127.0.0.1", "1234"},
		"https://example.test:9": {"example.test", "9"},
	} {
		h, p := HostPort(url)
		require.Equal(t, want, [2]string{h, p}, url)
	}
}
