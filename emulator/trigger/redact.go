package trigger

import (
	"bytes"
	"encoding/json"
	"net/url"
	"reflect"
	"regexp"
	"strings"
)

// Secrets in what the control plane shows of a binding. Whatever a plugin
// is, its config, status and log are shown to anyone who may read the
// control plane (and its screens are shared, streamed, screenshotted), so
// the host hides:
//   - the password of any URL with one, in any string (redis://u:pw@h);
//   - the value of every config field the plugin's schema marks
//     "writeOnly" (JSON Schema's "may be sent, never returned"), or whose
//     name says it is a secret (password, token …), nested ones included.
//
// A client that sends back a config as shown (an edit form) keeps the
// secrets it could not see: see restoreSecrets.

// redacted replaces a secret; it is what net/url's Redacted writes for a
// password, so a URL's password and a field read the same way.
const redacted = "xxxxx"

// userinfoPassword finds "scheme://user:password@". The password runs to
// the authority's last "@", as net/url reads it; the user may be empty.
var userinfoPassword = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#:]*:)[^\s/?#]+@`)

// redactText hides the passwords of the URLs in s.
func redactText(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	return userinfoPassword.ReplaceAllString(s, "${1}"+redacted+"@")
}

// redactAttrs hides secrets in a plugin's status attributes: URL passwords,
// and the values of attributes named like secrets.
func redactAttrs(attrs map[string]string) map[string]string {
	if attrs == nil {
		return nil
	}
	out := make(map[string]string, len(attrs))
	for k, v := range attrs {
		if secretName(k) && v != "" {
			v = redacted
		}
		out[k] = redactText(v)
	}
	return out
}

// secretName reports whether a field's name says it holds a secret.
func secretName(name string) bool {
	n := strings.ToLower(strings.ReplaceAll(name, "-", "_"))
	switch n {
	case "password", "passwd", "secret", "token", "api_key", "apikey", "private_key", "secret_key",
		"access_key", "client_secret", "auth_token", "access_token", "refresh_token", "credentials":
		return true
	}
	for _, suffix := range []string{"_password", "_secret", "_token"} {
		if strings.HasSuffix(n, suffix) {
			return true
		}
	}
	return false
}

// redactConfig returns a binding's config as the control plane shows it.
// schema is the plugin's config schema (nil when the plugin is not
// running: then names and URLs still give secrets away). A config that is
// not JSON is shown with only its URL passwords hidden.
func redactConfig(config json.RawMessage, schema []byte) json.RawMessage {
	v, ok := decodeJSON(config)
	if !ok {
		return json.RawMessage(redactText(string(config)))
	}
	sch, _ := decodeJSON(schema)
	out, changed := redactValue(v, asObject(sch), false)
	if !changed {
		return config
	}
	b, err := json.Marshal(out)
	if err != nil {
		return json.RawMessage(`{}`)
	}
	return b
}

// redactValue hides v's secrets: all of it when secret (a secret object's
// every leaf), else its secret fields and URL passwords. schema is v's
// sub-schema, or nil.
func redactValue(v any, schema map[string]any, secret bool) (any, bool) {
	switch v := v.(type) {
	case map[string]any:
		props := asObject(schema["properties"])
		out, changed := make(map[string]any, len(v)), false
		for k, e := range v {
			sub := asObject(props[k])
			r, ch := redactValue(e, sub, secret || secretName(k) || sub["writeOnly"] == true)
			out[k], changed = r, changed || ch
		}
		return out, changed
	case []any:
		items := asObject(schema["items"])
		out, changed := make([]any, len(v)), false
		for i, e := range v {
			r, ch := redactValue(e, items, secret)
			out[i], changed = r, changed || ch
		}
		return out, changed
	case string:
		if secret && v != "" {
			return redacted, v != redacted
		}
		r := redactText(v)
		return r, r != v
	case nil:
		return nil, false
	}
	if secret { // a number or a boolean
		return redacted, true
	}
	return v, false
}

// restoreSecrets returns the config a client sent (in) with the secrets it
// was not shown taken from the stored config: wherever in holds what the
// stored value is shown as (xxxxx), the stored value stays. A URL whose
// password is xxxxx keeps the stored URL's password at the same place, so
// an edit of its host keeps the password too. Values the client changed
// are its own, and a stored value that was not hidden is never restored.
func restoreSecrets(in, stored json.RawMessage, schema []byte) json.RawMessage {
	nv, ok := decodeJSON(in)
	if !ok {
		return in
	}
	old, ok := decodeJSON(stored)
	if !ok {
		return in
	}
	sch, _ := decodeJSON(schema)
	shown, changed := redactValue(old, asObject(sch), false)
	if !changed {
		return in
	}
	out, changed := restore(nv, shown, old)
	if !changed {
		return in
	}
	b, err := json.Marshal(out)
	if err != nil {
		return in
	}
	return b
}

// restore walks the client's value, the shown one and the stored one side
// by side.
func restore(nv, shown, old any) (any, bool) {
	switch n := nv.(type) {
	case map[string]any:
		s, _ := shown.(map[string]any)
		o, _ := old.(map[string]any)
		changed := false
		for k, e := range n {
			if r, ch := restore(e, s[k], o[k]); ch {
				n[k], changed = r, true
			}
		}
		return n, changed
	case []any:
		s, _ := shown.([]any)
		o, _ := old.([]any)
		changed := false
		for i, e := range n {
			if i >= len(s) || i >= len(o) {
				break
			}
			if r, ch := restore(e, s[i], o[i]); ch {
				n[i], changed = r, true
			}
		}
		return n, changed
	case string:
		if reflect.DeepEqual(shown, old) {
			return nv, false // nothing was hidden here
		}
		if n == shown {
			return old, true
		}
		if o, ok := old.(string); ok {
			return restoreURLPassword(n, o)
		}
	}
	return nv, false
}

// restoreURLPassword puts the stored URL's password into the client's URL
// whose password reads xxxxx.
func restoreURLPassword(in, stored string) (any, bool) {
	nu, err := url.Parse(in)
	if err != nil || nu.User == nil {
		return in, false
	}
	if pw, ok := nu.User.Password(); !ok || pw != redacted {
		return in, false
	}
	ou, err := url.Parse(stored)
	if err != nil || ou.User == nil {
		return in, false
	}
	pw, ok := ou.User.Password()
	if !ok {
		return in, false
	}
	nu.User = url.UserPassword(nu.User.Username(), pw)
	return nu.String(), true
}

// decodeJSON decodes b keeping numbers as written.
func decodeJSON(b []byte) (any, bool) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, false
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, false
	}
	return v, true
}

func asObject(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// redactView hides the secrets of a binding as the control plane shows it.
func (h *Host) redactView(v BindingView) BindingView {
	v.Config = redactConfig(v.Config, h.configSchema(v.Plugin))
	v.State, v.Status = redactText(v.State), redactText(v.Status)
	v.StatusAttrs = redactAttrs(v.StatusAttrs)
	return v
}

// configSchema is the config schema of the plugin with this name, from its
// last start (so also while it restarts), or nil.
func (h *Host) configSchema(plugin string) []byte {
	h.mu.Lock()
	procs := append([]*proc(nil), h.procs...)
	h.mu.Unlock()
	for _, p := range procs {
		p.mu.Lock()
		name, schema := p.info.Name, p.info.ConfigSchema
		p.mu.Unlock()
		if name == plugin {
			return schema
		}
	}
	return nil
}
