package trigger

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// schemaError says in words why a binding's config breaks its plugin's JSON
// Schema, one clause per failed keyword, each naming the field:
// `settle_ms: must be >= 0, got -5; unknown field "sufix"`. The API answers
// it and the desktop form shows it, so it must read as a sentence, not as
// the Go values the validator keeps. Keywords without a phrase of their own
// fall back to the schema library's English text.
func schemaError(err error) string {
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return err.Error()
	}
	var parts []string
	seen := map[string]bool{}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		if s := describeSchemaFailure(e.InstanceLocation, e.ErrorKind); !seen[s] {
			seen[s] = true
			parts = append(parts, s)
		}
	}
	walk(ve)
	return strings.Join(parts, "; ")
}

var englishPrinter = message.NewPrinter(language.English)

// describeSchemaFailure is one failed keyword at loc, in words.
func describeSchemaFailure(loc []string, k jsonschema.ErrorKind) string {
	at := func(s string) string {
		if len(loc) == 0 {
			return s
		}
		return fieldPath(loc) + ": " + s
	}
	switch k := k.(type) {
	case *kind.Required:
		// The missing field is the subject: "dir: required".
		var out []string
		for _, m := range k.Missing {
			out = append(out, fieldPath(append(append([]string(nil), loc...), m))+": required")
		}
		return strings.Join(out, "; ")
	case *kind.AdditionalProperties:
		quoted := make([]string, len(k.Properties))
		for i, p := range k.Properties {
			quoted[i] = strconv.Quote(p)
		}
		word := "unknown field "
		if len(quoted) > 1 {
			word = "unknown fields "
		}
		return at(word + strings.Join(quoted, ", "))
	case *kind.Type:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = withArticle(w)
		}
		return at(fmt.Sprintf("must be %s, got %s", strings.Join(want, " or "), withArticle(k.Got)))
	case *kind.Minimum:
		return at(fmt.Sprintf("must be >= %s, got %s", ratText(k.Want), ratText(k.Got)))
	case *kind.Maximum:
		return at(fmt.Sprintf("must be <= %s, got %s", ratText(k.Want), ratText(k.Got)))
	case *kind.ExclusiveMinimum:
		return at(fmt.Sprintf("must be > %s, got %s", ratText(k.Want), ratText(k.Got)))
	case *kind.ExclusiveMaximum:
		return at(fmt.Sprintf("must be < %s, got %s", ratText(k.Want), ratText(k.Got)))
	case *kind.MultipleOf:
		return at(fmt.Sprintf("must be a multiple of %s, got %s", ratText(k.Want), ratText(k.Got)))
	case *kind.MinLength:
		return at(fmt.Sprintf("must be at least %s long, got %d", plural(k.Want, "character"), k.Got))
	case *kind.MaxLength:
		return at(fmt.Sprintf("must be at most %s long, got %d", plural(k.Want, "character"), k.Got))
	case *kind.MinItems:
		return at(fmt.Sprintf("must have at least %s, got %d", plural(k.Want, "item"), k.Got))
	case *kind.MaxItems:
		return at(fmt.Sprintf("must have at most %s, got %d", plural(k.Want, "item"), k.Got))
	case *kind.Pattern:
		return at(fmt.Sprintf("must match %s, got %q", k.Want, k.Got))
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = jsonText(w)
		}
		return at(fmt.Sprintf("must be one of %s, got %s", strings.Join(want, ", "), jsonText(k.Got)))
	case *kind.Const:
		return at(fmt.Sprintf("must be %s, got %s", jsonText(k.Want), jsonText(k.Got)))
	case *kind.FalseSchema:
		return at("not allowed")
	}
	return at(k.LocalizedString(englishPrinter))
}

// fieldPath writes a location as a reader names it: routes[0].path.
func fieldPath(loc []string) string {
	var b strings.Builder
	for _, p := range loc {
		if _, err := strconv.Atoi(p); err == nil {
			b.WriteString("[" + p + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

// withArticle turns a JSON type name into "a string", "an object".
func withArticle(typ string) string {
	switch typ {
	case "":
		return "nothing"
	case "null":
		return "null"
	case "array", "integer", "object":
		return "an " + typ
	}
	return "a " + typ
}

// ratText writes a schema number as it was written: 500, -5, 0.5.
func ratText(r *big.Rat) string {
	if r == nil {
		return "?"
	}
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// jsonText writes a value as JSON, short.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	const max = 80
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

// plural writes "1 item", "2 items".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
