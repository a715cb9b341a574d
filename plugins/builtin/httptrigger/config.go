package httptrigger

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/ironlocal/ironlocal/plugins/sdk"
)

// config is a binding's config.
type config struct {
	// Listen is the address to serve on (default 127.0.0.1:8080; port 0
	// picks a free one, reported in the binding's status).
	Listen string `json:"listen"`
	// Format is "v1" (REST API proxy event, the default) or "v2" (HTTP
	// API payload format 2.0).
	Format string  `json:"format"`
	Stage  string  `json:"stage"`
	Routes []route `json:"routes"`
	// MaxBodyBytes bounds a request body (default 1 MiB).
	MaxBodyBytes int64 `json:"max_body_bytes"`
	// AllowHosts are Host header names accepted besides the loopback
	// names and the listen address, as the API's --allow-host: the
	// defence against DNS rebinding (".example.test" accepts subdomains,
	// "*" any name).
	AllowHosts []string `json:"allow_hosts"`
	// CORS, when set, answers preflights and adds CORS headers for the
	// allowed origins, as API Gateway's CORS configuration does.
	CORS *corsConfig `json:"cors"`
	// The listener's limits, as the API's (docs/security.md): open
	// connections, and how long a peer may take to send a request head, to
	// make progress on a body, and to send its next request on a
	// keep-alive connection.
	MaxConnections      int `json:"max_connections"`
	ReadHeaderTimeoutMS int `json:"read_header_timeout_ms"`
	BodyTimeoutMS       int `json:"body_timeout_ms"`
	IdleTimeoutMS       int `json:"idle_timeout_ms"`
}

// Defaults of the listener's limits: the API's own.
const (
	defaultMaxConnections      = 4096
	defaultReadHeaderTimeoutMS = 10_000
	defaultBodyTimeoutMS       = 30_000
	defaultIdleTimeoutMS       = 90_000
)

// corsConfig is API Gateway's (HTTP API) CORS configuration.
type corsConfig struct {
	// AllowOrigins are origins (scheme://host[:port]), "*" (any), or
	// "http://*" / "https://*" (any of that scheme).
	AllowOrigins []string `json:"allow_origins"`
	// AllowMethods and AllowHeaders answer preflights; "*" allows any.
	AllowMethods []string `json:"allow_methods"`
	AllowHeaders []string `json:"allow_headers"`
	// ExposeHeaders are response headers a page may read; "*" any.
	ExposeHeaders []string `json:"expose_headers"`
	// MaxAge is how long, in seconds, a browser may cache a preflight
	// answer (0: no Access-Control-Max-Age header).
	MaxAge int `json:"max_age"`
	// AllowCredentials lets pages send cookies and read the answer; it
	// needs named origins, not "*".
	AllowCredentials bool `json:"allow_credentials"`
}

type route struct {
	// Method is an HTTP method or "ANY" (the default).
	Method string `json:"method"`
	// Path is a path pattern: literal segments and {name} parameters, a
	// trailing {name...} matching the rest ("/orders/{id}").
	Path string `json:"path"`
	// Mode is "async" (202 with the task id, the default) or "sync"
	// (answer from the task's output).
	Mode string `json:"mode"`
	// TimeoutMS bounds a sync wait (default 29000, API Gateway's limit).
	TimeoutMS int `json:"timeout_ms"`
}

