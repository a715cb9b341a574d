package trigger

import (
	"encoding/json"
	"io"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRedactText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"redis://:pw@h:6379", "redis://:xxxxx@h:6379"},
		{"redis://user:pw@h:6379/2", "redis://user:xxxxx@h:6379/2"},
		{"reconnecting to redis://u:p%40ss@h:1: dial tcp: refused", "reconnecting to redis://u:xxxxx@h:1: dial tcp: refused"},
		{"redis://u:p@ss@h:1", "redis://u:xxxxx@h:1"}, // net/url splits at the last @
		{"a amqp://x:y@q/v and https://k:s@h/p?q=1", "a amqp://x:xxxxx@q/v and https://k:xxxxx@h/p?q=1"},
		{"redis://h:6379", "redis://h:6379"},
		{"redis://user@h:6379", "redis://user@h:6379"},
		{"http://h:80/p?a=b@c", "http://h:80/p?a=b@c"},
		{"no url: a:b@c", "no url: a:b@c"},
	} {
		require.Equal(t, tc.want, redactText(tc.in), tc.in)
	}
}

const testSchema = `{"type":"object","properties":{
  "url": {"type":"string"},
  "dsn": {"type":"string","writeOnly":true},
  "pin": {"type":"integer","writeOnly":true},
  "auth": {"type":"object","writeOnly":true},
  "targets": {"type":"array","items":{"type":"object","properties":{"key":{"type":"string","writeOnly":true}}}}
}}`

func TestRedactConfig(t *testing.T) {
	for _, tc := range []struct {
		name, in, schema, want string
	}{
		{"nothing secret", `{"keys":["a"],"n":1.50}`, testSchema, `{"keys":["a"],"n":1.50}`},
		{"url password", `{"url":"redis://:pw@h:1"}`, "", `{"url":"redis://:xxxxx@h:1"}`},
		{"named fields", `{"password":"p","api_token":"t","nested":{"secret":"s","x":1}}`, "",
			`{"password":"xxxxx","api_token":"xxxxx","nested":{"secret":"xxxxx","x":1}}`},
		{"empty secret stays empty", `{"password":""}`, "", `{"password":""}`},
		{"writeOnly fields", `{"dsn":"postgres://h/db","pin":1234,"auth":{"user":"u","key":"k"},"targets":[{"key":"k1","name":"n"}]}`,
			testSchema, `{"dsn":"xxxxx","pin":"xxxxx","auth":{"user":"xxxxx","key":"xxxxx"},"targets":[{"key":"xxxxx","name":"n"}]}`},
		{"writeOnly unknown without the schema", `{"dsn":"postgres://h/db"}`, "", `{"dsn":"postgres://h/db"}`},
		{"not JSON", `{"url":"redis://:pw@h`, "", `{"url":"redis://:xxxxx@h`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := redactConfig(json.RawMessage(tc.in), []byte(tc.schema))
			if json.Valid([]byte(tc.want)) {
				require.JSONEq(t, tc.want, string(got))
			} else {
				require.Equal(t, tc.want, string(got))
			}
		})
	}
	raw := json.RawMessage(`{"b": 1, "a": 2}`)
	require.Equal(t, string(raw), string(redactConfig(raw, nil)), "a config without secrets is shown as stored")
}

func TestRestoreSecrets(t *testing.T) {
	stored := `{"url":"redis://u:pw@h:1","password":"p","pin":1234,"keys":["a"],"plain":"xxxxx",` +
		`"targets":[{"key":"k1"},{"key":"k2"}]}`
	shown := string(redactConfig(json.RawMessage(stored), []byte(testSchema)))
	require.NotContains(t, shown, `"p"`)
	for _, tc := range []struct {
		name, in, want string
	}{
		{"sent back as shown", shown, stored},
		{"another key, secrets as shown",
			`{"url":"redis://u:xxxxx@h:1","password":"xxxxx","pin":"xxxxx","keys":["a","b"],"plain":"xxxxx","targets":[{"key":"xxxxx"},{"key":"xxxxx"}]}`,
			`{"url":"redis://u:pw@h:1","password":"p","pin":1234,"keys":["a","b"],"plain":"xxxxx","targets":[{"key":"k1"},{"key":"k2"}]}`},
		{"new values are the client's",
			`{"url":"redis://u:new@h:1","password":"new","pin":1,"keys":["a"],"plain":"y","targets":[{"key":"n1"}]}`,
			`{"url":"redis://u:new@h:1","password":"new","pin":1,"keys":["a"],"plain":"y","targets":[{"key":"n1"}]}`},
		{"a URL's host edited, its password as shown",
			`{"url":"redis://u:xxxxx@other:2/3"}`, `{"url":"redis://u:pw@other:2/3"}`},
		{"a secret removed stays removed", `{"keys":["a"]}`, `{"keys":["a"]}`},
		{"a shown value moved elsewhere is not restored", `{"other":"xxxxx"}`, `{"other":"xxxxx"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := restoreSecrets(json.RawMessage(tc.in), json.RawMessage(stored), []byte(testSchema))
			require.JSONEq(t, tc.want, string(got))
		})
	}
	// A plain value that happens to read xxxxx was never hidden: a client
	// that sends xxxxx there means it.
	got := restoreSecrets(json.RawMessage(`{"plain":"xxxxx"}`), json.RawMessage(`{"plain":"real"}`), nil)
	require.JSONEq(t, `{"plain":"xxxxx"}`, string(got))
	in := json.RawMessage(`{"keys": ["a"]}`)
	require.Equal(t, string(in), string(restoreSecrets(in, json.RawMessage(`{"keys":["b"]}`), nil)), "nothing hidden, nothing touched")
}

func TestRedactAttrs(t *testing.T) {
	require.Equal(t, map[string]string{"url": "redis://:xxxxx@h:1", "token": "xxxxx", "auth": "password", "empty_token": ""},
		redactAttrs(map[string]string{"url": "redis://:pw@h:1", "token": "t", "auth": "password", "empty_token": ""}))
	require.Nil(t, redactAttrs(nil))
}

func TestPluginLog_RedactsURLPasswords(t *testing.T) {
	l := newPluginLog(slog.New(slog.NewTextHandler(io.Discard, nil)))
	_, err := l.Write([]byte("[WARN]  redis connection lost: url=redis://:pw@h:1\n"))
	require.NoError(t, err)
	require.Equal(t, []string{"[WARN]  redis connection lost: url=redis://:xxxxx@h:1"}, l.Lines())
}
