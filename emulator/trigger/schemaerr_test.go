package trigger

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSchemaError: the config errors of issue 19 §6 read as words, not as
// the validator's Go values (`/settle_ms: &{-5/1 0/1}`).
func TestSchemaError(t *testing.T) {
	schema, err := compileSchema([]byte(`{
	  "type": "object", "required": ["dir"], "additionalProperties": false,
	  "properties": {
	    "dir": {"type": "string", "minLength": 1},
	    "suffix": {"type": "string"},
	    "settle_ms": {"type": "integer", "minimum": 0, "maximum": 60000},
	    "batch_size": {"type": "integer", "minimum": 1, "maximum": 100},
	    "ratio": {"type": "number", "exclusiveMaximum": 0.5},
	    "format": {"enum": ["s3", "gcs"]},
	    "routes": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["path"],
	      "additionalProperties": false, "properties": {"path": {"type": "string", "pattern": "^/"}}}}
	  }}`))
	require.NoError(t, err)
	for _, tc := range []struct{ config, want string }{
		{`{"dir":"/x","settle_ms":-5}`, `settle_ms: must be >= 0, got -5`},
		{`{"dir":"/x","sufix":".csv"}`, `unknown field "sufix"`},
		{`{}`, `dir: required`},
		{`{"dir":5}`, `dir: must be a string, got a number`},
		{`{"dir":"/x","batch_size":500}`, `batch_size: must be <= 100, got 500`},
		{`{"dir":"/x","settle_ms":1.5}`, `settle_ms: must be an integer, got a number`},
		{`{"dir":"/x","ratio":0.75}`, `ratio: must be < 0.5, got 0.75`},
		{`{"dir":"/x","format":"s4"}`, `format: must be one of "s3", "gcs", got "s4"`},
		{`{"dir":""}`, `dir: must be at least 1 character long, got 0`},
		{`{"dir":"/x","routes":[]}`, `routes: must have at least 1 item, got 0`},
		{`{"dir":"/x","routes":[{"path":"x"}]}`, `routes[0].path: must match ^/, got "x"`},
		{`{"dir":"/x","routes":[{}]}`, `routes[0].path: required`},
		{`{"sufix":1,"settle_ms":-1}`, `dir: required; unknown field "sufix"; settle_ms: must be >= 0, got -1`},
	} {
		t.Run(tc.config, func(t *testing.T) {
			var v any
			require.NoError(t, json.Unmarshal([]byte(tc.config), &v))
			err := schema.Validate(v)
			require.Error(t, err)
			got := schemaError(err)
			if tc.config == `{"sufix":1,"settle_ms":-1}` {
				// Clause order follows the validator's; each is there.
				for _, part := range []string{`dir: required`, `unknown field "sufix"`, `settle_ms: must be >= 0, got -1`} {
					require.Contains(t, got, part)
				}
				return
			}
			require.Equal(t, tc.want, got)
		})
	}
}
