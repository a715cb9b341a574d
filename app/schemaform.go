package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
)

// A form generated from a trigger plugin's config JSON Schema (the subset
// plugins use: an object of string, number, integer, boolean, enum,
// array-of-strings and array-of-flat-objects properties, the last with one
// row editor per item). Anything else — nested objects, arrays of nested
// objects — gets a JSON editor prefilled with a sample built from the
// schema. The form checks what it can before any request: required
// fields, types, enums, bounds, minLength, pattern, each error shown under
// its field; ironlocal checks the whole schema again on save.

// fieldKind is how a property is edited.
type fieldKind int

const (
	kindString  fieldKind = iota
	kindNumber            // "number"
	kindInteger           // "integer"
	kindBool              // "boolean"
	kindEnum              // a single value among enum
	kindStrings           // array of strings, one a line
	kindEnumSet           // array of enum values: a check group
	kindObjects           // array of flat objects: one row editor per item
	kindJSON              // anything else: raw JSON
)

// schemaProp is the part of a JSON Schema the form reads.
type schemaProp struct {
	Type        any                    `json:"type"` // string or list of strings
	Enum        []any                  `json:"enum"`
	Default     any                    `json:"default"`
	Examples    []any                  `json:"examples"`
	Description string                 `json:"description"`
	Minimum     *float64               `json:"minimum"`
	Maximum     *float64               `json:"maximum"`
	MinLength   *int                   `json:"minLength"`
	MinItems    *int                   `json:"minItems"`
	Pattern     string                 `json:"pattern"`
	Items       *schemaProp            `json:"items"`
	Properties  map[string]*schemaProp `json:"properties"`
	Required    []string               `json:"required"`
}

