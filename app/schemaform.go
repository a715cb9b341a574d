package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// A form generated from a trigger plugin's config JSON Schema (the subset
// plugins use: an object of string, number, integer, boolean, enum and
// array-of-strings properties). Anything else — nested objects, arrays of
// objects — gets a JSON editor. The form checks what it can before any
// request: required fields, types, enums, bounds, minLength, pattern;
// ironlocal checks the whole schema again on save.

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
	kindJSON              // anything else: raw JSON
)

// schemaProp is the part of a JSON Schema the form reads.
type schemaProp struct {
	Type        any                    `json:"type"` // string or list of strings
	Enum        []any                  `json:"enum"`
	Default     any                    `json:"default"`
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
	}
	return kindJSON
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
		fld := &schemaField{name: n, prop: p, kind: kindOf(p), required: slices.Contains(root.Required, n)}
		if p.Pattern != "" {
			re, err := regexp.Compile(p.Pattern)
			if err == nil { // a pattern Go cannot compile is left to the server
				fld.pattern = re
			}
		}
		fld.build()
		label := n
		if n == "" {
			label = "Config (JSON)"
		}
		if fld.required {
			label += " *"
		}
		item := widget.NewFormItem(label, fld.widget())
		item.HintText = fld.hint()
		f.form.AppendItem(item)
		f.fields = append(f.fields, fld)
	}
	return f, nil
}

func (f *schemaField) build() {
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
		default:
			if p.Default != nil {
				f.entry.SetPlaceHolder(fmt.Sprint(p.Default))
			}
		}
	}
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
		parts = append(parts, fmt.Sprintf("%g–%g", *p.Minimum, *p.Maximum))
	case p.Minimum != nil:
		parts = append(parts, fmt.Sprintf("≥ %g", *p.Minimum))
	case p.Maximum != nil:
		parts = append(parts, fmt.Sprintf("≤ %g", *p.Maximum))
	}
	if f.kind == kindJSON && f.name != "" {
		parts = append(parts, "JSON")
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
		if err := validatePayload(s); err != nil {
			return nil, fmt.Errorf("config: %v", err)
		}
		return json.RawMessage(compactJSON(s)), nil
	}
	out := map[string]any{}
	for _, fld := range f.fields {
		v, set, err := fld.value()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", fld.name, err)
		}
		if !set {
			if fld.required {
				return nil, fmt.Errorf("%s is required", fld.name)
			}
			continue
		}
		out[fld.name] = v
	}
	b, err := json.Marshal(out)
	return b, err
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
			return nil, false, fmt.Errorf("%g is below the minimum %g", n, *p.Minimum)
		}
		if p.Maximum != nil && n > *p.Maximum {
			return nil, false, fmt.Errorf("%g is above the maximum %g", n, *p.Maximum)
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
		if err := validatePayload(text); err != nil {
			return nil, false, err
		}
		return json.RawMessage(compactJSON(text)), true, nil
	}
	if p.MinLength != nil && utf8.RuneCountInString(text) < *p.MinLength {
		return nil, false, fmt.Errorf("at least %d characters", *p.MinLength)
	}
	if f.pattern != nil && !f.pattern.MatchString(text) {
		return nil, false, fmt.Errorf("%q does not match %s", text, p.Pattern)
	}
	return text, true, nil
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
		f.fields[0].entry.SetText(prettyJSON(string(config)))
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
		f.entry.SetText(prettyJSON(string(raw)))
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
