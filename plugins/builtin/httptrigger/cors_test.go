package httptrigger

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/internal/hostrule"
	"github.com/ironlocal/ironlocal/plugins/sdk"
)

func TestConfig_Defaults(t *testing.T) {
	c, err := parseConfig([]byte(`{"routes":[{"path":"/x"}]}`))
	require.NoError(t, err)
	require.Equal(t, 4096, c.MaxConnections)
	require.Equal(t, 10_000, c.ReadHeaderTimeoutMS)
	require.Equal(t, 30_000, c.BodyTimeoutMS)
	require.Equal(t, 90_000, c.IdleTimeoutMS)
	require.Nil(t, c.CORS, "no CORS unless configured")
	require.Empty(t, c.AllowHosts)
}

func TestConfig_CORS(t *testing.T) {
	for _, tc := range []struct {
		name, cors, wantErr string
	}{
		{"named origins", `{"allow_origins":["https://App.Example/","http://localhost:3000"],"allow_credentials":true}`, ""},
		{"wildcards", `{"allow_origins":["*"],"allow_methods":["*"],"allow_headers":["*"],"expose_headers":["*"]}`, ""},
		{"scheme wildcards", `{"allow_origins":["https://*"],"allow_credentials":true}`, ""},
		{"credentials with any origin", `{"allow_origins":["*"],"allow_credentials":true}`, "allow_credentials"},
		{"no scheme", `{"allow_origins":["app.example"]}`, "allow_origins[0]"},
		{"a path", `{"allow_origins":["https://app.example/app"]}`, "allow_origins[0]"},
		{"a subdomain wildcard", `{"allow_origins":["https://*.example.com"]}`, "allow_origins[0]"},
		{"a bad method", `{"allow_methods":["GET,POST"]}`, "allow_methods[0]"},
		{"a bad header", `{"allow_headers":["x y"]}`, "allow_headers[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseConfig([]byte(`{"cors":` + tc.cors + `,"routes":[{"path":"/x"}]}`))
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, sdk.ErrInvalid)
			require.Contains(t, err.Error(), "cors."+tc.wantErr)
		})
	}
}

func TestCORS_AllowOrigin(t *testing.T) {
	named := &corsConfig{AllowOrigins: []string{"https://app.example", "http://localhost:3000"}}
	require.NoError(t, named.normalize())
	for _, tc := range []struct {
		name   string
		cfg    *corsConfig
		origin string
		want   string // "" = not allowed
	}{
		{"listed", named, "https://app.example", "https://app.example"},
		{"listed, other case", named, "https://APP.example", "https://APP.example"},
		{"listed with a port", named, "http://localhost:3000", "http://localhost:3000"},
		{"another port", named, "http://localhost:3001", ""},
		{"another scheme", named, "http://app.example", ""},
		{"a longer name", named, "https://app.example.evil.example", ""},
		{"opaque", named, "null", ""},
		{"none", named, "", ""},
		{"any", &corsConfig{AllowOrigins: []string{"*"}}, "https://evil.example", "*"},
		{"any https", &corsConfig{AllowOrigins: []string{"https://*"}}, "https://a.example", "https://a.example"},
		{"any https, not http", &corsConfig{AllowOrigins: []string{"https://*"}}, "http://a.example", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.cfg.allowOrigin(tc.origin)
			require.Equal(t, tc.want != "", ok)
			require.Equal(t, tc.want, got)
		})
	}
}

// emitted records what the gateway emits.
type emitted struct{ events []sdk.Event }

func (e *emitted) Emit(_ context.Context, ev sdk.Event) (string, error) {
	e.events = append(e.events, ev)
	return "id", nil
}

func (e *emitted) EmitWait(context.Context, sdk.Event) (sdk.Outcome, error) {
	return sdk.Outcome{}, errors.New("not in this test")
}

// frontTest is the gateway's front in front of a route whose answer sets
// its own CORS header, as a careless task might.
func frontTest(t *testing.T, cors string) (http.Handler, *emitted) {
	t.Helper()
	raw := `{"routes":[{"path":"/x"}]`
	if cors != "" {
		raw += `,"cors":` + cors
	}
	c, err := parseConfig([]byte(raw + `}`))
	require.NoError(t, err)
	em := &emitted{}
	g := &gateway{cfg: c, emit: em, hosts: hostrule.Rule{Hosts: []string{"gateway.test"}}}
	return g.front(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("the task's output"))
	})), em
}

