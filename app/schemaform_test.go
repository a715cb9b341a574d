package app

import (
	"encoding/json"
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/require"
)

// The http plugin's schema: strings, an enum, an integer with bounds and
// an array of objects (a JSON editor).
const httpSchema = `{
  "type": "object", "required": ["routes"], "additionalProperties": false,
  "properties": {
    "listen": {"type": "string", "default": "127.0.0.1:8080", "description": "address to listen on"},
    "format": {"enum": ["v1", "v2"], "default": "v1"},
    "stage": {"type": "string", "pattern": "^[a-z]+$"},
    "max_body_bytes": {"type": "integer", "minimum": 1, "maximum": 6291456},
    "ratio": {"type": "number"},
    "verbose": {"type": "boolean"},
    "hosts": {"type": "array", "items": {"type": "string"}, "minItems": 1},
    "routes": {"type": "array", "minItems": 1, "items": {"type": "object", "properties": {"path": {"type": "string"}}}}
  }
}`

func TestSchemaForm_FieldsFromSchema(t *testing.T) {
	test.NewTempApp(t)
	f, err := newSchemaForm(json.RawMessage(httpSchema))
	require.NoError(t, err)
	kinds := map[string]fieldKind{}
	for _, fld := range f.fields {
		kinds[fld.name] = fld.kind
	}
	require.Equal(t, map[string]fieldKind{"listen": kindString, "format": kindEnum, "stage": kindString,
		"max_body_bytes": kindInteger, "ratio": kindNumber, "verbose": kindBool, "hosts": kindStrings, "routes": kindJSON}, kinds)
	require.Equal(t, "routes", f.fields[0].name, "required fields come first")
	require.Equal(t, "routes *", f.form.Items[0].Text)
	require.Equal(t, "127.0.0.1:8080", f.field("listen").entry.PlaceHolder, "the default as a hint")

	_, err = f.value()
	require.EqualError(t, err, "routes is required")
	f.field("routes").entry.SetText(`[{"path": "/orders"`)
	_, err = f.value()
	require.ErrorContains(t, err, "routes: payload is not JSON")
	f.field("routes").entry.SetText(`[{"path": "/orders"}]`)
	for field, bad := range map[string]string{"max_body_bytes": "0", "ratio": "x", "stage": "Prod"} {
		f.field(field).entry.SetText(bad)
		_, err = f.value()
		require.ErrorContains(t, err, field+": ", bad)
		f.field(field).entry.SetText("")
	}
	f.field("listen").entry.SetText("127.0.0.1:0")
	f.field("format").sel.SetSelected("v2")
	f.field("max_body_bytes").entry.SetText("1024")
	f.field("ratio").entry.SetText("0.5")
	f.field("verbose").check.SetChecked(true)
	f.field("hosts").entry.SetText("a.local\n\n b.local \n")
	got, err := f.value()
	require.NoError(t, err)
	want := `{"routes":[{"path":"/orders"}],"listen":"127.0.0.1:0","format":"v2","max_body_bytes":1024,"ratio":0.5,
		"verbose":true,"hosts":["a.local","b.local"]}`
	require.JSONEq(t, want, string(got))

	// A stored config fills a fresh form, which reads back the same.
	g, err := newSchemaForm(json.RawMessage(httpSchema))
	require.NoError(t, err)
	g.set(got)
	again, err := g.value()
	require.NoError(t, err)
	require.JSONEq(t, want, string(again))
	require.Equal(t, "v2", g.field("format").sel.Selected)
}

func TestSchemaForm_NoPropertiesIsAJSONEditor(t *testing.T) {
	test.NewTempApp(t)
	f, err := newSchemaForm(nil)
	require.NoError(t, err)
	require.Len(t, f.fields, 1)
	got, err := f.value()
	require.NoError(t, err)
	require.JSONEq(t, `{}`, string(got))
	f.fields[0].entry.SetText(`{"a": [1, 2]}`)
	got, err = f.value()
	require.NoError(t, err)
	require.Equal(t, `{"a":[1,2]}`, string(got))
	f.fields[0].entry.SetText(`{"a":`)
	_, err = f.value()
	require.ErrorContains(t, err, "config: payload is not JSON")

	_, err = newSchemaForm(json.RawMessage(`{"type":`))
	require.ErrorContains(t, err, "not JSON")
}
