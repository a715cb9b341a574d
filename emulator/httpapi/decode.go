package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/ironlocal/ironlocal/wire"
)

// Body size limits. Each route states the one it uses.
const (
	limitSmall    = 64 << 10 // settings, reservations, deletes
	limitPost     = 32 << 20 // 100 messages of up to 256 KiB each, JSON-escaped
	limitCache    = 1<<20 + 4<<10
	limitSnapshot = 4 << 30 // snapshot imports
)

// maxPrealloc bounds the buffer readBody allocates before the body arrives.
const maxPrealloc = 1 << 20

// readBody reads at most limit bytes of the request body. A body whose
// length is announced is read into a buffer of that size at once.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	body := http.MaxBytesReader(nil, r.Body, limit)
	var (
		b   []byte
		err error
	)
	if n := r.ContentLength; n >= 0 && n <= limit {
		b, err = readAllSized(body, n)
	} else {
		b, err = io.ReadAll(body)
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, &requestError{status: http.StatusRequestEntityTooLarge,
			msg: fmt.Sprintf("Request body is over the %d byte limit", limit)}
	}
	if err != nil {
		return nil, badRequest("Could not read request body")
	}
	return b, nil
}

// decodeBody decodes an optional JSON body into v. An empty body (or
// whitespace) leaves v untouched: clients send {} or nothing where a body is
// optional (spec §1.3). The Content-Type header is not required.
func decodeBody(r *http.Request, limit int64, v any) error {
	b, err := readBody(r, limit)
	if err != nil {
		return err
	}
	return decodeJSON(b, v)
}

// readAllSized reads r to EOF into a buffer sized for the n bytes
// announced (up to maxPrealloc: a client's word is not memory it has sent),
// growing it only if more come.
func readAllSized(r io.Reader, n int64) ([]byte, error) {
	b := make([]byte, 0, min(n, maxPrealloc)+1) // +1: EOF is seen without a regrow
	for {
		m, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+m]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// plainScanner is a request body with a decoder of its own for the form
// clients send; it reports false for any other form, changing nothing.
type plainScanner interface {
	ScanJSON(data []byte) bool
}

func decodeJSON(b []byte, v any) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	// The hot routes' bodies in their plain form skip reflection
	// (wire/scanjson.go); anything else is encoding/json's.
	if s, ok := v.(plainScanner); ok && s.ScanJSON(b) {
		return nil
	}
	// The common, valid body decodes in place; only a failure takes the
	// streaming decoder, whose errors the messages below are made of.
	if json.Unmarshal(b, v) == nil {
		return nil
	}
	return decodeJSONStrict(b, v)
}

// decodeJSONStrict decodes with a json.Decoder to tell apart a bad value
// from good JSON followed by more data.
func decodeJSONStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("Invalid JSON: unexpected data after the top-level value")
	}
	return nil
}

// jsonError turns decoder errors into messages a user can act on.
func jsonError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return badRequest(fmt.Sprintf("Invalid JSON at byte %d: %s", se.Offset, se.Error()))
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			return badRequest(fmt.Sprintf("Invalid JSON: expected %s, got %s", typeName(te.Type), te.Value))
		}
		return badRequest(fmt.Sprintf("Invalid JSON: field %q must be %s, got %s", field, typeName(te.Type), te.Value))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("Invalid JSON: unexpected end of input")
	}
	return badRequest("Invalid JSON: " + err.Error())
}

func typeName(t reflect.Type) string {
	if t == nil {
		return "a different type"
	}
	switch t {
	case reflect.TypeFor[wire.OptInt](), reflect.TypeFor[int64]():
		return "a number"
	case reflect.TypeFor[wire.OptCAS]():
		return "a number or a string of digits"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64, reflect.Uint64:
		return "a number"
	case reflect.Slice:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return t.String()
}

// queryInt reads an optional integer query parameter.
func queryInt(r *http.Request, name string, def int) (int, error) {
	s := strings.TrimSpace(r.URL.Query().Get(name))
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, badRequest(fmt.Sprintf("Query parameter %s must be an integer, got %q", name, s))
	}
	return n, nil
}