func call(h http.Handler, method, host string, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "http://"+host+"/x", nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func accessControl(h http.Header) []string {
	var out []string
	for k := range h {
		if strings.HasPrefix(k, "Access-Control-") {
			out = append(out, k)
		}
	}
	return out
}

func TestFront_Host(t *testing.T) {
	h, em := frontTest(t, "")
	rec := call(h, http.MethodGet, "rebound.attacker.example:8080", nil)
	require.Equal(t, http.StatusForbidden, rec.Code)
	require.NotContains(t, rec.Body.String(), "the task's output")
	require.Contains(t, rec.Body.String(), "DNS rebinding")
	require.Len(t, em.events, 1, "a refused request is a filtered event")
	require.Contains(t, em.events[0].Filtered, `host name "rebound.attacker.example:8080" is not accepted`)

	for _, host := range []string{"127.0.0.1:8080", "localhost", "gateway.test:8080"} {
		require.Equal(t, http.StatusOK, call(h, http.MethodGet, host, nil).Code, host)
	}
}

func TestFront_CORS(t *testing.T) {
	h, _ := frontTest(t, `{"allow_origins":["https://app.example"],"allow_methods":["GET","PUT"],`+
		`"allow_headers":["X-Api-Key"],"expose_headers":["X-Ironlocal-Task-Id"],"max_age":300,"allow_credentials":true}`)

	t.Run("preflight, allowed", func(t *testing.T) {
		rec := call(h, http.MethodOptions, "127.0.0.1", map[string]string{"Origin": "https://app.example",
			"Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "x-api-key"})
		require.Equal(t, http.StatusNoContent, rec.Code)
		require.Empty(t, rec.Body.String(), "the route did not run")
		require.Equal(t, "https://app.example", rec.Header().Get("Access-Control-Allow-Origin"))
		require.Equal(t, "GET,PUT", rec.Header().Get("Access-Control-Allow-Methods"))
		require.Equal(t, "X-Api-Key", rec.Header().Get("Access-Control-Allow-Headers"))
		require.Equal(t, "300", rec.Header().Get("Access-Control-Max-Age"))
		require.Equal(t, "true", rec.Header().Get("Access-Control-Allow-Credentials"))
	})
	t.Run("preflight, not allowed", func(t *testing.T) {
		rec := call(h, http.MethodOptions, "127.0.0.1", map[string]string{"Origin": "https://evil.example",
			"Access-Control-Request-Method": "PUT"})
		require.Equal(t, http.StatusNoContent, rec.Code)
		require.Empty(t, accessControl(rec.Header()))
	})
	t.Run("OPTIONS that is no preflight goes to the route", func(t *testing.T) {
		rec := call(h, http.MethodOptions, "127.0.0.1", nil)
		require.Equal(t, "the task's output", rec.Body.String())
	})
	t.Run("answer, allowed", func(t *testing.T) {
		rec := call(h, http.MethodGet, "127.0.0.1", map[string]string{"Origin": "https://app.example"})
		require.Equal(t, "the task's output", rec.Body.String())
		require.Equal(t, "https://app.example", rec.Header().Get("Access-Control-Allow-Origin"), "the gateway's, not the task's")
		require.Equal(t, "X-Ironlocal-Task-Id", rec.Header().Get("Access-Control-Expose-Headers"))
		require.Contains(t, rec.Header().Values("Vary"), "Origin")
	})
	for name, origin := range map[string]string{"answer, not allowed": "https://evil.example", "answer, no origin": ""} {
		t.Run(name, func(t *testing.T) {
			rec := call(h, http.MethodGet, "127.0.0.1", map[string]string{"Origin": origin})
			require.Equal(t, "the task's output", rec.Body.String(), "served, as API Gateway does")
			require.Empty(t, accessControl(rec.Header()), "the task's own CORS headers are dropped")
		})
	}
	t.Run("wildcards echo what the preflight asks", func(t *testing.T) {
		h, _ := frontTest(t, `{"allow_origins":["*"],"allow_methods":["*"],"allow_headers":["*"]}`)
		rec := call(h, http.MethodOptions, "127.0.0.1", map[string]string{"Origin": "https://any.example",
			"Access-Control-Request-Method": "DELETE", "Access-Control-Request-Headers": "x-one,x-two"})
		require.Equal(t, "*", rec.Header().Get("Access-Control-Allow-Origin"))
		require.Equal(t, "DELETE", rec.Header().Get("Access-Control-Allow-Methods"))
		require.Equal(t, "x-one,x-two", rec.Header().Get("Access-Control-Allow-Headers"))
	})
}

func TestFront_NoCORSKeepsTheTasksHeaders(t *testing.T) {
	h, _ := frontTest(t, "")
	rec := call(h, http.MethodGet, "127.0.0.1", map[string]string{"Origin": "https://evil.example"})
	require.Equal(t, "*", rec.Header().Get("Access-Control-Allow-Origin"),
		"without a CORS configuration the task's answer decides, as with API Gateway")
}
