package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/ironlocal/ironlocal/wire"
)

// IronCache v1: caches and items of the client's project.

// Caches lists cache names. GET /1/projects/{pid}/caches
func (c *Client) Caches(ctx context.Context, p Page) ([]string, error) {
	q := url.Values{}
	p.query(q)
	var out []wire.Cache
	if err := c.call(ctx, http.MethodGet, withQuery(c.pp("1")+"/caches", q), nil, &out); err != nil {
		return nil, err
	}
	names := make([]string, len(out))
	for i, e := range out {
		names[i] = e.Name
	}
	return names, nil
}

func (c *Client) cachePath(name string) string { return c.pp("1") + "/caches/" + esc(name) }

func (c *Client) itemPath(cache, key string) string {
	return c.cachePath(cache) + "/items/" + esc(key)
}

// CacheInfo is a cache and its count of live items.
type CacheInfo = wire.CacheInfo

// Cache returns a cache's item count. GET /1/projects/{pid}/caches/{name}
func (c *Client) Cache(ctx context.Context, name string) (CacheInfo, error) {
	var out CacheInfo
	err := c.call(ctx, http.MethodGet, c.cachePath(name), nil, &out)
	return out, err
}

// ClearCache removes every item. POST /1/projects/{pid}/caches/{name}/clear
func (c *Client) ClearCache(ctx context.Context, name string) error {
	return c.call(ctx, http.MethodPost, c.cachePath(name)+"/clear", nil, nil)
}

// DeleteCache deletes a cache and its items.
// DELETE /1/projects/{pid}/caches/{name}
func (c *Client) DeleteCache(ctx context.Context, name string) error {
	return c.call(ctx, http.MethodDelete, c.cachePath(name), nil, nil)
}

// Item is a cache item. Value is its JSON value (a string, number or
// boolean).
type Item = wire.Item

// NeverExpires is the Expires of items stored without expires_in.
var NeverExpires = wire.NeverExpires

// Item returns an item (404 when missing or expired).
// GET /1/projects/{pid}/caches/{cache}/items/{key}
func (c *Client) Item(ctx context.Context, cache, key string) (Item, error) {
	var out Item
	err := c.call(ctx, http.MethodGet, c.itemPath(cache, key), nil, &out)
	return out, err
}

// ItemPut stores a value: a string, a number, a bool, or a json.RawMessage
// holding one of them. ExpiresIn is seconds (0 = never); Add stores only a
// new key, Replace only an existing one, CAS only when the item's cas
// still matches.
type ItemPut = wire.ItemPut

// PutItem stores an item (the cache is created if missing). stored is
// false when Add, Replace or CAS refused the write; nothing changed then.
// PUT /1/projects/{pid}/caches/{cache}/items/{key}
func (c *Client) PutItem(ctx context.Context, cache, key string, p ItemPut) (stored bool, err error) {
	var out wire.Msg
	if err := c.call(ctx, http.MethodPut, c.itemPath(cache, key), p, &out); err != nil {
		return false, err
	}
	return out.Msg != "Not stored.", nil
}

// Increment adds amount (may be negative) to a numeric item, creating it
// when missing, and returns the new value.
// POST /1/projects/{pid}/caches/{cache}/items/{key}/increment
func (c *Client) Increment(ctx context.Context, cache, key string, amount int64) (int64, error) {
	var out wire.Incremented
	err := c.call(ctx, http.MethodPost, c.itemPath(cache, key)+"/increment", wire.Increment(amount), &out)
	return out.Value, err
}

// DeleteItem deletes an item. DELETE /1/projects/{pid}/caches/{cache}/items/{key}
func (c *Client) DeleteItem(ctx context.Context, cache, key string) error {
	return c.call(ctx, http.MethodDelete, c.itemPath(cache, key), nil, nil)
}
