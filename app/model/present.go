package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ironlocal/ironlocal/client"
)

// Plain functions behind the Queues, Cache, Events, Time, Data and Faults
// screens: formatting, parsing of form fields, filtering and paging. No
// widgets here, so they are tested without a window.

// QueueTypeName is a queue's type as the table shows it.
func QueueTypeName(q client.Queue) string {
	if q.Type == "" {
		return string(client.QueuePull)
	}
	return string(q.Type)
}

// QueueSettingsSummary is one line of a queue's settings.
func QueueSettingsSummary(q client.Queue) string {
	parts := []string{fmt.Sprintf("timeout %ds", q.MessageTimeout)}
	if q.MessageExpiration > 0 {
		parts = append(parts, "expires "+FormatSpan(q.MessageExpiration))
	}
	if q.Push != nil {
		parts = append(parts, fmt.Sprintf("%s, %s every %ds", Plural(len(q.Push.Subscribers), "subscriber", "subscribers"),
			Plural(q.Push.Retries, "retry", "retries"), q.Push.RetriesDelay))
		if q.Push.ErrorQueue != "" {
			parts = append(parts, "errors → "+q.Push.ErrorQueue)
		}
	}
	if q.DeadLetter != nil && q.DeadLetter.QueueName != "" {
		parts = append(parts, fmt.Sprintf("dead letter → %s after %d", q.DeadLetter.QueueName, q.DeadLetter.MaxReservations))
	}
	if n := len(q.Alerts); n > 0 {
		parts = append(parts, Plural(n, "alert", "alerts"))
	}
	return strings.Join(parts, " · ")
}

// FormatSpan is a number of seconds in whole days when it is some
// ("7d"), else as formatDuration.
func FormatSpan(seconds int) string {
	const day = 86400
	if seconds >= day && seconds%day == 0 {
		return strconv.Itoa(seconds/day) + "d"
	}
	return FormatDuration(time.Duration(seconds) * time.Second)
}

// FilterQueues returns the indexes of the queues whose name contains text
// (case-insensitive).
func FilterQueues(queues []client.Queue, text string) []int {
	text = strings.ToLower(strings.TrimSpace(text))
	out := make([]int, 0, len(queues))
	for i := range queues {
		if text == "" || ContainsFold(queues[i].Name, text) {
			out = append(out, i)
		}
	}
	return out
}

// MessageState says where a browsed message stands, with when it changes:
// "delayed · ready in 4m00s", "reserved ×2 · back in 30s". A push
// message some subscriber gave up on is "failed · 1 of 2 gave up" (of
// its subscribers), not "pushed", even when others got it.
func MessageState(m client.BrowsedMessage, now time.Time) string {
	if n := FailedSubscribers(m); n > 0 && m.Status == client.MessagePushed {
		return fmt.Sprintf("failed · %d of %d gave up", n, len(m.Subscribers))
	}
	s := string(m.Status)
	if m.ReservedCount > 0 {
		s += fmt.Sprintf(" ×%d", m.ReservedCount)
	}
	switch m.Status {
	case client.MessageDelayed:
		s += " · ready " + Until(m.AvailableAt.Time, now)
	case client.MessageReserved:
		s += " · back " + Until(m.AvailableAt.Time, now)
	}
	return s
}

// Until is "in 4m00s" (or "now" once t has passed).
func Until(t, now time.Time) string {
	if t.IsZero() {
		return "–"
	}
	d := t.Sub(now)
	switch {
	case d <= 0:
		return "now"
	case d >= 48*time.Hour:
		return fmt.Sprintf("in %dd%02dh", int(d.Hours())/24, int(d.Hours())%24)
	case d < time.Minute:
		return fmt.Sprintf("in %ds", int(d.Round(time.Second)/time.Second))
	}
	return "in " + FormatDuration(d.Round(time.Second))
}

