package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/mq"
	"github.com/ironlocal/ironlocal/wire"
)

// Wire shapes of IronMQ v3 (spec §2.1). Ids are always JSON strings.

// present reports whether a raw optional field carries a value (null is
// absent, spec §1.3).
func present(raw json.RawMessage) bool { return len(raw) > 0 && string(raw) != "null" }

func toWireMessages(ms []emulator.Message) []wire.Message {
	out := make([]wire.Message, len(ms))
	for i, m := range ms {
		out[i] = wire.Message{ID: m.ID.String(), Body: m.Body, ReservedCount: m.ReservedCount, ReservationID: m.ReservationID}
	}
	return out
}

func (a *API) handleVersion(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, wire.Version{Version: a.cfg.Version})
}

func (a *API) handleQueueList(w http.ResponseWriter, r *http.Request) {
	perPage, err := queryInt(r, "per_page", 0)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	qs := r.URL.Query()
	queues, err := a.cfg.MQ.ListQueues(r.Context(), r.PathValue("pid"), qs.Get("prefix"), qs.Get("previous"), perPage)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := make([]wire.QueueName, len(queues))
	for i, q := range queues {
		out[i] = wire.QueueName{Name: q.Name}
	}
	writeJSON(w, http.StatusOK, wire.QueueNameList{Queues: out})
}

func (a *API) handleQueueGet(w http.ResponseWriter, r *http.Request) {
	q, err := a.cfg.MQ.GetQueue(r.Context(), r.PathValue("pid"), r.PathValue("queue"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.QueueAnswer{Queue: toWireQueue(q)})
}

// handleQueuePut serves PUT and PATCH: both upsert (spec §5.4). The body is
// {"queue":{…}}; {} or nothing means defaults / no change.
func (a *API) handleQueuePut(w http.ResponseWriter, r *http.Request) {
	var body wire.QueueBody
	if err := decodeBody(r, limitSmall, &body); err != nil {
		a.writeError(w, r, err)
		return
	}
	var set mq.QueueSettings
	if body.Queue != nil {
		set = queueSettings(*body.Queue, r.Method == http.MethodPatch)
	}
	q, err := a.cfg.MQ.UpsertQueue(r.Context(), r.PathValue("pid"), r.PathValue("queue"), set)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.QueueAnswer{Queue: toWireQueue(q)})
}

func (a *API) handleQueueDelete(w http.ResponseWriter, r *http.Request) {
	if err := a.cfg.MQ.DeleteQueue(r.Context(), r.PathValue("pid"), r.PathValue("queue")); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeMsg(w, http.StatusOK, "Deleted")
}

func (a *API) handleMessagesPost(w http.ResponseWriter, r *http.Request) {
	var body wire.MessagesBody
	if err := decodeBody(r, limitPost, &body); err != nil {
		a.writeError(w, r, err)
		return
	}
	msgs := make([]mq.NewMessage, len(body.Messages))
	for i, m := range body.Messages {
		if m.Body == nil {
			a.writeError(w, r, badRequest("Invalid message: body is required (a string, may be empty)"))
			return
		}
		// timeout and expires_in are ignored (spec §2.1), but a
		// negative one is a caller's mistake worth telling.
		if m.Timeout.V < 0 || m.ExpiresIn.V < 0 {
			a.writeError(w, r, badRequest(fmt.Sprintf("Message %d: timeout and expires_in must not be negative", i)))
			return
		}
		msgs[i] = mq.NewMessage{Body: *m.Body, Delay: m.Delay.V, PushHeaders: m.PushHeaders}
	}
	a.postMessages(w, r, msgs)
}

func (a *API) postMessages(w http.ResponseWriter, r *http.Request, msgs []mq.NewMessage) {
	ids, err := a.cfg.MQ.PostMessages(r.Context(), r.PathValue("pid"), r.PathValue("queue"), msgs)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	writeJSON(w, http.StatusCreated, wire.PostedMessages{IDs: out, Msg: "Messages put on queue."})
}

// handleMessagesWebhook posts the raw request body as one message; headers
// X-Subscribers-<Name> are offered as push headers.
func (a *API) handleMessagesWebhook(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r, limitPost)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	headers := map[string]string{}
	for name, values := range r.Header {
		if k, ok := strings.CutPrefix(name, "X-Subscribers-"); ok && k != "" && len(values) > 0 {
			headers[k] = values[0]
		}
	}
	id, err := a.cfg.MQ.PostWebhook(r.Context(), r.PathValue("pid"), r.PathValue("queue"), string(body), headers)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, wire.PostedMessages{IDs: []string{id.String()}, Msg: "Messages put on queue."})
}

