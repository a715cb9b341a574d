package httpapi

import (
	"net/http"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/mq"
	"github.com/ironlocal/ironlocal/wire"
)

// Wire shapes of queue settings: push, dead-letter and alerts (spec §2.1,
// §2.6, §2.7).

func toWireQueue(q emulator.Queue) wire.Queue {
	w := wire.Queue{ID: q.ID, ProjectID: q.Project, Name: q.Name, Size: q.Size, TotalMessages: q.TotalMessages,
		MessageTimeout: q.MessageTimeout, MessageExpiration: q.MessageExpiration, Type: wire.QueueType(q.Type)}
	if p := q.Push; p != nil && q.Type.IsPush() {
		w.Push = &wire.Push{Subscribers: toWireSubscribers(p.Subscribers), Retries: p.Retries,
			RetriesDelay: p.RetriesDelay, ErrorQueue: p.ErrorQueue}
	}
	if d := q.DeadLetter; d != nil {
		w.DeadLetter = &wire.DeadLetter{QueueName: d.QueueName, MaxReservations: d.MaxReservations}
	}
	for _, a := range q.Alerts {
		w.Alerts = append(w.Alerts, wire.Alert{ID: a.ID, Type: a.Type, Direction: a.Direction, Trigger: a.Trigger,
			Queue: a.Queue, Snooze: a.Snooze})
	}
	return w
}

func toWireSubscribers(subs []emulator.Subscriber) []wire.Subscriber {
	out := make([]wire.Subscriber, len(subs))
	for i, s := range subs {
		out[i] = wire.Subscriber{Name: s.Name, URL: s.URL, Headers: s.Headers}
	}
	return out
}

func fromWireSubscribers(subs []wire.Subscriber) []emulator.Subscriber {
	out := make([]emulator.Subscriber, len(subs))
	for i, s := range subs {
		out[i] = emulator.Subscriber{Name: s.Name, URL: s.URL, Headers: s.Headers}
	}
	return out
}

func fromWireAlerts(in []wire.AlertBody) []emulator.Alert {
	out := make([]emulator.Alert, len(in))
	for i, a := range in {
		out[i] = emulator.Alert{ID: a.ID, Type: a.Type, Direction: a.Direction, Trigger: a.Trigger.V, Queue: a.Queue, Snooze: a.Snooze.V}
	}
	return out
}

// queueSettings converts the wire form; merge is PATCH (alerts append).
func queueSettings(w wire.QueueSettingsBody, merge bool) mq.QueueSettings {
	s := mq.QueueSettings{MessageTimeout: w.MessageTimeout.Ptr(), MessageExpiration: w.MessageExpiration.Ptr(), Merge: merge}
	if w.Type != nil {
		t := emulator.QueueType(*w.Type)
		s.Type = &t
	}
	if p := w.Push; p != nil {
		s.Push = &mq.PushUpdate{Retries: p.Retries.Ptr(), RetriesDelay: p.RetriesDelay.Ptr(), ErrorQueue: p.ErrorQueue}
		if p.Subscribers != nil {
			subs := fromWireSubscribers(*p.Subscribers)
			s.Push.Subscribers = &subs
		}
	}
	if d := w.DeadLetter; d != nil {
		s.DeadLetter = &mq.DeadLetterUpdate{QueueName: d.QueueName, MaxReservations: d.MaxReservations.Ptr()}
	}
	if w.Alerts != nil {
		s.Alerts = fromWireAlerts(*w.Alerts)
	}
	return s
}

// handleSubscribers serves POST (add or update by name), PUT (replace) and
// DELETE (remove by name) of /queues/{q}/subscribers.
func (a *API) handleSubscribers(w http.ResponseWriter, r *http.Request) {
	var body wire.SubscribersBody
	if err := decodeBody(r, limitSmall, &body); err != nil {
		a.writeError(w, r, err)
		return
	}
	how := map[string]mq.SubscriberChange{http.MethodPost: mq.SubscribersAdd, http.MethodPut: mq.SubscribersReplace,
		http.MethodDelete: mq.SubscribersRemove}[r.Method]
	if err := a.cfg.MQ.ChangeSubscribers(r.Context(), r.PathValue("pid"), r.PathValue("queue"), fromWireSubscribers(body.Subscribers), how); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeMsg(w, http.StatusOK, "Updated")
}

// handleAlerts serves POST (add) and PUT (replace; [] clears) of
// /queues/{q}/alerts.
func (a *API) handleAlerts(w http.ResponseWriter, r *http.Request) {
	var body wire.AlertsBody
	if err := decodeBody(r, limitSmall, &body); err != nil {
		a.writeError(w, r, err)
		return
	}
	replace := r.Method == http.MethodPut
	if err := a.cfg.MQ.SetAlerts(r.Context(), r.PathValue("pid"), r.PathValue("queue"), fromWireAlerts(body.Alerts), replace); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeMsg(w, http.StatusOK, "Updated")
}

// handleAlertsDelete removes {"alerts":[{"id":…}]} or the one in the path.
func (a *API) handleAlertsDelete(w http.ResponseWriter, r *http.Request) {
	ids := []string{}
	if id := r.PathValue("alert_id"); id != "" {
		ids = append(ids, id)
	} else {
		var body wire.AlertsBody
		if err := decodeBody(r, limitSmall, &body); err != nil {
			a.writeError(w, r, err)
			return
		}
		for _, al := range body.Alerts {
			ids = append(ids, al.ID)
		}
		if len(ids) == 0 {
			a.writeError(w, r, badRequest(`Give the alerts to remove: {"alerts":[{"id":"…"}]}`))
			return
		}
	}
	if err := a.cfg.MQ.RemoveAlerts(r.Context(), r.PathValue("pid"), r.PathValue("queue"), ids); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeMsg(w, http.StatusOK, "Deleted")
}

// handlePushStatuses answers GET …/messages/{id}/subscribers.
func (a *API) handlePushStatuses(w http.ResponseWriter, r *http.Request) {
	id, err := messageID(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	subs, err := a.cfg.MQ.PushStatuses(r.Context(), r.PathValue("pid"), r.PathValue("queue"), id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := make([]wire.PushStatus, len(subs))
	for i, s := range subs {
		out[i] = wire.PushStatus{Name: s.Name, URL: s.URL, Status: string(s.Status), StatusCode: s.StatusCode,
			Tries: s.Tries, RetriesRemaining: s.RetriesRemaining, LastTryAt: wt(s.LastTryAt), NextTryAt: wt(s.NextTryAt), Msg: s.Msg, LastResponse: s.LastResponse}
	}
	writeJSON(w, http.StatusOK, wire.PushStatusList{Subscribers: out})
}
