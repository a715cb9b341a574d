package httptrigger

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// CORS as API Gateway's HTTP API configures it: with a CORS configuration,
// the gateway answers preflight OPTIONS requests itself (no task runs for
// them, whatever the routes), adds the configured headers to the answers
// of allowed origins only, and ignores the CORS headers a task's answer
// sets (which would otherwise let any page read it).

// normalize checks the configuration and puts it in the form the
// matching below expects: origins lowercased without a trailing slash,
// methods uppercased.
func (c *corsConfig) normalize() error {
	for i, o := range c.AllowOrigins {
		norm, err := normalizeOrigin(o)
		if err != nil {
			return fmt.Errorf("allow_origins[%d] %q: %v", i, o, err)
		}
		c.AllowOrigins[i] = norm
	}
	if c.AllowCredentials && slices.Contains(c.AllowOrigins, "*") {
		return errors.New(`allow_credentials: needs named origins; browsers refuse credentials with the origin "*"`)
	}
	for i, m := range c.AllowMethods {
		if !isToken(m) {
			return fmt.Errorf("allow_methods[%d] %q: not an HTTP method", i, m)
		}
		c.AllowMethods[i] = strings.ToUpper(m)
	}
	for field, names := range map[string][]string{"allow_headers": c.AllowHeaders, "expose_headers": c.ExposeHeaders} {
		for i, h := range names {
			if !isToken(h) {
				return fmt.Errorf("%s[%d] %q: not a header name", field, i, h)
			}
		}
	}
	return nil
}

// normalizeOrigin accepts what API Gateway takes in allowOrigins.
func normalizeOrigin(o string) (string, error) {
	o = strings.ToLower(strings.TrimSuffix(o, "/"))
	switch o {
	case "*", "http://*", "https://*":
		return o, nil
	}
	u, err := url.Parse(o)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.User != nil ||
		u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.Contains(u.Host, "*") {
		return "", errors.New(`want scheme://host[:port], "*", "http://*" or "https://*"`)
	}
	return o, nil
}

// isToken reports whether s is an HTTP token (a method or header name) or
// the wildcard "*".
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	return true
}

// allowOrigin returns the Access-Control-Allow-Origin value for a
// request's Origin, ok false when the origin is not allowed.
func (c *corsConfig) allowOrigin(origin string) (value string, ok bool) {
	if origin == "" {
		return "", false
	}
	lower := strings.ToLower(origin)
	for _, o := range c.AllowOrigins {
		switch {
		case o == "*":
			return "*", true
		case o == lower:
			return origin, true
		case strings.HasSuffix(o, "://*") && strings.HasPrefix(lower, strings.TrimSuffix(o, "*")):
			return origin, true
		}
	}
	return "", false
}

// isPreflight reports whether req is a CORS preflight: OPTIONS naming the
// page's origin and the method it wants to send.
func isPreflight(req *http.Request) bool {
	return req.Method == http.MethodOptions && req.Header.Get("Origin") != "" &&
		req.Header.Get("Access-Control-Request-Method") != ""
}

// preflight answers a preflight: 204, with the CORS headers when the
// origin is allowed and none otherwise (the browser then refuses the
// request it was about to send).
func (c *corsConfig) preflight(w http.ResponseWriter, req *http.Request) {
	h := w.Header()
	h.Add("Vary", "Origin")
	h.Add("Vary", "Access-Control-Request-Method")
	h.Add("Vary", "Access-Control-Request-Headers")
	if allow, ok := c.allowOrigin(req.Header.Get("Origin")); ok {
		h.Set("Access-Control-Allow-Origin", allow)
		if c.AllowCredentials {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		// "*" echoes what was asked: a literal "*" means any only for
		// requests without credentials.
		if slices.Contains(c.AllowMethods, "*") {
			h.Set("Access-Control-Allow-Methods", req.Header.Get("Access-Control-Request-Method"))
		} else if len(c.AllowMethods) > 0 {
			h.Set("Access-Control-Allow-Methods", strings.Join(c.AllowMethods, ","))
		}
		if slices.Contains(c.AllowHeaders, "*") {
			if asked := req.Header.Get("Access-Control-Request-Headers"); asked != "" {
				h.Set("Access-Control-Allow-Headers", asked)
			}
		} else if len(c.AllowHeaders) > 0 {
			h.Set("Access-Control-Allow-Headers", strings.Join(c.AllowHeaders, ","))
		}
		if c.MaxAge > 0 {
			h.Set("Access-Control-Max-Age", strconv.Itoa(c.MaxAge))
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// responseHeaders sets the CORS headers of an answer to a request from
// origin, after dropping any the answer set itself.
func (c *corsConfig) responseHeaders(h http.Header, origin string) {
	for k := range h {
		if strings.HasPrefix(k, "Access-Control-") {
			delete(h, k)
		}
	}
	h.Add("Vary", "Origin")
	allow, ok := c.allowOrigin(origin)
	if !ok {
		return
	}
	h.Set("Access-Control-Allow-Origin", allow)
	if c.AllowCredentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if len(c.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(c.ExposeHeaders, ","))
	}
}

// corsWriter applies the CORS headers just before the answer's header is
// written, so that they win over whatever the task's answer set.
type corsWriter struct {
	http.ResponseWriter
	cors   *corsConfig
	origin string
	done   bool
}

func (w *corsWriter) WriteHeader(status int) {
	w.prepare()
	w.ResponseWriter.WriteHeader(status)
}

func (w *corsWriter) Write(b []byte) (int, error) {
	w.prepare()
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *corsWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *corsWriter) prepare() {
	if !w.done {
		w.done = true
		w.cors.responseHeaders(w.Header(), w.origin)
	}
}