func (p *schemaProp) types() []string {
	switch t := p.Type.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, v := range t {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func (p *schemaProp) is(t string) bool { return slices.Contains(p.types(), t) }

// enumStrings is p's enum when every value is a string.
func (p *schemaProp) enumStrings() ([]string, bool) {
	if len(p.Enum) == 0 {
		return nil, false
	}
	out := make([]string, 0, len(p.Enum))
	for _, v := range p.Enum {
		s, ok := v.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func kindOf(p *schemaProp) fieldKind {
	if _, ok := p.enumStrings(); ok {
		return kindEnum
	}
	switch {
	case p.is("boolean"):
		return kindBool
	case p.is("integer"):
		return kindInteger
	case p.is("number"):
		return kindNumber
	case p.is("string"):
		return kindString
	case p.is("array") && p.Items != nil:
		if _, ok := p.Items.enumStrings(); ok {
			return kindEnumSet
		}
		if p.Items.is("string") && len(p.Items.types()) == 1 {
			return kindStrings
		}
		if flatObject(p.Items) {
			return kindObjects
		}
	}
	return kindJSON
}

// flatObject reports whether p is an object whose properties are all edited
// by a single widget (a row editor can hold one).
func flatObject(p *schemaProp) bool {
	if !p.is("object") || len(p.Properties) == 0 {
		return false
	}
	for _, sub := range p.Properties {
		if sub == nil {
			return false
		}
		switch kindOf(sub) {
		case kindString, kindNumber, kindInteger, kindBool, kindEnum:
		default:
			return false
		}
	}
	return true
}

// formatNumber writes a schema number as people do: integers without a
// fraction or exponent (1048576, not 1.048576e+06), others in full.
func formatNumber(n float64) string {
	return strconv.FormatFloat(n, 'f', -1, 64)
}

// formatDefault is a default value as the placeholder shows it.
func formatDefault(v any) string {
	switch x := v.(type) {
	case float64:
		return formatNumber(x)
	case string:
		return x
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// sample is a valid example of p for a JSON editor's placeholder: the
// schema's example or default, else one built from its properties.
func sample(p *schemaProp, depth int) any {
	if len(p.Examples) > 0 {
		return p.Examples[0]
	}
	if p.Default != nil {
		return p.Default
	}
	if len(p.Enum) > 0 {
		return p.Enum[0]
	}
	if depth > 4 {
		return nil
	}
	switch {
	case p.is("object"):
		m := map[string]any{}
		for n, sub := range p.Properties {
			if sub != nil {
				m[n] = sample(sub, depth+1)
			}
		}
		return m
	case p.is("array"):
		if p.Items == nil {
			return []any{}
		}
		return []any{sample(p.Items, depth+1)}
	case p.is("string"):
		return ""
	case p.is("integer"), p.is("number"):
		if p.Minimum != nil {
			return *p.Minimum
		}
		return 0
	case p.is("boolean"):
		return false
	}
	return nil
}

// schemaField is one property of the config and its widget.
type schemaField struct {
	name     string
	prop     *schemaProp
	kind     fieldKind
	required bool
	pattern  *regexp.Regexp

	entry  *widget.Entry // string, number, integer, strings, JSON
	check  *widget.Check
	sel    *widget.Select
	checks *widget.CheckGroup

	// kindObjects: one row per item, each a field per property.
	rows    []*objectRow
	rowsBox *fyne.Container
	subs    []string // the items' property names, required first

	// errLabel is under the field: what is wrong with it (hidden when
	// nothing is).
	errLabel *widget.Label
	box      *fyne.Container
}

// objectRow is one item of an array of objects.
type objectRow struct {
	fields []*schemaField
	root   fyne.CanvasObject
}

// schemaForm is the generated form of one plugin's config.
type schemaForm struct {
	fields []*schemaField
	form   *widget.Form
}

// noValue is the choice of an optional enum left unset.
const noValue = "(default)"

// newSchemaForm builds the form for schema (a JSON Schema object); a
// schema without properties gets a single JSON editor.
func newSchemaForm(schema json.RawMessage) (*schemaForm, error) {
	var root schemaProp
	if len(bytes.TrimSpace(schema)) > 0 {
		if err := json.Unmarshal(schema, &root); err != nil {
			return nil, fmt.Errorf("the plugin's config schema is not JSON: %v", err)
		}
	}
	f := &schemaForm{form: widget.NewForm()}
	if len(root.Properties) == 0 {
		root.Properties = map[string]*schemaProp{"": {}}
	}
	names := make([]string, 0, len(root.Properties))
	for n := range root.Properties {
		names = append(names, n)
	}
	// Required fields first, then by name: the schema's order is lost in
	// a JSON object, and what must be filled in belongs at the top.
	slices.SortFunc(names, func(a, b string) int {
		ra, rb := slices.Contains(root.Required, a), slices.Contains(root.Required, b)
		if ra != rb {
			if ra {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	for _, n := range names {
		p := root.Properties[n]
		if p == nil {
			p = &schemaProp{}
		}
		fld := newSchemaField(n, p, slices.Contains(root.Required, n))
		label := n
		if n == "" {
			label = "Config (JSON)"
		}
		if fld.required {
			label += " *"
		}
		item := widget.NewFormItem(label, fld.box)
		item.HintText = fld.hint()
		f.form.AppendItem(item)
		f.fields = append(f.fields, fld)
	}
	return f, nil
}

func newSchemaField(name string, p *schemaProp, required bool) *schemaField {
	fld := &schemaField{name: name, prop: p, kind: kindOf(p), required: required}
	if p.Pattern != "" {
		re, err := regexp.Compile(p.Pattern)
		if err == nil { // a pattern Go cannot compile is left to the server
			fld.pattern = re
		}
	}
	fld.build()
	return fld
}

// sortedNames is p's property names, required first, then by name.
func sortedNames(p *schemaProp) []string {
	names := make([]string, 0, len(p.Properties))
	for n := range p.Properties {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int {
		ra, rb := slices.Contains(p.Required, a), slices.Contains(p.Required, b)
		if ra != rb {
			if ra {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	return names
}

func (f *schemaField) build() {
	f.errLabel = widget.NewLabel("")
	f.errLabel.Importance = widget.DangerImportance
	f.errLabel.Wrapping = fyne.TextWrapWord
	f.errLabel.Hide()
	defer func() { f.box = container.NewVBox(f.editor(), f.errLabel) }()
	p := f.prop
	switch f.kind {
	case kindBool:
		f.check = widget.NewCheck("", nil)
		if b, ok := p.Default.(bool); ok {
			f.check.SetChecked(b)
		}
	case kindEnum:
		opts, _ := p.enumStrings()
		if !f.required {
			opts = append([]string{noValue}, opts...)
		}
		f.sel = widget.NewSelect(opts, nil)
		f.sel.SetSelectedIndex(0)
	case kindEnumSet:
		opts, _ := p.Items.enumStrings()
		f.checks = widget.NewCheckGroup(opts, nil)
		f.checks.Horizontal = true
	case kindObjects:
		f.subs = sortedNames(p.Items)
		f.rowsBox = container.NewVBox()
		f.addRow()
	default:
		f.entry = widget.NewEntry()
		switch f.kind {
		case kindStrings:
			f.entry.MultiLine = true
			f.entry.SetMinRowsVisible(2)
			f.entry.SetPlaceHolder("one a line")
		case kindJSON:
			f.entry.MultiLine = true
			f.entry.TextStyle = fyne.TextStyle{Monospace: true}
			f.entry.SetMinRowsVisible(4)
			f.entry.SetPlaceHolder("JSON")
			if b, err := json.MarshalIndent(sample(p, 0), "", "  "); err == nil && f.name != "" {
				f.entry.SetPlaceHolder(string(b))
			}
		default:
			if p.Default != nil {
				f.entry.SetPlaceHolder(formatDefault(p.Default))
			} else if f.name != "" && len(p.Examples) > 0 {
				f.entry.SetPlaceHolder(formatDefault(p.Examples[0]))
			}
		}
	}
}

// addRow adds an item's row editor (kindObjects).
func (f *schemaField) addRow() *objectRow {
	r := &objectRow{}
	cells := make([]fyne.CanvasObject, 0, len(f.subs))
	for _, n := range f.subs {
		sp := f.prop.Items.Properties[n]
		sub := newSchemaField(n, sp, slices.Contains(f.prop.Items.Required, n))
		label := n
		if sub.required {
			label += " *"
		}
		if sub.entry != nil {
			if sub.entry.PlaceHolder != "" {
				label += " (" + sub.entry.PlaceHolder + ")"
			}
			sub.entry.SetPlaceHolder(label)
		} else if sub.check != nil {
			sub.check.Text = label
		}
		r.fields = append(r.fields, sub)
		cells = append(cells, sub.box)
	}
	remove := widget.NewButtonWithIcon("", theme.ContentRemoveIcon(), func() { f.removeRow(r) })
	remove.Importance = widget.LowImportance
	r.root = container.NewBorder(nil, nil, nil, remove, container.NewGridWithColumns(len(cells), cells...))
	f.rows = append(f.rows, r)
	f.rowsBox.Add(r.root)
	return r
}

func (f *schemaField) removeRow(r *objectRow) {
	i := slices.Index(f.rows, r)
	if i < 0 {
		return
	}
	f.rows = slices.Delete(f.rows, i, i+1)
	f.rowsBox.Remove(r.root)
}

// editor is the field's input widget.
func (f *schemaField) editor() fyne.CanvasObject {
	if f.kind == kindObjects {
		add := widget.NewButtonWithIcon("Add "+singular(f.name), theme.ContentAddIcon(), func() { f.addRow() })
		return container.NewVBox(f.rowsBox, container.NewHBox(add))
	}
	return f.widget()
}

// singular is "route" for "routes" (the add button's label).
func singular(name string) string {
	if s, ok := strings.CutSuffix(name, "s"); ok && s != "" {
		return s
	}
	if name == "" {
		return "item"
	}
	return name
}

// setErr shows err under the field (nil hides it).
func (f *schemaField) setErr(err error) {
	if err == nil {
		f.errLabel.SetText("")
		f.errLabel.Hide()
		return
	}
	f.errLabel.SetText(err.Error())
	f.errLabel.Show()
}

func (f *schemaField) widget() fyne.CanvasObject {
	switch {
	case f.check != nil:
		return f.check
	case f.sel != nil:
		return f.sel
	case f.checks != nil:
		return f.checks
	}
	return f.entry
}

// hint is the line under the field: its description and limits.
func (f *schemaField) hint() string {
	p := f.prop
	var parts []string
	if p.Description != "" {
		parts = append(parts, p.Description)
	}
	switch {
	case p.Minimum != nil && p.Maximum != nil:
		parts = append(parts, formatNumber(*p.Minimum)+"–"+formatNumber(*p.Maximum))
	case p.Minimum != nil:
		parts = append(parts, "≥ "+formatNumber(*p.Minimum))
	case p.Maximum != nil:
		parts = append(parts, "≤ "+formatNumber(*p.Maximum))
	}
	if f.kind == kindJSON && f.name != "" {
		parts = append(parts, "JSON (the placeholder is a valid sample)")
	}
	return strings.Join(parts, " · ")
}

// value reads the form into the config object; a field that cannot be
// right is an error naming it, and nothing is sent.
func (f *schemaForm) value() (json.RawMessage, error) {
	if len(f.fields) == 1 && f.fields[0].name == "" {
		s := strings.TrimSpace(f.fields[0].entry.Text)
		if s == "" {
			return json.RawMessage(`{}`), nil
		}
		if err := model.ValidatePayload(s); err != nil {
			return nil, fmt.Errorf("config: %v", err)
		}
		return json.RawMessage(model.CompactJSON(s)), nil
	}
	out := map[string]any{}
	var first error
	for _, fld := range f.fields {
		v, set, err := fld.checked()
		fld.setErr(err)
		if err != nil {
			if first == nil {
				first = fmt.Errorf("%s: %v", fld.name, err)
				if errors.Is(err, errRequired) {
					first = fmt.Errorf("%s is required", fld.name)
				}
			}
			continue
		}
		if set {
			out[fld.name] = v
		}
	}
	if first != nil {
		return nil, first
	}
	b, err := json.Marshal(out)
	return b, err
}

var errRequired = errors.New("required")

// checked is the field's value and whether it is set; a required field
// left empty is errRequired.
func (f *schemaField) checked() (any, bool, error) {
	v, set, err := f.value()
	if err == nil && !set && f.required {
		return nil, false, errRequired
	}
	return v, set, err
}

// value is the field's value and whether it is set.
func (f *schemaField) value() (any, bool, error) {
	p := f.prop
	switch f.kind {
	case kindBool:
		if !f.required && p.Default == nil && !f.check.Checked {
			return nil, false, nil
		}
		return f.check.Checked, true, nil
	case kindEnum:
		if f.sel.Selected == "" || f.sel.Selected == noValue {
			return nil, false, nil
		}
		return f.sel.Selected, true, nil
	case kindEnumSet:
		if len(f.checks.Selected) == 0 {
			return nil, false, f.minItems(0)
		}
		return f.checks.Selected, true, f.minItems(len(f.checks.Selected))
	case kindObjects:
		return f.objectsValue()
	}
	text := f.entry.Text
	if strings.TrimSpace(text) == "" {
		return nil, false, nil
	}
	switch f.kind {
	case kindInteger, kindNumber:
		n, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
			return nil, false, fmt.Errorf("%q is not a number", text)
		}
		if f.kind == kindInteger && n != math.Trunc(n) {
			return nil, false, fmt.Errorf("%q is not a whole number", text)
		}
		if p.Minimum != nil && n < *p.Minimum {
			return nil, false, fmt.Errorf("%s is below the minimum %s", formatNumber(n), formatNumber(*p.Minimum))
		}
		if p.Maximum != nil && n > *p.Maximum {
			return nil, false, fmt.Errorf("%s is above the maximum %s", formatNumber(n), formatNumber(*p.Maximum))
		}
		if f.kind == kindInteger {
			return int64(n), true, nil
		}
		return n, true, nil
	case kindStrings:
		var list []string
		for _, line := range strings.Split(text, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				list = append(list, line)
			}
		}
		return list, true, f.minItems(len(list))
	case kindJSON:
		if err := model.ValidatePayload(text); err != nil {
			return nil, false, err
		}
		return json.RawMessage(model.CompactJSON(text)), true, nil
	}
	if p.MinLength != nil && utf8.RuneCountInString(text) < *p.MinLength {
		return nil, false, fmt.Errorf("at least %d characters", *p.MinLength)
	}
	if f.pattern != nil && !f.pattern.MatchString(text) {
		return nil, false, fmt.Errorf("%q does not match %s", text, p.Pattern)
	}
	return text, true, nil
}

// objectsValue reads the rows of an array of objects; a row left empty is
// skipped, and an error names the item ("item 2: path is required").
func (f *schemaField) objectsValue() (any, bool, error) {
	var list []map[string]any
	var first error
	for i, r := range f.rows {
		item := map[string]any{}
		var missing []*schemaField
		var rowErr error
		for _, sub := range r.fields {
			v, set, err := sub.value()
			sub.setErr(err)
			if err != nil && rowErr == nil {
				rowErr = fmt.Errorf("item %d: %s: %v", i+1, sub.name, err)
			}
			if set {
				item[sub.name] = v
			} else if sub.required {
				missing = append(missing, sub)
			}
		}
		if len(item) == 0 && rowErr == nil {
			continue // an empty row
		}
		for _, sub := range missing {
			sub.setErr(errRequired)
			if rowErr == nil {
				rowErr = fmt.Errorf("item %d: %s is required", i+1, sub.name)
			}
		}
		if first == nil {
			first = rowErr
		}
		list = append(list, item)
	}
	if first != nil {
		return nil, false, first
	}
	if len(list) == 0 {
		return nil, false, nil // unset: required or not, checked() says
	}
	return list, true, f.minItems(len(list))
}

func (f *schemaField) minItems(n int) error {
	if f.prop.MinItems != nil && n < *f.prop.MinItems && (n > 0 || f.required) {
		return fmt.Errorf("at least %d", *f.prop.MinItems)
	}
	return nil
}

// set fills the form from a stored config (editing a binding).
func (f *schemaForm) set(config json.RawMessage) {
	if len(f.fields) == 1 && f.fields[0].name == "" {
		f.fields[0].entry.SetText(model.PrettyJSON(string(config)))
		return
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(config, &m) != nil {
		return
	}
	for _, fld := range f.fields {
		raw, ok := m[fld.name]
		if !ok {
			continue
		}
		fld.set(raw)
	}
}

func (f *schemaField) set(raw json.RawMessage) {
	switch f.kind {
	case kindBool:
		var b bool
		if json.Unmarshal(raw, &b) == nil {
			f.check.SetChecked(b)
		}
	case kindEnum:
		var s string
		if json.Unmarshal(raw, &s) == nil {
			f.sel.SetSelected(s)
		}
	case kindEnumSet:
		var ss []string
		if json.Unmarshal(raw, &ss) == nil {
			f.checks.SetSelected(ss)
		}
	case kindStrings:
		var ss []string
		if json.Unmarshal(raw, &ss) == nil {
			f.entry.SetText(strings.Join(ss, "\n"))
		}
	case kindString:
		var s string
		if json.Unmarshal(raw, &s) == nil {
			f.entry.SetText(s)
		}
	case kindJSON:
		f.entry.SetText(model.PrettyJSON(string(raw)))
	case kindObjects:
		var items []map[string]json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return
		}
		for len(f.rows) > 0 {
			f.removeRow(f.rows[0])
		}
		for _, item := range items {
			r := f.addRow()
			for _, sub := range r.fields {
				if v, ok := item[sub.name]; ok {
					sub.set(v)
				}
			}
		}
		if len(f.rows) == 0 {
			f.addRow()
		}
	default: // numbers as written
		f.entry.SetText(string(raw))
	}
}

// field finds a field by name (tests and the binding form).
func (f *schemaForm) field(name string) *schemaField {
	for _, fld := range f.fields {
		if fld.name == name {
			return fld
		}
	}
	return nil
}