const schema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "required": ["routes"],
  "additionalProperties": false,
  "properties": {
    "listen": {"type": "string", "default": "127.0.0.1:8080", "description": "address to listen on (port 0: any free port)"},
    "format": {"enum": ["v1", "v2"], "default": "v1", "description": "API Gateway proxy event shape: v1 REST API, v2 HTTP API"},
    "stage": {"type": "string", "default": "local"},
    "max_body_bytes": {"type": "integer", "minimum": 1, "maximum": 6291456, "default": 1048576},
    "allow_hosts": {"type": "array", "maxItems": 100, "items": {"type": "string", "minLength": 1, "maxLength": 253}, "default": [],
      "description": "Host header names accepted besides loopback names and the listen address (\".example.test\": its subdomains; \"*\": any name, which turns DNS rebinding protection off)"},
    "cors": {
      "type": "object", "additionalProperties": false,
      "description": "CORS as API Gateway configures it: preflights are answered by the gateway, and answers carry CORS headers only for allowed origins",
      "properties": {
        "allow_origins": {"type": "array", "maxItems": 100, "items": {"type": "string", "minLength": 1, "maxLength": 253}, "default": [], "description": "origins (scheme://host[:port]), \"*\", \"http://*\" or \"https://*\""},
        "allow_methods": {"type": "array", "maxItems": 100, "items": {"type": "string", "minLength": 1, "maxLength": 253}, "default": [], "description": "methods a preflight may ask for; \"*\": any"},
        "allow_headers": {"type": "array", "maxItems": 100, "items": {"type": "string", "minLength": 1, "maxLength": 253}, "default": [], "description": "request headers a preflight may ask for; \"*\": any"},
        "expose_headers": {"type": "array", "maxItems": 100, "items": {"type": "string", "minLength": 1, "maxLength": 253}, "default": [], "description": "response headers a page may read; \"*\": any"},
        "max_age": {"type": "integer", "minimum": 0, "maximum": 86400, "default": 0, "description": "seconds a browser may cache a preflight answer"},
        "allow_credentials": {"type": "boolean", "default": false, "description": "let pages send cookies (needs named origins)"}
      }
    },
    "max_connections": {"type": "integer", "minimum": 1, "maximum": 65536, "default": 4096,
      "description": "open connections; past it the longest-idle one is closed, or a new one refused (lowered to fit the open-files limit)"},
    "read_header_timeout_ms": {"type": "integer", "minimum": 100, "maximum": 600000, "default": 10000,
      "description": "time a peer has to send a request's head"},
    "body_timeout_ms": {"type": "integer", "minimum": 100, "maximum": 600000, "default": 30000,
      "description": "time a request body may go without progress (a body that keeps arriving may take longer)"},
    "idle_timeout_ms": {"type": "integer", "minimum": 100, "maximum": 3600000, "default": 90000,
      "description": "time a keep-alive connection may wait for its next request"},
    "routes": {
      "type": "array", "minItems": 1,
      "items": {
        "type": "object",
        "required": ["path"],
        "additionalProperties": false,
        "properties": {
          "method": {"type": "string", "default": "ANY"},
          "path": {"type": "string", "pattern": "^/"},
          "mode": {"enum": ["async", "sync"], "default": "async"},
          "timeout_ms": {"type": "integer", "minimum": 1, "maximum": 900000, "default": 29000}
        }
      }
    }
  }
}`

func parseConfig(raw []byte) (config, error) {
	var c config
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, fmt.Errorf("%w: %v", sdk.ErrInvalid, err)
	}
	if c.Listen == "" {
		c.Listen = "127.0.0.1:8080"
	}
	if c.Format == "" {
		c.Format = "v1"
	}
	if c.Stage == "" {
		c.Stage = "local"
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 1 << 20
	}
	if c.MaxConnections <= 0 {
		c.MaxConnections = defaultMaxConnections
	}
	if c.ReadHeaderTimeoutMS <= 0 {
		c.ReadHeaderTimeoutMS = defaultReadHeaderTimeoutMS
	}
	if c.BodyTimeoutMS <= 0 {
		c.BodyTimeoutMS = defaultBodyTimeoutMS
	}
	if c.IdleTimeoutMS <= 0 {
		c.IdleTimeoutMS = defaultIdleTimeoutMS
	}
	if c.CORS != nil {
		if err := c.CORS.normalize(); err != nil {
			return c, fmt.Errorf("%w: cors.%v", sdk.ErrInvalid, err)
		}
	}
	if len(c.Routes) == 0 {
		return c, fmt.Errorf("%w: routes: at least one route is needed", sdk.ErrInvalid)
	}
	for i := range c.Routes {
		r := &c.Routes[i]
		r.Method = strings.ToUpper(r.Method)
		if r.Method == "" {
			r.Method = "ANY"
		}
		if r.Mode == "" {
			r.Mode = "async"
		}
		if r.TimeoutMS <= 0 {
			r.TimeoutMS = 29000
		}
		if !strings.HasPrefix(r.Path, "/") {
			return c, fmt.Errorf("%w: routes[%d].path %q must start with /", sdk.ErrInvalid, i, r.Path)
		}
	}
	if _, err := newMux(c, func(route) http.Handler { return http.NotFoundHandler() }); err != nil {
		return c, fmt.Errorf("%w: %v", sdk.ErrInvalid, err)
	}
	return c, nil
}

// pattern is the route's ServeMux pattern.
func (r route) pattern() string {
	if r.Method == "ANY" {
		return r.Path
	}
	return r.Method + " " + r.Path
}

// routeKey is API Gateway's name for the route ("POST /orders/{id}").
func (r route) routeKey() string { return r.Method + " " + r.Path }

// newMux registers every route; a bad or conflicting pattern is an error
// naming the route (ServeMux reports those by panicking).
func newMux(c config, handler func(route) http.Handler) (mux *http.ServeMux, err error) {
	mux = http.NewServeMux()
	for i, r := range c.Routes {
		if err := register(mux, r.pattern(), handler(r)); err != nil {
			return nil, fmt.Errorf("routes[%d] %q: %v", i, r.routeKey(), err)
		}
	}
	return mux, nil
}

func register(mux *http.ServeMux, pattern string, h http.Handler) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%v", v)
		}
	}()
	mux.Handle(pattern, h)
	return nil
}

// pathParams returns the {name} parameters of a matched pattern.
func pathParams(r route, req *http.Request) map[string]string {
	out := map[string]string{}
	for _, seg := range strings.Split(r.Path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			name := strings.TrimSuffix(strings.TrimSuffix(seg[1:len(seg)-1], "..."), "$")
			if name != "" {
				out[name] = req.PathValue(name)
			}
		}
	}
	return out
}