// BodyPreview is a message body on one line, cut to n runes.
func BodyPreview(body string, n int) string {
	s := strings.Join(strings.Fields(body), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// PushStatusLine describes one subscriber's delivery of a message:
// "orders http://… · retrying · 2 tries · last HTTP 500 · next try in 10s".
func PushStatusLine(p client.PushStatus, now time.Time) string {
	name := p.Name
	if name == "" {
		name = p.URL
	} else if p.URL != "" {
		name += " " + p.URL
	}
	parts := []string{name, p.Status}
	if p.Tries > 0 {
		parts = append(parts, Plural(p.Tries, "try", "tries"))
	}
	if p.StatusCode > 0 {
		parts = append(parts, fmt.Sprintf("last HTTP %d", p.StatusCode))
	}
	if !p.NextTryAt.IsZero() {
		parts = append(parts, "next try "+Until(p.NextTryAt.Time, now))
	}
	if p.Status != "deleted" && p.RetriesRemaining > 0 {
		parts = append(parts, Plural(p.RetriesRemaining, "retry left", "retries left"))
	}
	if p.Msg != "" {
		parts = append(parts, p.Msg)
	}
	return strings.Join(parts, " · ")
}

// FailedSubscribers counts the subscribers of a push message that gave
// up (status error: retries used up).
func FailedSubscribers(m client.BrowsedMessage) int {
	n := 0
	for _, p := range m.Subscribers {
		if p.Status == "error" {
			n++
		}
	}
	return n
}

// PushDetail is a subscriber's delivery line and, below it, the body of
// its last answer (the server keeps the first KiB).
func PushDetail(p client.PushStatus, now time.Time) string {
	line := PushStatusLine(p, now)
	if r := strings.TrimSpace(p.LastResponse); r != "" {
		line += "\n    last response: " + strings.ReplaceAll(r, "\n", "\n    ")
	}
	return line
}

func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// ParseSubscribers reads the subscribers editor: one per line,
// "[name] url [| Header: value]…". Blank lines and # comments are skipped.
func ParseSubscribers(s string) ([]client.Subscriber, error) {
	var out []client.Subscriber
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, "|")
		head := strings.Fields(parts[0])
		var sub client.Subscriber
		switch len(head) {
		case 1:
			sub.URL = head[0]
		case 2:
			sub.Name, sub.URL = head[0], head[1]
		default:
			return nil, fmt.Errorf("subscriber line %d: want [name] url [| Header: value]", i+1)
		}
		if !strings.Contains(sub.URL, "://") {
			return nil, fmt.Errorf("subscriber line %d: %q is not a URL", i+1, sub.URL)
		}
		for _, h := range parts[1:] {
			k, v, ok := strings.Cut(h, ":")
			if !ok || strings.TrimSpace(k) == "" {
				return nil, fmt.Errorf("subscriber line %d: header %q: want Name: value", i+1, strings.TrimSpace(h))
			}
			if sub.Headers == nil {
				sub.Headers = map[string]string{}
			}
			sub.Headers[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		out = append(out, sub)
	}
	return out, nil
}

// FormatSubscribers is the inverse of parseSubscribers.
func FormatSubscribers(subs []client.Subscriber) string {
	var b strings.Builder
	for _, s := range subs {
		if s.Name != "" {
			b.WriteString(s.Name + " ")
		}
		b.WriteString(s.URL)
		for _, k := range slices.Sorted(maps.Keys(s.Headers)) {
			fmt.Fprintf(&b, " | %s: %s", k, s.Headers[k])
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// ParseHeaders reads "Name: value" lines (push headers of a message).
func ParseHeaders(s string) (map[string]string, error) {
	var out map[string]string
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("header line %d: want Name: value", i+1)
		}
		if out == nil {
			out = map[string]string{}
		}
		out[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return out, nil
}

// ParseAlerts reads the alerts editor: one per line,
// "fixed|progressive asc|desc trigger queue [snooze seconds]".
func ParseAlerts(s string) ([]client.Alert, error) {
	out := []client.Alert{}
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		bad := fmt.Errorf("alert line %d: want fixed|progressive asc|desc trigger queue [snooze seconds]", i+1)
		if len(f) != 4 && len(f) != 6 {
			return nil, bad
		}
		a := client.Alert{Type: f[0], Direction: f[1], Queue: f[3]}
		if a.Type != "fixed" && a.Type != "progressive" || a.Direction != "asc" && a.Direction != "desc" {
			return nil, bad
		}
		n, err := strconv.Atoi(f[2])
		if err != nil || n < 1 {
			return nil, fmt.Errorf("alert line %d: trigger must be a whole number ≥ 1", i+1)
		}
		a.Trigger = n
		if len(f) == 6 {
			if f[4] != "snooze" {
				return nil, bad
			}
			if a.Snooze, err = strconv.Atoi(f[5]); err != nil || a.Snooze < 0 {
				return nil, fmt.Errorf("alert line %d: snooze must be seconds", i+1)
			}
		}
		out = append(out, a)
	}
	return out, nil
}

// FormatAlerts is the inverse of parseAlerts.
func FormatAlerts(alerts []client.Alert) string {
	var b strings.Builder
	for _, a := range alerts {
		fmt.Fprintf(&b, "%s %s %d %s", a.Type, a.Direction, a.Trigger, a.Queue)
		if a.Snooze > 0 {
			fmt.Fprintf(&b, " snooze %d", a.Snooze)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// ItemKinds are the value types the cache editor stores.
var ItemKinds = []string{"string", "number", "boolean"}

// ItemValue reads the cache editor's value as kind (string, number or
// boolean) into what client.ItemPut sends.
func ItemValue(kind, text string) (any, error) {
	switch kind {
	case "number":
		t := strings.TrimSpace(text)
		if _, err := strconv.ParseFloat(t, 64); err != nil || t == "" {
			return nil, fmt.Errorf("value %q is not a number", t)
		}
		return json.RawMessage(t), nil
	case "boolean":
		b, err := strconv.ParseBool(strings.TrimSpace(text))
		if err != nil {
			return nil, fmt.Errorf("value %q is not true or false", strings.TrimSpace(text))
		}
		return b, nil
	}
	return text, nil
}

// ItemKind is the type of a stored item's value.
func ItemKind(it client.Item) string {
	v := bytes.TrimSpace(it.Value)
	switch {
	case len(v) > 0 && v[0] == '"':
		return "string"
	case string(v) == "true" || string(v) == "false":
		return "boolean"
	}
	return "number"
}

// ItemExpiry is the time left before an item expires.
func ItemExpiry(it client.Item, now time.Time) string {
	if it.Expires.IsZero() || !it.Expires.Before(client.NeverExpires) {
		return "never"
	}
	return Until(it.Expires.Time, now)
}

// FormatBytes is a size in B, KiB, MiB or GiB.
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 2; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMG"[exp])
}

// IsSnapshot reports whether a file starts like an ironlocal snapshot (a
// seed file does not).
func IsSnapshot(head []byte) bool {
	line, _, _ := bytes.Cut(head, []byte("\n"))
	return bytes.Contains(line, []byte(`"format":"ironlocal-snapshot"`))
}

// UpcomingLine describes an upcoming change: "in 4m00s · 12:04:00 ·
// schedule fires · code nightly".
func UpcomingLine(up client.Upcoming, now time.Time) string {
	what := strings.ReplaceAll(string(up.Kind), ".", " ")
	return Until(up.At, now) + " · " + FormatTime(up.At, now) + " · " + what + " · " + upcomingSubject(up)
}

// upcomingSubject names what an upcoming (or past) change is about:
// "code nightly (schedule 5f3a…)", "queue jobs message …4711".
func upcomingSubject(up client.Upcoming) string {
	switch {
	case up.ScheduleID != "":
		return "code " + up.CodeName + " (schedule " + ShortID(up.ScheduleID) + ")"
	case up.TaskID != "":
		return "task " + ShortID(up.TaskID) + " (" + up.CodeName + ")"
	case up.Queue != "":
		return "queue " + up.Queue + " message " + ShortID(up.MessageID)
	case up.Cache != "":
		return "cache " + up.Cache + " key " + up.Key
	}
	return ""
}

// FaultLine describes a fault rule and its hits.
func FaultLine(f client.Fault) string {
	match := []string{}
	for _, kv := range [][2]string{{"service", f.Service}, {"project", f.ProjectID}, {"resource", f.Resource}, {"method", f.Method}} {
		if kv[1] != "" {
			match = append(match, kv[0]+" "+kv[1])
		}
	}
	if len(match) == 0 {
		match = append(match, "every Iron API request")
	}
	var effect []string
	if f.Status > 0 {
		effect = append(effect, "answer "+strconv.Itoa(f.Status))
	}
	if f.Latency != "" {
		effect = append(effect, "after "+f.Latency)
	}
	times := "always"
	if f.Times > 0 {
		times = Plural(f.Times, "time", "times")
	}
	return fmt.Sprintf("%s → %s · %s · %s", strings.Join(match, ", "), strings.Join(effect, " "), times, Plural(int(f.Hits), "hit", "hits"))
}

// EventFilter is what the Events screen's filter bar selects: a type
// prefix ("" = every type) and a resource text matched against the
// queue, cache, key, task id and code name.
type EventFilter struct {
	Type     string
	Resource string
}

// EventMatches reports whether e passes f (resource already lowercased).
// Missed markers always pass: hiding them would hide the gap.
func EventMatches(e client.Event, f EventFilter) bool {
	if e.Type == client.EventMissed {
		return true
	}
	if f.Type != "" && !strings.HasPrefix(e.Type, f.Type) {
		return false
	}
	if f.Resource == "" {
		return true
	}
	for _, s := range []string{e.Queue, e.Cache, e.Key, e.TaskID, e.CodeName} {
		if s != "" && ContainsFold(s, f.Resource) {
			return true
		}
	}
	return false
}

// EventRing keeps the last cap events: adding to a full ring drops the
// oldest. Memory stays bounded however fast events flow.
type EventRing struct {
	buf     []client.Event
	start   int
	n       int
	dropped uint64 // events pushed out of the ring so far
}

func NewEventRing(capacity int) *EventRing { return &EventRing{buf: make([]client.Event, capacity)} }

// Add appends e, dropping the oldest event when full.
func (r *EventRing) Add(e client.Event) {
	if r.n < len(r.buf) {
		r.buf[(r.start+r.n)%len(r.buf)] = e
		r.n++
		return
	}
	r.buf[r.start] = e
	r.start = (r.start + 1) % len(r.buf)
	r.dropped++
}

// Len is the events held.
func (r *EventRing) Len() int { return r.n }

// At is event i, 0 the oldest held.
func (r *EventRing) At(i int) client.Event { return r.buf[(r.start+i)%len(r.buf)] }

// Dropped counts the events pushed out (each moves the indexes of the
// rest down by one).
func (r *EventRing) Dropped() uint64 { return r.dropped }

// Clear empties the ring.
func (r *EventRing) Clear() {
	clear(r.buf)
	r.start, r.n = 0, 0
}

// WriteJSONLines writes events as JSON lines.
func WriteJSONLines(w io.Writer, events []client.Event) error {
	enc := json.NewEncoder(w)
	for _, e := range events {
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	return nil
}

// Pager walks a cursor listing page by page and back: cursors[i] fetches
// page i.
type Pager struct {
	cursors []string
	page    int
	// next is the cursor of the page after the current one ("" = this is
	// the last page).
	next string
}

func NewPager() *Pager { return &Pager{cursors: []string{""}} }

// Reset goes back to the first page.
func (p *Pager) Reset() { p.cursors, p.page, p.next = []string{""}, 0, "" }

// Cursor fetches the current page.
func (p *Pager) Cursor() string { return p.cursors[p.page] }

// Loaded records the cursor a fetch of the current page answered.
func (p *Pager) Loaded(next string) { p.next = next }

// HasNext and HasPrev say whether Next and Prev can move.
func (p *Pager) HasNext() bool { return p.next != "" }
func (p *Pager) HasPrev() bool { return p.page > 0 }

// Next moves to the following page (call Loaded once it is fetched).
func (p *Pager) Next() bool {
	if p.next == "" {
		return false
	}
	p.cursors = append(p.cursors[:p.page+1], p.next)
	p.page++
	p.next = ""
	return true
}

// Prev moves to the page before.
func (p *Pager) Prev() bool {
	if p.page == 0 {
		return false
	}
	p.page--
	return true
}

// Page is the current page, 1-based.
func (p *Pager) Page() int { return p.page + 1 }

// FillPage fetches from cursor until want entries arrived or the listing
// ends, at most maxCalls calls (a search over a long listing answers
// short pages with a cursor to go on from). It returns the entries and
// the cursor after them.
func FillPage[T any](want, maxCalls int, cursor string, fetch func(cursor string, limit int) ([]T, string, error)) ([]T, string, error) {
	var out []T
	for range maxCalls {
		got, next, err := fetch(cursor, want-len(out))
		if err != nil {
			return nil, "", err
		}
		out = append(out, got...)
		cursor = next
		if len(out) >= want || next == "" {
			break
		}
	}
	return out, cursor, nil
}

// QueueFormValues are the queue form's fields as typed.
type QueueFormValues struct {
	Type            client.QueueType
	Timeout         string
	Expiration      string
	Subscribers     string
	Retries         string
	RetriesDelay    string
	ErrorQueue      string
	DeadLetter      string
	MaxReservations string
	Alerts          string
}

// QueueFormFor fills the form from a queue.
func QueueFormFor(q client.Queue) QueueFormValues {
	v := QueueFormValues{Type: client.QueueType(QueueTypeName(q)), Timeout: strconv.Itoa(q.MessageTimeout),
		Expiration: strconv.Itoa(q.MessageExpiration), Alerts: FormatAlerts(q.Alerts)}
	if q.Push != nil {
		v.Subscribers = FormatSubscribers(q.Push.Subscribers)
		v.Retries, v.RetriesDelay = strconv.Itoa(q.Push.Retries), strconv.Itoa(q.Push.RetriesDelay)
		v.ErrorQueue = q.Push.ErrorQueue
	}
	if q.DeadLetter != nil {
		v.DeadLetter, v.MaxReservations = q.DeadLetter.QueueName, strconv.Itoa(q.DeadLetter.MaxReservations)
	}
	return v
}

// Settings turns the form into one PutQueue request (every setting in one
// call, so a refused one changes nothing). existing is the queue being
// edited (nil for a new one): its type cannot change, and Settings left
// empty are removed rather than left as they were.
func (v QueueFormValues) Settings(existing *client.Queue) (client.QueueSettings, error) {
	var s client.QueueSettings
	if existing == nil {
		t := v.Type
		if t == "" {
			t = client.QueuePull
		}
		s.Type = &t
	}
	timeout, err := ParseSeconds("message timeout", v.Timeout)
	if err != nil {
		return s, err
	}
	if strings.TrimSpace(v.Timeout) != "" {
		s.MessageTimeout = &timeout
	}
	expiration, err := ParseSeconds("message expiration", v.Expiration)
	if err != nil {
		return s, err
	}
	if strings.TrimSpace(v.Expiration) != "" {
		s.MessageExpiration = &expiration
	}
	push := v.Type == client.QueueUnicast || v.Type == client.QueueMulticast
	if existing != nil {
		push = existing.Push != nil
	}
	if push {
		subs, err := ParseSubscribers(v.Subscribers)
		if err != nil {
			return s, err
		}
		if len(subs) == 0 {
			return s, fmt.Errorf("a push queue needs at least one subscriber")
		}
		retries, err := ParseInt("retries", v.Retries, 3)
		if err != nil {
			return s, err
		}
		delay, err := ParseSeconds("retries delay", v.RetriesDelay)
		if err != nil {
			return s, err
		}
		if strings.TrimSpace(v.RetriesDelay) == "" {
			delay = 60
		}
		errorQueue := strings.TrimSpace(v.ErrorQueue)
		s.Push = &client.PushSettings{Subscribers: subs, Retries: &retries, RetriesDelay: &delay, ErrorQueue: &errorQueue}
	} else if strings.TrimSpace(v.Subscribers) != "" {
		return s, fmt.Errorf("subscribers are for push queues (unicast or multicast)")
	}
	dlq := strings.TrimSpace(v.DeadLetter)
	switch {
	case dlq != "":
		n, err := ParseInt("max reservations", v.MaxReservations, 0)
		if err != nil {
			return s, err
		}
		if n < 1 {
			return s, fmt.Errorf("max reservations must be 1 or more for a dead-letter queue")
		}
		s.DeadLetter = &client.DeadLetter{QueueName: dlq, MaxReservations: n}
	case existing != nil && existing.DeadLetter != nil && existing.DeadLetter.QueueName != "":
		s.DeadLetter = &client.DeadLetter{} // removes it
	}
	alerts, err := ParseAlerts(v.Alerts)
	if err != nil {
		return s, err
	}
	// Editing a pull queue sends the list even when empty (that removes
	// them); push queues take no alerts, so none is sent unless typed.
	if existing != nil && !push || len(alerts) > 0 {
		s.Alerts = alerts
	}
	return s, nil
}

// RedriveSources lists the queues whose dead_letter or push error_queue
// names the queue: where a redrive sends its messages back to (the server
// picks the one when there is exactly one, and needs "to" otherwise).
func RedriveSources(queues []client.Queue, name string) []string {
	var out []string
	for _, q := range queues {
		dead := q.DeadLetter != nil && q.DeadLetter.QueueName == name
		errq := q.Push != nil && q.Push.ErrorQueue == name
		if dead || errq {
			out = append(out, q.Name)
		}
	}
	return out
}

// RedriveQuestion is the one confirmation of a redrive of every message.
func RedriveQuestion(q client.Queue, to string) string {
	return fmt.Sprintf("Move the ready messages of %s (%s held) back to %s?\nEach is posted to %s as a new message, then deleted here; reserved and delayed ones stay.",
		q.Name, Plural(int(q.Size), "message", "messages"), to, to)
}

// EmptyQueuesHint is the Queues screen's line when the project has none,
// and the curl that would fill it.
func EmptyQueuesHint(base, project string) (line, curl string) {
	line = "No queues yet: create one, or post a message (posting creates its queue)."
	curl = fmt.Sprintf(`curl -X POST -H "Authorization: OAuth $IRON_TOKEN" -H "Content-Type: application/json" `+
		`-d '{"messages":[{"body":"hello"}]}' %s/3/projects/%s/queues/jobs/messages`, strings.TrimSuffix(base, "/"), project)
	return line, curl
}
