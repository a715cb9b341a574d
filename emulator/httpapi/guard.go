package httpapi

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/ironlocal/ironlocal/internal/hostrule"
)

// Guard decides which requests may reach any route at all. ironlocal runs
// on developers' machines, so it defends against two attackers that need no
// credentials (docs/security.md):
//
//   - a web page in the developer's browser, sending cross-site "simple"
//     requests (an HTML form, fetch with no-cors) to 127.0.0.1:4766: the
//     browser marks them with Origin and Sec-Fetch-Site, and they are refused;
//   - DNS rebinding, where the attacker's own host name resolves to
//     127.0.0.1 so the page becomes same-origin with ironlocal: the Host
//     header still names the attacker's domain, and only known host names
//     are accepted.
//
// The official clients send neither Origin nor Sec-Fetch-Site and always
// name the host they were configured with, so they pass unchanged.
type Guard struct {
	// Rule is the host names (or IP literals) accepted in the Host header,
	// beside the loopback names: the listen address, the host tasks are
	// given in IRON_HOST, and --allow-host entries. An entry
	// ".example.test" accepts every subdomain of example.test; "*" accepts
	// any host name (switches DNS rebinding protection off). A wildcard
	// listen address (0.0.0.0, [::]) sets AnyIP: peers then reach
	// ironlocal at one of the machine's addresses, and an IP literal
	// cannot be rebound. The http trigger plugin applies the same rule.
	hostrule.Rule
	// Origins are browser origins (scheme://host[:port]) allowed to send
	// cross-origin requests, for a web app under development that calls
	// ironlocal from the browser (--allow-origin).
	Origins []string
}

// check returns nil when r may proceed, or the reason it may not.
func (g Guard) check(r *http.Request) error {
	if !g.hostAllowed(r.Host) {
		return &requestError{status: http.StatusForbidden, msg: "Forbidden: host name " + quoteHost(r.Host) +
			" is not accepted (ironlocal answers only to loopback names, its listen address and --allow-host names; this protects it from DNS rebinding)"}
	}
	if origin := r.Header.Get("Origin"); origin != "" && !g.originAllowed(origin, r.Host) {
		return &requestError{status: http.StatusForbidden, msg: "Forbidden: cross-origin request from " + quoteHost(origin) +
			" (browsers may not drive ironlocal from another site; allow a web app with --allow-origin)"}
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		if origin := r.Header.Get("Origin"); origin == "" || !slices.Contains(g.Origins, origin) {
			return &requestError{status: http.StatusForbidden, msg: "Forbidden: the browser marked this request " + site +
				" (browsers may not drive ironlocal from another site; allow a web app with --allow-origin)"}
		}
	}
	return nil
}

// hostAllowed checks the Host header (name with an optional port).
func (g Guard) hostAllowed(hostport string) bool { return g.Rule.Allows(hostport) }

// originAllowed accepts the request's own origin (a page ironlocal itself
// served, if it ever does) and the configured ones. "null" (sandboxed
// frames, file: pages) never passes.
func (g Guard) originAllowed(origin, host string) bool {
	if slices.Contains(g.Origins, origin) {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" {
		return false
	}
	return strings.EqualFold(u.Host, host) && u.Path == "" && g.hostAllowed(u.Host)
}

// quoteHost keeps a client-chosen value readable and short in a message.
func quoteHost(s string) string {
	if len(s) > 100 {
		s = s[:100] + "…"
	}
	return `"` + strings.ToValidUTF8(s, "?") + `"`
}
