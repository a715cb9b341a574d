package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/cache"
	"github.com/ironlocal/ironlocal/wire"
)

// Wire shapes of IronCache v1 (spec §4).

func (a *API) handleProjectGet(w http.ResponseWriter, r *http.Request) {
	pid := r.PathValue("pid")
	writeJSON(w, http.StatusOK, wire.ProjectAnswer{Project: wire.Project{ID: pid, Name: pid}})
}

func (a *API) handleCacheList(w http.ResponseWriter, r *http.Request) {
	page, err := queryInt(r, "page", 0)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	perPage, err := queryInt(r, "per_page", 0)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	caches, err := a.cfg.Cache.ListCaches(r.Context(), r.PathValue("pid"), page, perPage)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := make([]wire.Cache, len(caches))
	for i, c := range caches {
		out[i] = wire.Cache{ProjectID: c.Project, Name: c.Name}
	}
	writeJSON(w, http.StatusOK, out) // a bare array (spec §5.20)
}

func (a *API) handleCacheGet(w http.ResponseWriter, r *http.Request) {
	info, err := a.cfg.Cache.GetCache(r.Context(), r.PathValue("pid"), r.PathValue("cache"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.CacheInfo{ProjectID: info.Project, Name: info.Name, Size: info.Size})
}

func (a *API) handleCacheDelete(w http.ResponseWriter, r *http.Request) {
	if err := a.cfg.Cache.DeleteCache(r.Context(), r.PathValue("pid"), r.PathValue("cache")); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeMsg(w, http.StatusOK, "Deleted.")
}

func (a *API) handleCacheClear(w http.ResponseWriter, r *http.Request) {
	if err := a.cfg.Cache.ClearCache(r.Context(), r.PathValue("pid"), r.PathValue("cache")); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeMsg(w, http.StatusOK, "Cleared.")
}

func (a *API) handleItemPut(w http.ResponseWriter, r *http.Request) {
	var body wire.ItemBody
	if err := decodeBody(r, limitCache, &body); err != nil {
		a.writeError(w, r, err)
		return
	}
	put := cache.Put{Value: body.Value, ExpiresIn: body.ExpiresIn.V, Replace: body.Replace, Add: body.Add}
	// A cas of 0 is a client struct's zero value, not a condition: every
	// stored item's cas is above 0 (spec §2.3's zero rule, for items).
	if body.CAS.Set && body.CAS.V != 0 {
		put.CAS = &body.CAS.V
	}
	err := a.cfg.Cache.PutItem(r.Context(), r.PathValue("pid"), r.PathValue("cache"), r.PathValue("key"), put)
	switch {
	case errors.Is(err, cache.ErrNotStored):
		writeMsg(w, http.StatusOK, "Not stored.")
	case err != nil:
		a.writeError(w, r, err)
	default:
		writeMsg(w, http.StatusOK, "Stored.")
	}
}

func (a *API) handleItemGet(w http.ResponseWriter, r *http.Request) {
	it, err := a.cfg.Cache.GetItem(r.Context(), r.PathValue("pid"), r.PathValue("cache"), r.PathValue("key"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toWireItem(it))
}

func toWireItem(it emulator.Item) wire.Item {
	// An item that never expires (zero ExpiresAt) says so as wire.Expires
	// writes it.
	return wire.Item{Cache: it.Cache, Key: it.Key, Value: wireValue(it.Value), CAS: strconv.FormatUint(it.CAS, 10),
		Expires: wire.Expires{Time: it.ExpiresAt}}
}

// wireValue is a stored item value as JSON fit to send. Values are kept as
// the client sent them, and the JSON decoder lets invalid UTF-8 through
// inside a string; such a string is re-encoded with U+FFFD in place of each
// bad byte (as encoding/json does for any string), so the response stays
// valid JSON for every client's decoder.
func wireValue(v []byte) json.RawMessage {
	if utf8.Valid(v) {
		return v
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		s = string(v) // not a JSON string: send its text as one
	}
	b, _ := json.Marshal(s) // a string always marshals
	return b
}

func (a *API) handleItemDelete(w http.ResponseWriter, r *http.Request) {
	if err := a.cfg.Cache.DeleteItem(r.Context(), r.PathValue("pid"), r.PathValue("cache"), r.PathValue("key")); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeMsg(w, http.StatusOK, "Deleted.")
}

func (a *API) handleItemIncrement(w http.ResponseWriter, r *http.Request) {
	var body wire.IncrementBody
	if err := decodeBody(r, limitSmall, &body); err != nil {
		a.writeError(w, r, err)
		return
	}
	if body.Amount == nil {
		a.writeError(w, r, badRequest("amount is required (an integer, may be negative)"))
		return
	}
	amount, err := body.Amount.Int64()
	if err != nil {
		a.writeError(w, r, badRequest("amount must be an integer"))
		return
	}
	v, err := a.cfg.Cache.Increment(r.Context(), r.PathValue("pid"), r.PathValue("cache"), r.PathValue("key"), amount)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.Incremented{Msg: "Added", Value: v})
}
