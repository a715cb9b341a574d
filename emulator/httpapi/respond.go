package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/wire"
)

// writeJSON writes v with exactly `Content-Type: application/json` and a
// Content-Length: Java and Python clients depend on both (spec §1.4).
func writeJSON(w http.ResponseWriter, status int, v any) {
	buf := replyBuffers.Get().(*bytes.Buffer)
	defer putReplyBuffer(buf)
	buf.Reset()
	if err := encodeReply(buf, v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"msg":"Internal error encoding response"}`)
	}
	h := w.Header()
	h["Content-Type"] = contentTypeJSON
	h["Content-Length"] = []string{strconv.Itoa(buf.Len())}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// jsonAppender is an answer of a hot route with its own encoder, which
// writes what encoding/json would (wire/appendjson.go).
type jsonAppender interface {
	AppendJSON(dst []byte) ([]byte, error)
}

// encodeReply writes v's JSON and a newline into buf, as a json.Encoder
// with HTML escaping off does.
func encodeReply(buf *bytes.Buffer, v any) error {
	if a, ok := v.(jsonAppender); ok {
		b, err := a.AppendJSON(buf.AvailableBuffer())
		if err != nil {
			return err
		}
		buf.Write(append(b, '\n'))
		return nil
	}
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// contentTypeJSON is shared by every reply: net/http copies the header map
// it is in before writing it, and never modifies the slice.
var contentTypeJSON = []string{"application/json"}

// replyBuffers recycles the buffers replies are encoded into.
var replyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putReplyBuffer returns buf to the pool unless a large reply (a task
// list, a browse page) grew it: those are let go rather than kept.
func putReplyBuffer(buf *bytes.Buffer) {
	if buf.Cap() <= 64<<10 {
		replyBuffers.Put(buf)
	}
}

func writeMsg(w http.ResponseWriter, status int, text string) {
	writeJSON(w, status, wire.Msg{Msg: text})
}

// writeError maps a domain error to its status and upstream body. Anything
// that is not a domain or request error is a bug: logged, answered with 500.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if e, ok := emulator.AsError(err); ok {
		writeMsg(w, statusOf(e.Code), e.Msg)
		return
	}
	var re *requestError
	if errors.As(err, &re) {
		writeMsg(w, re.status, re.msg)
		return
	}
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the client went away; nobody reads the answer
	}
	a.log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	writeMsg(w, http.StatusInternalServerError, "Internal error")
}

func statusOf(c emulator.Code) int {
	switch c {
	case emulator.CodeNotFound:
		return http.StatusNotFound
	case emulator.CodeInvalid:
		return http.StatusBadRequest
	case emulator.CodeForbidden:
		return http.StatusForbidden
	case emulator.CodeAlreadyExists, emulator.CodeConflict:
		return http.StatusConflict
	case emulator.CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case emulator.CodeUnavailable:
		return http.StatusServiceUnavailable
	case emulator.CodeUnauthenticated:
		return http.StatusUnauthorized
	}
	return http.StatusInternalServerError
}

// requestError is a transport-level rejection (bad JSON, body too large,
// bad query parameter) that never reached a service.
type requestError struct {
	status int
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func badRequest(text string) error { return &requestError{status: http.StatusBadRequest, msg: text} }

var discardLogger = slog.New(slog.DiscardHandler)
