package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// Fault injection (README "Control plane"): rules make matching Iron API
// requests fail or slow down; the control plane itself is never affected.

// faultRule is the wire form of a fault rule.
type faultRule struct {
	ID       string `json:"id"`
	Service  string `json:"service"`
	Project  string `json:"project_id"`
	Resource string `json:"resource"`
	Method   string `json:"method"`
	Status   int    `json:"status"`
	Msg      string `json:"msg"`
	Latency  string `json:"latency"`
	Times    int    `json:"times"`
	Hits     int64  `json:"hits"`
}

// addFault installs a rule from a raw body and returns it.
func (e *env) addFault(t *testing.T, body string) faultRule {
	t.Helper()
	var got struct {
		Msg   string    `json:"msg"`
		Fault faultRule `json:"fault"`
	}
	e.do(t, http.MethodPost, "/_ironlocal/faults", body).decode(t, http.StatusOK, &got)
	require.Equal(t, "Fault added", got.Msg, "msg")
	require.NotEmpty(t, got.Fault.ID, "fault id")
	return got.Fault
}

// faults lists the installed rules.
func (e *env) faults(t *testing.T) []faultRule {
	t.Helper()
	var got struct {
		Faults []faultRule `json:"faults"`
	}
	e.do(t, http.MethodGet, "/_ironlocal/faults", "").decode(t, http.StatusOK, &got)
	require.NotNil(t, got.Faults, "faults is an array, never null")
	return got.Faults
}

// fault returns the listed rule with id.
func (e *env) fault(t *testing.T, id string) faultRule {
	t.Helper()
	for _, f := range e.faults(t) {
		if f.ID == id {
			return f
		}
	}
	t.Fatalf("fault %s is not listed", id)
	return faultRule{}
}

func (e *env) clearFaults(t *testing.T) {
	t.Helper()
	e.do(t, http.MethodDelete, "/_ironlocal/faults", "").expectMsg(t, http.StatusOK, "Faults cleared")
}

func TestFaults_Status(t *testing.T) {
	e := newEnv(t)
	e.do(t, http.MethodPut, queuePath("jobs"), "").decode(t, http.StatusOK, &struct{}{})

	t.Run("added rule as listed", func(t *testing.T) {
		e.do(t, http.MethodPost, "/_ironlocal/faults", `{"service":"mq","resource":"jobs","method":"post","status":503}`).
			scrub(t, "id", reDigits, "ID").
			expect(t, http.StatusOK, `{"msg":"Fault added","fault":{"id":"ID","service":"mq","resource":"jobs","method":"POST",
				"status":503,"msg":"Injected fault: Service Unavailable","hits":0}}`)
	})
	t.Run("matching request fails", func(t *testing.T) {
		e.do(t, http.MethodPost, queuePath("jobs", "/messages"), `{"messages":[{"body":"x"}]}`).
			expectMsg(t, http.StatusServiceUnavailable, "Injected fault: Service Unavailable")
	})
	t.Run("others pass", func(t *testing.T) {
		require.Len(t, e.post(t, "other", "x"), 1, "another queue")
		require.Zero(t, e.queue(t, "jobs").Size, "another method on the queue; the failed post stored nothing")
		e.put(t, "jobs", "k", `{"value":1}`).expectMsg(t, http.StatusOK, "Stored.") // a cache of the same name
	})
	t.Run("hits counted", func(t *testing.T) {
		got := e.faults(t)
		require.Len(t, got, 1)
		require.Equal(t, int64(1), got[0].Hits, "hits")
	})
	t.Run("control plane is never faulted", func(t *testing.T) {
		e.clearFaults(t)
		e.addFault(t, `{"status":500}`) // matches every Iron API request
		e.do(t, http.MethodGet, queuesPath(), "").expectMsg(t, http.StatusInternalServerError, "Injected fault: Internal Server Error")
		e.do(t, http.MethodGet, cachesPath(), "").expectMsg(t, http.StatusInternalServerError, "Injected fault: Internal Server Error")
		e.do(t, http.MethodGet, "/_ironlocal/health", "").decode(t, http.StatusOK, &struct{}{})
		e.clearFaults(t)
		e.do(t, http.MethodGet, queuesPath(), "").decode(t, http.StatusOK, &struct{}{})
	})
	t.Run("custom msg", func(t *testing.T) {
		f := e.addFault(t, `{"service":"cache","resource":"c","status":429,"msg":"Slow down"}`)
		e.do(t, http.MethodGet, itemPath("c", "k"), "").expectMsg(t, http.StatusTooManyRequests, "Slow down")
		e.do(t, http.MethodDelete, "/_ironlocal/faults/"+f.ID, "").expectMsg(t, http.StatusOK, "Deleted")
	})
	t.Run("project", func(t *testing.T) {
		f := e.addFault(t, `{"project_id":"000000000000000000000001","status":503}`)
		e.do(t, http.MethodGet, "/3/projects/000000000000000000000001/queues", "").expectError(t, http.StatusServiceUnavailable)
		e.do(t, http.MethodGet, queuesPath(), "").decode(t, http.StatusOK, &struct{}{})
		e.do(t, http.MethodDelete, "/_ironlocal/faults/"+f.ID, "").expectMsg(t, http.StatusOK, "Deleted")
	})
	t.Run("worker tasks by code name", func(t *testing.T) {
		f := e.addFault(t, `{"service":"worker","resource":"c","method":"GET","status":502}`)
		e.do(t, http.MethodGet, workerPath("/tasks?code_name=c"), "").expectMsg(t, http.StatusBadGateway, "Injected fault: Bad Gateway")
		e.do(t, http.MethodGet, workerPath("/tasks?code_name=d"), "").decode(t, http.StatusOK, &struct{}{})
		e.do(t, http.MethodDelete, "/_ironlocal/faults/"+f.ID, "").expectMsg(t, http.StatusOK, "Deleted")
	})
}