func (a *API) handleMessagesReserve(w http.ResponseWriter, r *http.Request) {
	var body wire.ReservationBody
	if err := decodeBody(r, limitSmall, &body); err != nil {
		a.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	if body.Wait.V > 0 { // a long poll ends when the API closes, too
		var cancel context.CancelFunc
		ctx, cancel = a.longContext(r)
		defer cancel()
	}
	msgs, err := a.cfg.MQ.Reserve(ctx, r.PathValue("pid"), r.PathValue("queue"),
		mq.ReserveRequest{N: body.N.V, Timeout: body.Timeout.V, Wait: body.Wait.V, Delete: body.Delete})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.MessageList{Messages: toWireMessages(msgs)})
}

func (a *API) handleMessagesPeek(w http.ResponseWriter, r *http.Request) {
	n, err := queryInt(r, "n", 1)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	msgs, err := a.cfg.MQ.Peek(r.Context(), r.PathValue("pid"), r.PathValue("queue"), n)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.MessageList{Messages: toWireMessages(msgs)})
}

// messageID parses the {id} path value; a malformed id is simply unknown.
func messageID(r *http.Request) (emulator.MessageID, error) {
	id, ok := emulator.ParseMessageID(r.PathValue("id"))
	if !ok {
		return 0, emulator.NotFound("Message not found")
	}
	return id, nil
}

func (a *API) handleMessageGet(w http.ResponseWriter, r *http.Request) {
	id, err := messageID(r)
	if err == nil {
		var m emulator.Message
		if m, err = a.cfg.MQ.GetMessage(r.Context(), r.PathValue("pid"), r.PathValue("queue"), id); err == nil {
			writeJSON(w, http.StatusOK, wire.MessageAnswer{Message: toWireMessages([]emulator.Message{m})[0]})
			return
		}
	}
	a.writeError(w, r, err)
}

// decodeReservation reads the body of delete, touch and release.
func decodeReservation(r *http.Request) (wire.ReservationRef, error) {
	var b wire.ReservationRef
	if err := decodeBody(r, limitSmall, &b); err != nil {
		return b, err
	}
	// Push acknowledgements arrive as query parameters (spec §2.6).
	if b.ReservationID == "" {
		b.ReservationID = r.URL.Query().Get("reservation_id")
	}
	if b.SubscriberName == "" {
		b.SubscriberName = r.URL.Query().Get("subscriber_name")
	}
	return b, nil
}

func (a *API) handleMessageDelete(w http.ResponseWriter, r *http.Request) {
	id, err := messageID(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	b, err := decodeReservation(r)
	if err == nil {
		err = a.cfg.MQ.DeleteMessage(r.Context(), r.PathValue("pid"), r.PathValue("queue"),
			mq.DeleteRef{ID: id, ReservationID: b.ReservationID, SubscriberName: b.SubscriberName})
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeMsg(w, http.StatusOK, "Deleted")
}

// handleMessagesDeleteOrClear: a non-empty ids array deletes those
// messages; anything else clears the queue (spec §5.8).
func (a *API) handleMessagesDeleteOrClear(w http.ResponseWriter, r *http.Request) {
	var body wire.MessageRefs
	if err := decodeBody(r, limitPost, &body); err != nil {
		a.writeError(w, r, err)
		return
	}
	pid, queue := r.PathValue("pid"), r.PathValue("queue")
	if len(body.IDs) == 0 {
		if err := a.cfg.MQ.ClearQueue(r.Context(), pid, queue); err != nil {
			a.writeError(w, r, err)
			return
		}
		writeMsg(w, http.StatusOK, "Cleared")
		return
	}
	refs := make([]mq.DeleteRef, len(body.IDs))
	for i, d := range body.IDs {
		id, ok := emulator.ParseMessageID(d.ID)
		if !ok {
			a.writeError(w, r, emulator.NotFound("Message not found"))
			return
		}
		refs[i] = mq.DeleteRef{ID: id, ReservationID: d.ReservationID, SubscriberName: d.SubscriberName}
	}
	if err := a.cfg.MQ.DeleteMessages(r.Context(), pid, queue, refs); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeMsg(w, http.StatusOK, "Deleted")
}

func (a *API) handleMessageTouch(w http.ResponseWriter, r *http.Request) {
	id, err := messageID(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	b, err := decodeReservation(r)
	var rid string
	if err == nil {
		rid, err = a.cfg.MQ.Touch(r.Context(), r.PathValue("pid"), r.PathValue("queue"), id, b.ReservationID, b.Timeout.V)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.Touched{Msg: "Touched", ReservationID: rid})
}

func (a *API) handleMessageRelease(w http.ResponseWriter, r *http.Request) {
	id, err := messageID(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	b, err := decodeReservation(r)
	if err == nil {
		err = a.cfg.MQ.Release(r.Context(), r.PathValue("pid"), r.PathValue("queue"), id, b.ReservationID, b.Delay.V)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeMsg(w, http.StatusOK, "Released")
}
