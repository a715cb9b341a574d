package httptrigger

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ironlocal/ironlocal/plugins/sdk"
)

// Event types.
const (
	eventV1 = "apigateway:proxy:v1"
	eventV2 = "apigateway:proxy:v2"
)

const accountID = "000000000000"

func requestBody(body []byte) (text any, base64Encoded bool) {
	if len(body) == 0 {
		return nil, false
	}
	if utf8.Valid(body) {
		return string(body), false
	}
	return base64.StdEncoding.EncodeToString(body), true
}

func sourceIP(req *http.Request) string {
	host, _, err := net.SplitHostPort(req.RemoteAddr)
	if err != nil {
		return req.RemoteAddr
	}
	return host
}

func nilIfEmpty[M ~map[string]V, V any](m M) any {
	if len(m) == 0 {
		return nil
	}
	return m
}

// eventV1Payload is a REST API (v1) Lambda proxy integration event.
func eventV1Payload(c config, r route, req *http.Request, body []byte, requestID string, at time.Time) map[string]any {
	headers, multiHeaders := map[string]string{}, map[string][]string{}
	for k, vs := range req.Header {
		headers[k] = vs[len(vs)-1]
		multiHeaders[k] = vs
	}
	if req.Host != "" {
		headers["Host"], multiHeaders["Host"] = req.Host, []string{req.Host}
	}
	query, multiQuery := map[string]string{}, map[string][]string{}
	for k, vs := range req.URL.Query() {
		query[k] = vs[len(vs)-1]
		multiQuery[k] = vs
	}
	text, b64 := requestBody(body)
	return map[string]any{
		"resource": r.Path, "path": req.URL.Path, "httpMethod": req.Method,
		"headers": nilIfEmpty(headers), "multiValueHeaders": nilIfEmpty(multiHeaders),
		"queryStringParameters": nilIfEmpty(query), "multiValueQueryStringParameters": nilIfEmpty(multiQuery),
		"pathParameters": nilIfEmpty(pathParams(r, req)), "stageVariables": nil,
		"requestContext": map[string]any{
			"accountId": accountID, "apiId": "ironlocal", "resourceId": "ironlocal", "resourcePath": r.Path,
			"httpMethod": req.Method, "path": "/" + c.Stage + req.URL.Path, "stage": c.Stage,
			"protocol": req.Proto, "requestId": requestID, "extendedRequestId": requestID,
			"requestTime": at.Format("02/Jan/2006:15:04:05 -0700"), "requestTimeEpoch": at.UnixMilli(),
			"domainName": req.Host,
			"identity":   map[string]any{"sourceIp": sourceIP(req), "userAgent": req.UserAgent()},
		},
		"body": text, "isBase64Encoded": b64,
	}
}

// eventV2Payload is an HTTP API payload format 2.0 event.
func eventV2Payload(c config, r route, req *http.Request, body []byte, requestID string, at time.Time) map[string]any {
	headers := map[string]string{}
	var cookies []string
	for k, vs := range req.Header {
		if strings.EqualFold(k, "Cookie") {
			for _, v := range vs {
				for _, part := range strings.Split(v, ";") {
					if part = strings.TrimSpace(part); part != "" {
						cookies = append(cookies, part)
					}
				}
			}
			continue
		}
		headers[strings.ToLower(k)] = strings.Join(vs, ",")
	}
	if req.Host != "" {
		headers["host"] = req.Host
	}
	query := map[string]string{}
	for k, vs := range req.URL.Query() {
		query[k] = strings.Join(vs, ",")
	}
	stage := c.Stage
	if stage == "local" {
		stage = "$default"
	}
	text, b64 := requestBody(body)
	ev := map[string]any{
		"version": "2.0", "routeKey": r.routeKey(), "rawPath": req.URL.Path, "rawQueryString": req.URL.RawQuery,
		"headers": headers, "queryStringParameters": nilIfEmpty(query), "pathParameters": nilIfEmpty(pathParams(r, req)),
		"requestContext": map[string]any{
			"accountId": accountID, "apiId": "ironlocal", "domainName": req.Host,
			"domainPrefix": strings.Split(req.Host, ".")[0],
			"http": map[string]any{"method": req.Method, "path": req.URL.Path, "protocol": req.Proto,
				"sourceIp": sourceIP(req), "userAgent": req.UserAgent()},
			"requestId": requestID, "routeKey": r.routeKey(), "stage": stage,
			"time": at.Format("02/Jan/2006:15:04:05 -0700"), "timeEpoch": at.UnixMilli(),
		},
		"body": text, "isBase64Encoded": b64,
	}
	if len(cookies) > 0 {
		ev["cookies"] = cookies
	}
	return ev
}