func TestFaults_Times(t *testing.T) {
	e := newEnv(t)
	f := e.addFault(t, `{"service":"cache","resource":"c","status":500,"times":2}`)
	require.Equal(t, 2, f.Times, "times")

	for i := range 2 {
		e.put(t, "c", "k", `{"value":1}`).expectMsg(t, http.StatusInternalServerError, "Injected fault: Internal Server Error")
		require.Equal(t, int64(i+1), e.fault(t, f.ID).Hits, "hits after %d requests", i+1)
	}
	e.put(t, "c", "k", `{"value":1}`).expectMsg(t, http.StatusOK, "Stored.")
	require.Equal(t, int64(2), e.fault(t, f.ID).Hits, "hits once used up")
}

func TestFaults_Latency(t *testing.T) {
	e := newEnv(t)
	// Timing is never asserted: only that the request went through and the
	// rule counted it.
	f := e.addFault(t, `{"service":"mq","resource":"slow","latency":"5ms"}`)
	require.Equal(t, "5ms", f.Latency, "latency")
	require.Zero(t, f.Status, "status")

	require.Len(t, e.post(t, "slow", "x"), 1, "posted through the latency")
	require.Equal(t, int64(1), e.fault(t, f.ID).Hits, "hits")
	e.post(t, "fast", "x")
	require.Equal(t, int64(1), e.fault(t, f.ID).Hits, "hits after a request to another queue")

	t.Run("with a status", func(t *testing.T) {
		g := e.addFault(t, `{"service":"mq","resource":"slow-fail","latency":"1ms","status":504}`)
		e.do(t, http.MethodGet, queuePath("slow-fail"), "").expectMsg(t, http.StatusGatewayTimeout, "Injected fault: Gateway Timeout")
		require.Equal(t, int64(1), e.fault(t, g.ID).Hits, "hits")
	})
}

func TestFaults_Manage(t *testing.T) {
	e := newEnv(t)

	t.Run("empty list", func(t *testing.T) {
		e.do(t, http.MethodGet, "/_ironlocal/faults", "").expect(t, http.StatusOK, `{"faults":[]}`)
	})
	t.Run("list in order with hits", func(t *testing.T) {
		a := e.addFault(t, `{"service":"mq","resource":"a","status":503}`)
		b := e.addFault(t, `{"service":"cache","latency":"1ms","times":3}`)
		e.do(t, http.MethodGet, queuePath("a"), "").expectError(t, http.StatusServiceUnavailable)
		got := e.faults(t)
		require.Equal(t, []faultRule{
			{ID: a.ID, Service: "mq", Resource: "a", Status: 503, Msg: "Injected fault: Service Unavailable", Hits: 1},
			{ID: b.ID, Service: "cache", Latency: "1ms", Times: 3, Msg: "Injected fault", Hits: 0},
		}, got)
	})
	t.Run("delete one", func(t *testing.T) {
		before := e.faults(t)
		require.Len(t, before, 2)
		e.do(t, http.MethodDelete, "/_ironlocal/faults/"+before[0].ID, "").expectMsg(t, http.StatusOK, "Deleted")
		require.Equal(t, before[1:], e.faults(t), "the other rule stays")
		e.do(t, http.MethodGet, queuePath("a"), "").expectMsg(t, http.StatusNotFound, "Queue not found")
	})
	t.Run("delete unknown", func(t *testing.T) {
		e.do(t, http.MethodDelete, "/_ironlocal/faults/999", "").expectError(t, http.StatusNotFound)
	})
	t.Run("clear", func(t *testing.T) {
		e.addFault(t, `{"status":500}`)
		e.clearFaults(t)
		require.Empty(t, e.faults(t))
		e.do(t, http.MethodGet, queuesPath(), "").decode(t, http.StatusOK, &struct{}{})
	})
	t.Run("reset clears", func(t *testing.T) {
		e.addFault(t, `{"service":"mq","status":503}`)
		e.reset(t)
		require.Empty(t, e.faults(t))
		e.post(t, "after-reset", "x")
	})
}

func TestFaults_Invalid(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ name, body string }{
		{"status 200", `{"status":200}`},
		{"status 399", `{"status":399}`},
		{"status 600", `{"status":600}`},
		{"unknown service", `{"service":"queue","status":503}`},
		{"bad latency", `{"latency":"soon"}`},
		{"latency without unit", `{"latency":"200"}`},
		{"negative latency", `{"latency":"-1s"}`},
		{"latency over 5m", `{"latency":"6m"}`},
		{"neither status nor latency", `{"service":"mq"}`},
		{"negative times", `{"status":503,"times":-1}`},
		{"status not a number", `{"status":"503x"}`},
		{"not JSON", `{`},
		{"empty body", ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.do(t, http.MethodPost, "/_ironlocal/faults", tc.body).expectError(t, http.StatusBadRequest)
			require.Empty(t, e.faults(t), "nothing installed")
		})
	}
}
