package httpapi_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator/server"
)

// TestGuard_Host: DNS rebinding makes an attacker's name resolve to
// 127.0.0.1; the Host header still names it, on every route.
func TestGuard_Host(t *testing.T) {
	e := newEnvWith(t, server.Options{AllowHosts: []string{"ironlocal.internal", ".svc.test"}})
	port := e.srv.Addr().(interface{ String() string }).String()
	_, port, _ = strings.Cut(port, ":")
	for _, tc := range []struct {
		host string
		want int
	}{
		{"127.0.0.1:" + port, http.StatusOK},
		{"localhost:" + port, http.StatusOK},
		{"LOCALHOST", http.StatusOK},
		{"[::1]:" + port, http.StatusOK},
		{"127.0.0.2:" + port, http.StatusOK}, // loopback, and an IP literal cannot be rebound
		{"app.localhost:" + port, http.StatusOK},
		{"ironlocal.internal:" + port, http.StatusOK},
		{"api.svc.test", http.StatusOK},
		{"evil.example:" + port, http.StatusForbidden},
		{"localhost.evil.example", http.StatusForbidden},
		{"svc.test.evil.example", http.StatusForbidden},
		{"192.168.1.20:" + port, http.StatusForbidden}, // not the listen address
	} {
		for _, path := range []string{"/version", "/3/projects/" + project + "/queues", "/_ironlocal/snapshot", "/_ironlocal/health", "/no/such/route"} {
			req := e.request(t, http.MethodGet, path, "")
			req.Host = tc.host
			r, err := e.roundTrip(req)
			require.NoError(t, err)
			if tc.want == http.StatusForbidden {
				e.checkWire(t, r)
				r.expectError(t, http.StatusForbidden)
				require.Contains(t, string(r.body), "DNS rebinding", "%v", r)
			} else {
				require.NotEqual(t, http.StatusForbidden, r.status, "Host %q: %v", tc.host, r)
			}
			require.Equal(t, "nosniff", r.header.Get("X-Content-Type-Options"), "%v", r)
		}
	}
}

// TestGuard_CrossSite: a web page's "simple" requests (no preflight) are
// refused whatever their content type, and nothing they ask for happens.
func TestGuard_CrossSite(t *testing.T) {
	e := newEnvWith(t, server.Options{Runtime: "process", AllowOrigins: []string{"http://localhost:3000"}})
	codes := "/2/projects/" + project + "/codes?oauth=x"
	payload := `{"name":"pwn","image":"i","command":"id > /tmp/x"}`
	form := url.Values{`{"name":"pwn","image":"i","command":"id > /tmp/x","x":"`: {`"}`}}.Encode()
	multipart := "--b\r\nContent-Disposition: form-data; name=\"data\"\r\n\r\n" + payload + "\r\n--b--\r\n"
	attacks := []struct {
		name, contentType, body string
		header                  map[string]string
	}{
		{"text/plain with Origin", "text/plain", payload, map[string]string{"Origin": "http://evil.example"}},
		{"form with Origin", "application/x-www-form-urlencoded", form, map[string]string{"Origin": "http://evil.example"}},
		{"multipart with Origin", "multipart/form-data; boundary=b", multipart, map[string]string{"Origin": "https://evil.example"}},
		{"opaque origin", "text/plain", payload, map[string]string{"Origin": "null"}},
		{"fetch metadata cross-site", "text/plain", payload, map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"fetch metadata same-site", "text/plain", payload, map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "http://localhost:8080"}},
		{"other loopback port", "text/plain", payload, map[string]string{"Origin": "http://127.0.0.1:9999", "Sec-Fetch-Site": "same-site"}},
	}
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			for _, path := range []string{codes, "/2/projects/" + project + "/tasks?oauth=x", "/_ironlocal/reset", "/_ironlocal/faults"} {
				req, err := http.NewRequest(http.MethodPost, e.srv.URL()+path, strings.NewReader(a.body))
				require.NoError(t, err)
				req.Header.Set("Content-Type", a.contentType)
				for k, v := range a.header {
					req.Header.Set(k, v)
				}
				r := e.send(t, req)
				r.expectError(t, http.StatusForbidden)
			}
		})
	}
	// Nothing was registered.
	e.do(t, http.MethodGet, "/2/projects/"+project+"/codes", "").expect(t, http.StatusOK, `{"codes":[]}`)

	t.Run("allowed", func(t *testing.T) {
		for _, h := range []map[string]string{
			{},                                // the official clients: no browser headers
			{"Sec-Fetch-Site": "none"},        // typed into the address bar
			{"Sec-Fetch-Site": "same-origin"}, // a page of ironlocal's own origin
			{"Origin": "http://localhost:3000", "Sec-Fetch-Site": "same-site"}, // --allow-origin
			{"Origin": e.srv.URL()},
		} {
			req := e.request(t, http.MethodGet, "/2/projects/"+project+"/codes", "")
			for k, v := range h {
				req.Header.Set(k, v)
			}
			e.send(t, req).expect(t, http.StatusOK, `{"codes":[]}`)
		}
	})
}

// TestGuard_ControlPlaneStrict: with --token the control plane needs one
// of the tokens too; /version stays open for readiness checks.
func TestGuard_ControlPlaneStrict(t *testing.T) {
	e := newEnvWith(t, server.Options{Tokens: []string{token}})
	for _, rt := range []struct{ method, path, body string }{
		{http.MethodPost, "/_ironlocal/reset", ""},
		{http.MethodGet, "/_ironlocal/snapshot", ""},
		{http.MethodPut, "/_ironlocal/snapshot", "x"},
		{http.MethodPost, "/_ironlocal/snapshot", `{"name":"a"}`},
		{http.MethodPost, "/_ironlocal/faults", `{"status":500}`},
		{http.MethodGet, "/_ironlocal/faults", ""},
		{http.MethodGet, "/_ironlocal/health", ""},
		{http.MethodGet, "/_ironlocal/clock", ""},
		{http.MethodGet, "/_ironlocal/wait-idle", ""},
		{http.MethodGet, "/_ironlocal/events", ""},
	} {
		for _, auth := range []string{"", "OAuth wrong-token"} {
			req := e.request(t, rt.method, rt.path, rt.body)
			req.Header.Del("Authorization")
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			e.send(t, req).expectError(t, http.StatusUnauthorized)
		}
	}
	e.do(t, http.MethodGet, "/_ironlocal/health", "").decode(t, http.StatusOK, &map[string]any{})
	req := e.request(t, http.MethodGet, "/_ironlocal/clock?oauth="+token, "")
	req.Header.Del("Authorization")
	e.send(t, req).decode(t, http.StatusOK, &map[string]any{})
	req = e.request(t, http.MethodGet, "/version", "")
	req.Header.Del("Authorization")
	e.send(t, req).decode(t, http.StatusOK, &map[string]any{})

	// Permissive mode keeps the control plane open to any caller that
	// passes the guard, as before.
	p := newEnv(t)
	req = p.request(t, http.MethodGet, "/_ironlocal/health", "")
	req.Header.Del("Authorization")
	p.send(t, req).decode(t, http.StatusOK, &map[string]any{})
}
