package emulator

import (
	"errors"
	"fmt"
)

// Code classifies a domain error. It deliberately carries no HTTP status:
// the HTTP layer maps codes to statuses in one place.
type Code string

const (
	CodeNotFound      Code = "not_found"
	CodeAlreadyExists Code = "already_exists"
	CodeInvalid       Code = "invalid"
	CodeConflict      Code = "conflict"
	CodeForbidden     Code = "forbidden"
	CodeUnavailable   Code = "unavailable"
	CodeTooLarge      Code = "too_large"
	// CodeUnauthenticated: no token, or one strict mode does not know.
	CodeUnauthenticated Code = "unauthenticated"
)

// Error is a domain error: a code plus the message shown to API users. The
// message is the upstream wording where clients depend on it (for example
// "Queue not found"), so callers must not rewrite it.
type Error struct {
	Code Code
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// Is makes errors.Is(err, emulator.ErrNotFound) match any *Error of the same
// code, whatever its message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Msg == "" && t.Code == e.Code
}

// Sentinels for errors.Is. Their empty Msg marks them as "match by code".
var (
	ErrNotFound        = &Error{Code: CodeNotFound}
	ErrAlreadyExists   = &Error{Code: CodeAlreadyExists}
	ErrInvalid         = &Error{Code: CodeInvalid}
	ErrConflict        = &Error{Code: CodeConflict}
	ErrForbidden       = &Error{Code: CodeForbidden}
	ErrUnavailable     = &Error{Code: CodeUnavailable}
	ErrTooLarge        = &Error{Code: CodeTooLarge}
	ErrUnauthenticated = &Error{Code: CodeUnauthenticated}
)

// NotFound returns an ErrNotFound-class error with the given user-facing message.
func NotFound(msg string) error { return &Error{Code: CodeNotFound, Msg: msg} }

// Invalid returns an ErrInvalid-class error; format as fmt.Sprintf.
func Invalid(format string, args ...any) error {
	return &Error{Code: CodeInvalid, Msg: fmt.Sprintf(format, args...)}
}

// Forbidden returns an ErrForbidden-class error with the given message.
func Forbidden(msg string) error { return &Error{Code: CodeForbidden, Msg: msg} }

// Conflict returns an ErrConflict-class error with the given message.
func Conflict(msg string) error { return &Error{Code: CodeConflict, Msg: msg} }

// TooLarge returns an ErrTooLarge-class error; format as fmt.Sprintf.
func TooLarge(format string, args ...any) error {
	return &Error{Code: CodeTooLarge, Msg: fmt.Sprintf(format, args...)}
}

// Unauthenticated returns an ErrUnauthenticated-class error with the given
// message.
func Unauthenticated(msg string) error { return &Error{Code: CodeUnauthenticated, Msg: msg} }

// AsError returns the domain error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) && e.Msg != "" {
		return e, true
	}
	return nil, false
}
