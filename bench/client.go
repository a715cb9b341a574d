package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/ironlocal/ironlocal/client"
)

// NewHTTPClient returns a client whose transport keeps a warm keep-alive
// connection for each of up to workers concurrent requests to one host and
// never asks for compression.
func NewHTTPClient(workers int) *http.Client {
	idle := max(2*workers, 16)
	return &http.Client{
		Timeout: 60 * time.Second,
		Transport: &http.Transport{
			Proxy:               nil, // loopback: never via a proxy from the environment
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        idle,
			MaxIdleConnsPerHost: idle,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
			ForceAttemptHTTP2:   false,
		},
	}
}

// Client speaks the parts of the IronMQ v3 and IronCache v1 wire protocol
// (spec §2, §4) that the load generator calls in its hot loop. Request
// bodies are built by hand or passed pre-encoded, and answers decoded into
// the few fields the loop needs, so the load generator spends little CPU
// of its own: package client's encoding/json bodies and full message
// decoding (every body copied) would be measured along with ironlocal.
// Everything else goes through client (API, worker.go).
type Client struct {
	HTTP    *http.Client
	BaseURL string // e.g. http://127.0.0.1:4766
	Project string // 24 hex chars
	Token   string
	api     *client.Client
}

// NewClient is a Client of the ironlocal at baseURL, sharing hc's
// connections with its typed client (API).
func NewClient(hc *http.Client, baseURL, project, token string) (*Client, error) {
	api, err := client.New(baseURL, token, client.WithProject(project), client.WithHTTPClient(hc))
	if err != nil {
		return nil, fmt.Errorf("bench client: %w", err)
	}
	return &Client{HTTP: hc, BaseURL: baseURL, Project: project, Token: token, api: api}, nil
}

// Message is the part of a reserved message (wire.Message) the load
// generator keeps: enough to delete it, without copying its body.
type Message struct {
	ID            string `json:"id"`
	ReservationID string `json:"reservation_id"`
}

// Delivered is a reserved message with its body, for figures that match
// what they reserve with what they posted.
type Delivered struct {
	Message
	Body string `json:"body"`
}

// StatusError is a response with an unexpected status.
type StatusError struct {
	Method, Path string
	Status       int
	Body         string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s %s: status %d: %s", e.Method, e.Path, e.Status, e.Body)
}

// requests counts every request a Client sent, for the CPU per request
// the throughput figures print.
var requests atomic.Int64

// Requests is how many requests Clients have sent since the process
// started.
func Requests() int64 { return requests.Load() }

// do sends one request and, if the status is want, decodes the reply into
// out (or discards it when out is nil).
func (c *Client) do(ctx context.Context, method, path string, body []byte, want int, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "OAuth "+c.Token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	requests.Add(1)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return &StatusError{Method: method, Path: path, Status: resp.StatusCode, Body: string(bytes.TrimSpace(b))}
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return fmt.Errorf("%s %s: decode reply: %w", method, path, err)
		}
	}
	_, err = io.Copy(io.Discard, resp.Body) // drain so the connection is reused
	return err
}

func (c *Client) queuePath(queue string) string {
	return "/3/projects/" + c.Project + "/queues/" + url.PathEscape(queue)
}

func (c *Client) cachePath(cache string) string {
	return "/1/projects/" + c.Project + "/caches/" + url.PathEscape(cache)
}

// MessagesBody encodes a post body of n messages that all carry body.
func MessagesBody(n int, body string) []byte {
	quoted := jsonString(body)
	b := []byte(`{"messages":[`)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"body":`...)
		b = append(b, quoted...)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

func jsonString(s string) []byte {
	b, _ := json.Marshal(s) // a string always encodes
	return b
}

// PostMessages posts a body made by MessagesBody and discards the ids.
func (c *Client) PostMessages(ctx context.Context, queue string, payload []byte) error {
	return c.do(ctx, http.MethodPost, c.queuePath(queue)+"/messages", payload, http.StatusCreated, nil)
}

// Reserve reserves up to n messages for timeout seconds (0: queue default).
func (c *Client) Reserve(ctx context.Context, queue string, n, timeout int) ([]Message, error) {
	body := []byte(`{"n":` + strconv.Itoa(n) + `,"timeout":` + strconv.Itoa(timeout) + `}`)
	var out struct {
		Messages []Message `json:"messages"`
	}
	err := c.do(ctx, http.MethodPost, c.queuePath(queue)+"/reservations", body, http.StatusOK, &out)
	return out.Messages, err
}

// DeleteMessage deletes one reserved message.
func (c *Client) DeleteMessage(ctx context.Context, queue string, m Message) error {
	body := append(append([]byte(`{"reservation_id":`), jsonString(m.ReservationID)...), '}')
	return c.do(ctx, http.MethodDelete, c.queuePath(queue)+"/messages/"+url.PathEscape(m.ID), body, http.StatusOK, nil)
}

// DeleteMessages batch-deletes reserved messages.
func (c *Client) DeleteMessages(ctx context.Context, queue string, ms []Message) error {
	b := make([]byte, 0, 16+len(ms)*80)
	b = append(b, `{"ids":[`...)
	for i, m := range ms {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = append(b, jsonString(m.ID)...)
		b = append(b, `,"reservation_id":`...)
		b = append(b, jsonString(m.ReservationID)...)
		b = append(b, '}')
	}
	b = append(b, "]}"...)
	return c.do(ctx, http.MethodDelete, c.queuePath(queue)+"/messages", b, http.StatusOK, nil)
}

// CacheItemBody encodes a put body storing value as a string.
func CacheItemBody(value string) []byte {
	return append(append([]byte(`{"value":`), jsonString(value)...), '}')
}

// CachePut stores an item; payload comes from CacheItemBody.
func (c *Client) CachePut(ctx context.Context, cache, key string, payload []byte) error {
	return c.do(ctx, http.MethodPut, c.cachePath(cache)+"/items/"+url.PathEscape(key), payload, http.StatusOK, nil)
}

// CacheGet fetches an item and discards it.
func (c *Client) CacheGet(ctx context.Context, cache, key string) error {
	return c.do(ctx, http.MethodGet, c.cachePath(cache)+"/items/"+url.PathEscape(key), nil, http.StatusOK, nil)
}

// ReserveWait long-polls: it reserves up to n messages, waiting up to wait
// seconds for one to arrive.
func (c *Client) ReserveWait(ctx context.Context, queue string, n, wait int) ([]Message, error) {
	return reserveWait[Message](ctx, c, queue, n, wait)
}

// ReserveWaitBodies is ReserveWait, with the messages' bodies.
func (c *Client) ReserveWaitBodies(ctx context.Context, queue string, n, wait int) ([]Delivered, error) {
	return reserveWait[Delivered](ctx, c, queue, n, wait)
}

// reserveWait long-polls for up to n messages, decoded as T.
func reserveWait[T any](ctx context.Context, c *Client, queue string, n, wait int) ([]T, error) {
	body := []byte(`{"n":` + strconv.Itoa(n) + `,"wait":` + strconv.Itoa(wait) + `}`)
	var out struct {
		Messages []T `json:"messages"`
	}
	err := c.do(ctx, http.MethodPost, c.queuePath(queue)+"/reservations", body, http.StatusOK, &out)
	return out.Messages, err
}
