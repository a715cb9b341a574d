package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/ironlocal/ironlocal/wire"
)

// DefaultProject is the project id a Client uses unless told otherwise (it
// equals emulator.DefaultProject; a test in tcironlocal keeps them equal): the
// one ironlocal's README, `ironlocald exec` and tcironlocal use.
const DefaultProject = "000000000000000000000001"

// Client talks to one ironlocal. It is safe for concurrent use; its methods
// take a context first and block until the answer arrives (run them off
// any UI goroutine).
type Client struct {
	base    string // scheme://host:port, no trailing slash
	token   string
	project string
	hc      *http.Client
	stream  *http.Client // no timeout: event streams and long polls
}

// Option configures a Client.
type Option func(*Client)

// WithProject sets the project id of the Iron API calls (default
// DefaultProject).
func WithProject(id string) Option { return func(c *Client) { c.project = id } }

// WithHTTPClient replaces the HTTP client (default: a client of its own,
// without a total timeout — bound calls with the context). It is used for
// the event stream too, so an hc with a Timeout would end the stream.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) { c.hc, c.stream = hc, hc }
}

// New returns a client of the ironlocal at baseURL ("http://127.0.0.1:4766";
// a trailing slash is ignored) that authenticates with token. ironlocal
// accepts any non-empty token unless it runs with --token; an empty token
// makes the Iron API answer 401. New does no I/O.
func New(baseURL, token string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("ironlocal url %q: %w", baseURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("ironlocal url %q: want http://host:port", baseURL)
	}
	if u.Path != "" || u.RawQuery != "" {
		return nil, fmt.Errorf("ironlocal url %q: want no path or query (ironlocal serves at the root)", baseURL)
	}
	hc := &http.Client{Transport: http.DefaultTransport}
	c := &Client{base: u.String(), token: token, project: DefaultProject, hc: hc, stream: hc}
	for _, o := range opts {
		o(c)
	}
	if c.project == "" {
		return nil, errors.New("ironlocal project id is empty")
	}
	return c, nil
}

// URL is the base URL the client talks to.
func (c *Client) URL() string { return c.base }

// Token is the token the client sends.
func (c *Client) Token() string { return c.token }

// Project is the project id of the client's Iron API calls.
func (c *Client) Project() string { return c.project }

// ForProject returns a client of the same ironlocal (sharing its
// connections) whose Iron API calls go to project id.
func (c *Client) ForProject(id string) *Client {
	cp := *c
	cp.project = id
	return &cp
}

// Error is a non-2xx answer of ironlocal: Status is the HTTP status and
// Msg the server's {"msg":…} (or the body's text when it had none).
type Error struct {
	Status int
	Msg    string
	Method string
	Path   string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s %s: %d %s: %s", e.Method, e.Path, e.Status, http.StatusText(e.Status), e.Msg)
}

// StatusOf is the HTTP status of an *Error in err's chain, or 0.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// IsNotFound reports whether err is a 404 answer (unknown queue, task,
// message, item…).
func IsNotFound(err error) bool { return StatusOf(err) == http.StatusNotFound }

// pp is the path prefix of a service's project routes: /1 cache, /2
// worker, /3 mq.
func (c *Client) pp(version string) string {
	return "/" + version + "/projects/" + url.PathEscape(c.project)
}

// esc escapes one path segment.
func esc(s string) string { return url.PathEscape(s) }

// call sends in as JSON (when not nil) and decodes a 2xx JSON answer into
// out (when not nil).
func (c *Client) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("%s %s: encode request: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	resp, err := c.send(ctx, c.hc, method, path, body, "application/json")
	if err != nil {
		return err
	}
	defer drain(resp.Body)
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// send performs a request and returns a 2xx response (whose body the
// caller closes) or an *Error.
func (c *Client) send(ctx context.Context, hc *http.Client, method, path string, body io.Reader, contentType string) (*http.Response, error) {
	req, err := c.request(ctx, method, path, body, contentType)
	if err != nil {
		return nil, err
	}
	return c.do(hc, req)
}

// request builds a request carrying the client's token.
func (c *Client) request(ctx context.Context, method, path string, body io.Reader, contentType string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "OAuth "+c.token)
	}
	if body != nil && contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req, nil
}

// do sends req and returns a 2xx response or an *Error.
func (c *Client) do(hc *http.Client, req *http.Request) (*http.Response, error) {
	path := req.URL.Path
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", req.Method, path, err)
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer drain(resp.Body)
	return nil, errorFrom(resp, req.Method, path)
}

// errorFrom reads a non-2xx answer into an *Error.
func errorFrom(resp *http.Response, method, path string) *Error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var m wire.Msg
	if json.Unmarshal(b, &m) != nil || m.Msg == "" {
		m.Msg = strings.TrimSpace(string(b))
	}
	return &Error{Status: resp.StatusCode, Msg: m.Msg, Method: method, Path: path}
}

// drain reads what is left of a body (a little) so the connection can be
// reused, and closes it.
func drain(rc io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(rc, 64<<10))
	_ = rc.Close()
}

// Time is a time on an Iron route (a task's, a schedule's, a message's):
// a time.Time that the wire writes to the millisecond. The zero Time is an
// unknown time.
type Time = wire.Time

// Expires is a cache item's expiry: a time.Time; NeverExpires for items
// stored without one.
type Expires = wire.Expires
