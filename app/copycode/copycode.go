package copycode

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Conn is where a rendered request goes: ironlocal's base URL (scheme,
// host and port), the token sent as "OAuth <token>" and the project id.
type Conn struct {
	BaseURL string
	Token   string
	Project string
}

// endpoint splits BaseURL into what iron_go3's config.Settings takes.
func (c Conn) endpoint() (scheme, host string, port uint16, err error) {
	u, err := url.Parse(c.BaseURL)
	if err != nil {
		return "", "", 0, fmt.Errorf("base url %q: %w", c.BaseURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", "", 0, fmt.Errorf("base url %q: the scheme must be http or https", c.BaseURL)
	}
	host = u.Hostname()
	if host == "" {
		return "", "", 0, fmt.Errorf("base url %q: no host", c.BaseURL)
	}
	p := u.Port()
	if p == "" {
		p = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	n, err := strconv.ParseUint(p, 10, 16)
	if err != nil {
		return "", "", 0, fmt.Errorf("base url %q: port %q: %w", c.BaseURL, p, err)
	}
	return u.Scheme, host, uint16(n), nil
}

// base is BaseURL without a trailing slash.
func (c Conn) base() string { return strings.TrimRight(c.BaseURL, "/") }

// Request is one call of the Iron API. Build it with a constructor.
type Request struct {
	// Title says what the request does ("Post a message to queue jobs").
	Title string
	// Method is the HTTP method.
	Method string
	// Version is the API's version: "1" IronCache, "2" IronWorker, "3"
	// IronMQ.
	Version string
	// Segments are the path's segments after /{version}/projects/{pid}/,
	// unescaped.
	Segments []string
	// Query is the URL's query ("" for none), already encoded.
	Query string
	// Body is marshalled as the JSON body (nil for none).
	Body any

	goCode goCall
}

// goCall is a request's rendering as iron_go3 calls.
type goCall struct {
	// imports are the packages besides fmt and log (iron_go3's config is
	// always imported).
	imports []string
	// code is main's body after `settings` is declared; it uses fmt and
	// log (both imported by every program).
	code string
	// notes say what of the request iron_go3 cannot send.
	notes []string
	// none, when set, says that iron_go3 has no call for the request.
	none string
}

// path is the request's path with the project, segments escaped.
func (r Request) path(project string) string {
	var b strings.Builder
	b.WriteString("/" + r.Version + "/projects/" + url.PathEscape(project))
	for _, s := range r.Segments {
		b.WriteString("/" + url.PathEscape(s))
	}
	if r.Query != "" {
		b.WriteString("?" + r.Query)
	}
	return b.String()
}

// Lang is a rendering.
type Lang string

const (
	Curl   Lang = "curl"
	Go     Lang = "go"
	Python Lang = "python"
)

// Langs are the renderings in menu order.
var Langs = []Lang{Curl, Go, Python}

// Label is how a menu names the rendering.
func (l Lang) Label() string {
	switch l {
	case Curl:
		return "curl"
	case Go:
		return "Go (iron_go3)"
	case Python:
		return "Python"
	}
	return string(l)
}

// Render renders r in lang for conn.
func Render(lang Lang, conn Conn, r Request) (string, error) {
	switch lang {
	case Curl:
		return CurlCommand(conn, r)
	case Go:
		return GoProgram(conn, r)
	case Python:
		return PythonProgram(conn, r)
	}
	return "", fmt.Errorf("copy as %q: no such rendering (curl, go, python)", lang)
}

// body is the request's JSON body ("" for none).
func (r Request) body() (string, error) {
	if r.Body == nil {
		return "", nil
	}
	b, err := json.Marshal(r.Body)
	if err != nil {
		return "", fmt.Errorf("%s: encode the body: %w", r.Title, err)
	}
	return string(b), nil
}
