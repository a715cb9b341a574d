package app

import (
	"encoding/json"
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/app/model"
)

// The http plugin's schema: strings, an enum, an integer with bounds and
// an array of objects (row editors).
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
		"max_body_bytes": kindInteger, "ratio": kindNumber, "verbose": kindBool, "hosts": kindStrings, "routes": kindObjects}, kinds)
	require.Equal(t, "routes", f.fields[0].name, "required fields come first")
	require.Equal(t, "routes *", f.form.Items[0].Text)
	require.Equal(t, "127.0.0.1:8080", f.field("listen").entry.PlaceHolder, "the default as a hint")

	_, err = f.value()
	require.EqualError(t, err, "routes is required")
	f.field("routes").rows[0].fields[0].entry.SetText("/orders")
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

// Integers read as integers everywhere the form writes a number: the
// default in the placeholder, the bounds in the hint, the errors.
func TestSchemaForm_IntegersWithoutExponent(t *testing.T) {
	test.NewTempApp(t)
	f, err := newSchemaForm(json.RawMessage(`{"type":"object","properties":{
		"max_body_bytes": {"type": "integer", "default": 1048576, "minimum": 1, "maximum": 6291456},
		"ratio": {"type": "number", "default": 0.000001}}}`))
	require.NoError(t, err)
	fld := f.field("max_body_bytes")
	require.Equal(t, "1048576", fld.entry.PlaceHolder)
	require.Equal(t, "1–6291456", f.form.Items[0].HintText)
	require.Equal(t, "0.000001", f.field("ratio").entry.PlaceHolder)
	fld.entry.SetText("7000000")
	_, err = f.value()
	require.EqualError(t, err, "max_body_bytes: 7000000 is above the maximum 6291456")
	for _, n := range []float64{1048576, 6291456, 0.5, 1e21, -3} {
		require.NotContains(t, formatNumber(n), "e+", n)
	}
}

// An array of objects gets one row per item, with add and remove; a
// stored config fills the rows and reads back the same.
func TestSchemaForm_ArrayOfObjectsRows(t *testing.T) {
	test.NewTempApp(t)
	schema := `{"type":"object","required":["routes"],"properties":{"routes":{"type":"array","minItems":1,
		"items":{"type":"object","required":["path"],"properties":{
			"path":{"type":"string"},"method":{"enum":["GET","POST"]},"weight":{"type":"integer"}}}}}}`
	f, err := newSchemaForm(json.RawMessage(schema))
	require.NoError(t, err)
	routes := f.field("routes")
	require.Equal(t, kindObjects, routes.kind)
	require.Len(t, routes.rows, 1, "one empty row to start with")
	require.Equal(t, "path *", routes.rows[0].fields[0].entry.PlaceHolder)

	_, err = f.value()
	require.EqualError(t, err, "routes is required")
	require.True(t, routes.errLabel.Visible(), "the error shows under the field")
	require.Equal(t, "required", routes.errLabel.Text)

	routes.rows[0].fields[0].entry.SetText("/orders")
	routes.rows[0].fields[1].sel.SetSelected("POST")
	routes.addRow()
	routes.rows[1].fields[2].entry.SetText("3") // weight without a path
	_, err = f.value()
	require.EqualError(t, err, "routes: item 2: path is required")
	require.True(t, routes.rows[1].fields[0].errLabel.Visible(), "the error shows under the item's field")
	routes.rows[1].fields[0].entry.SetText("/pay")
	got, err := f.value()
	require.NoError(t, err)
	require.False(t, routes.errLabel.Visible(), "a fixed field's error goes away")
	want := `{"routes":[{"path":"/orders","method":"POST"},{"path":"/pay","weight":3}]}`
	require.JSONEq(t, want, string(got))

	routes.removeRow(routes.rows[0])
	got, err = f.value()
	require.NoError(t, err)
	require.JSONEq(t, `{"routes":[{"path":"/pay","weight":3}]}`, string(got))

	g, err := newSchemaForm(json.RawMessage(schema))
	require.NoError(t, err)
	g.set(json.RawMessage(want))
	require.Len(t, g.field("routes").rows, 2)
	again, err := g.value()
	require.NoError(t, err)
	require.JSONEq(t, want, string(again))
}

// A field the form cannot edit row by row (nested objects) is a JSON
// editor whose placeholder is a valid sample built from the schema.
func TestSchemaForm_JSONEditorShowsASample(t *testing.T) {
	test.NewTempApp(t)
	f, err := newSchemaForm(json.RawMessage(`{"type":"object","properties":{"routes":{"type":"array",
		"items":{"type":"object","properties":{"path":{"type":"string"},"match":{"type":"object",
		"properties":{"header":{"type":"string"}}}}}}}}`))
	require.NoError(t, err)
	fld := f.field("routes")
	require.Equal(t, kindJSON, fld.kind)
	require.NotEqual(t, "JSON", fld.entry.PlaceHolder)
	require.NoError(t, model.ValidatePayload(fld.entry.PlaceHolder), "the sample is JSON")
	require.JSONEq(t, `[{"path":"","match":{"header":""}}]`, fld.entry.PlaceHolder)

	fld.entry.SetText(`[{"path":`)
	_, err = f.value()
	require.Error(t, err)
	require.True(t, fld.errLabel.Visible())
	require.Contains(t, fld.errLabel.Text, "not JSON")
}