// proxyResponse is a Lambda proxy integration's answer.
type proxyResponse struct {
	StatusCode        *int                `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Cookies           []string            `json:"cookies"`
	Body              string              `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

// taskAnswer picks the task's answer from its stdout: the whole output if
// it is JSON, else its last non-empty line (so a task may log before it).
func taskAnswer(out []byte) []byte {
	out = bytes.TrimSpace(out)
	if json.Valid(out) {
		return out
	}
	lines := bytes.Split(out, []byte("\n"))
	for i := len(lines) - 1; i >= 0; i-- {
		if l := bytes.TrimSpace(lines[i]); len(l) > 0 {
			return l
		}
	}
	return out
}

// writeProxyResponse answers from the task's output as API Gateway does:
// v1 needs {"statusCode",…} (else 502 "Malformed Lambda proxy response");
// v2 also takes any other JSON as a 200 application/json body.
func writeProxyResponse(w http.ResponseWriter, hdr map[string]string, format string, out []byte) {
	answer := taskAnswer(out)
	var pr proxyResponse
	err := json.Unmarshal(answer, &pr)
	if err != nil || pr.StatusCode == nil {
		if format == "v2" && json.Valid(answer) {
			for k, v := range hdr {
				w.Header().Set(k, v)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(answer)
			return
		}
		writeJSON(w, http.StatusBadGateway, hdr, map[string]string{"message": "Malformed Lambda proxy response"})
		return
	}
	body := []byte(pr.Body)
	if pr.IsBase64Encoded {
		if body, err = base64.StdEncoding.DecodeString(pr.Body); err != nil {
			writeJSON(w, http.StatusBadGateway, hdr, map[string]string{"message": "Malformed Lambda proxy response"})
			return
		}
	}
	if *pr.StatusCode < 100 || *pr.StatusCode > 599 {
		writeJSON(w, http.StatusBadGateway, hdr, map[string]string{"message": "Malformed Lambda proxy response"})
		return
	}
	for k, v := range hdr {
		w.Header().Set(k, v)
	}
	for k, vs := range pr.MultiValueHeaders {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	for k, v := range pr.Headers {
		w.Header().Set(k, v)
	}
	for _, c := range pr.Cookies {
		w.Header().Add("Set-Cookie", c)
	}
	w.WriteHeader(*pr.StatusCode)
	_, _ = w.Write(body)
}

func samples() []sdk.Sample {
	at := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:8080/orders/42?expand=items", strings.NewReader(`{"sku":"A-1","qty":2}`))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = "127.0.0.1:50000"
	req.SetPathValue("id", "42")
	c := config{Stage: "local"}
	r := route{Method: "POST", Path: "/orders/{id}"}
	body := []byte(`{"sku":"A-1","qty":2}`)
	v1, _ := json.Marshal(eventV1Payload(c, r, req, body, "sample", at))
	v2, _ := json.Marshal(eventV2Payload(c, r, req, body, "sample", at))
	return []sdk.Sample{
		{Name: "POST /orders/{id} (v1)", EventType: eventV1, Payload: v1},
		{Name: "POST /orders/{id} (v2)", EventType: eventV2, Payload: v2},
	}
}
