package model

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ironlocal/ironlocal/client"
)

// Plain functions that turn ironlocal's data into text: no widgets here, so
// they are tested without a window.

// Clip shortens s to at most n runes, the last one an ellipsis when s is
// cut. Table cells show clipped text instead of letting the label measure
// its text to truncate it, which costs a measurement per cell per redraw.
func Clip(s string, n int) string {
	if len(s) <= n { // bytes bound runes
		return s
	}
	if n <= 0 {
		return ""
	}
	cut, count := 0, 0
	for i := range s {
		if count == n-1 {
			cut = i
		}
		if count == n {
			return s[:cut] + "…"
		}
		count++
	}
	return s
}

// FitRunes is how many runes of text a column width px wide shows: the
// label's padding aside, a rune of the body font averages under 0.55 of
// the text size (lowercase and digits less; a run of capitals may spill a
// little).
func FitRunes(width, padding, textSize float32) int {
	return max(1, int((width-2*padding)/(0.55*textSize)))
}

// ShortID keeps the tail of an id, the part that differs between ids
// created in the same second.
func ShortID(id string) string {
	if len(id) <= 10 {
		return id
	}
	return "…" + id[len(id)-8:]
}

// FormatTime is a local wall-clock time; the date only when it is not today
// (relative to now).
func FormatTime(t, now time.Time) string {
	if t.IsZero() {
		return "–"
	}
	t, now = t.Local(), now.Local()
	if t.Year() == now.Year() && t.YearDay() == now.YearDay() {
		return t.Format("15:04:05")
	}
	return t.Format("2006-01-02 15:04:05")
}

// FormatDuration rounds to what a person reads: 850ms, 4.2s, 3m05s, 2h10m.
func FormatDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "–"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + "s"
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	default:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
}

// TaskDuration is how long a task ran, still running (against now), or
// "–" when it has not started.
func TaskDuration(t client.Task, now time.Time) string {
	switch {
	case t.Duration > 0:
		return FormatDuration(time.Duration(t.Duration) * time.Millisecond)
	case t.StartTime.IsZero():
		return "–"
	case t.EndTime.IsZero():
		return FormatDuration(now.Sub(t.StartTime.Time))
	default:
		return FormatDuration(t.EndTime.Sub(t.StartTime.Time))
	}
}

// PrettyJSON indents a JSON document; anything else comes back as it was.
func PrettyJSON(s string) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(s), "", "  "); err != nil {
		return s
	}
	return buf.String()
}

// ValidatePayload checks a payload typed in an editor: empty (no payload)
// or one JSON document. The error says where it broke.
func ValidatePayload(s string) error {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	var v any
	if err := dec.Decode(&v); err != nil {
		if se, ok := err.(*json.SyntaxError); ok {
			line, col := Position(s, se.Offset)
			return fmt.Errorf("payload is not JSON: %v (line %d, column %d)", se, line, col)
		}
		return fmt.Errorf("payload is not JSON: %v", err)
	}
	if dec.More() {
		return fmt.Errorf("payload is not JSON: more than one value")
	}
	return nil
}

// CompactJSON is the payload as sent: compact JSON, or empty.
func CompactJSON(s string) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(s)); err != nil {
		return strings.TrimSpace(s)
	}
	return buf.String()
}

// Position turns a byte offset into a 1-based line and column.
func Position(s string, offset int64) (line, col int) {
	line, col = 1, 1
	for i, r := range s {
		if int64(i) >= offset-1 {
			break
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// ParseSeconds reads a non-negative whole number of seconds from a form
// field; empty is zero.
func ParseSeconds(field, s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return int(d / time.Second), nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s must be a number of seconds or a duration such as 90s or 1h", field)
	}
	return n, nil
}

// ParseInt reads an integer form field (empty = def).
func ParseInt(field, s string, def int) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%s must be a whole number", field)
	}
	return n, nil
}

// ParseWhen reads a time field: empty (zero), RFC 3339, "2006-01-02 15:04"
// in local time, or "+90s"/"+1h" relative to now.
func ParseWhen(field, s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return time.Time{}, nil
	case strings.HasPrefix(s, "+"):
		d, err := time.ParseDuration(s[1:])
		if err == nil {
			return now.Add(d), nil
		}
	default:
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t, nil
		}
		for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
			if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
				return t, nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("%s: use RFC 3339, 2006-01-02 15:04, or +1h", field)
}

// ParseEnv reads KEY=VALUE lines; blank lines and # comments are skipped.
func ParseEnv(s string) (map[string]string, error) {
	out := map[string]string{}
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("env line %d: want KEY=VALUE", i+1)
		}
		out[strings.TrimSpace(k)] = v
	}
	return out, nil
}

// FormatEnv is the inverse of parseEnv, sorted by key.
func FormatEnv(env map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(env)) {
		fmt.Fprintf(&b, "%s=%s\n", k, env[k])
	}
	return b.String()
}

// IronEnv is what the official clients read, as shell exports.
func IronEnv(baseURL, token, project string) string {
	host, port := SplitURL(baseURL)
	return fmt.Sprintf("export IRON_HOST=%s IRON_PORT=%s IRON_SCHEME=%s IRON_PROTOCOL=%s\nexport IRON_TOKEN=%s IRON_PROJECT_ID=%s\n",
		host, port, Scheme(baseURL), Scheme(baseURL), token, project)
}

// IronJSON is an iron.json for the official clients (port is a number).
func IronJSON(baseURL, token, project string) string {
	host, port := SplitURL(baseURL)
	p, _ := strconv.Atoi(port)
	b, _ := json.MarshalIndent(map[string]any{"host": host, "port": p, "scheme": Scheme(baseURL),
		"protocol": Scheme(baseURL), "token": token, "project_id": project}, "", "  ")
	return string(b) + "\n"
}

func Scheme(baseURL string) string {
	if strings.HasPrefix(baseURL, "https://") {
		return "https"
	}
	return "http"
}

// SplitURL returns host and port of http(s)://host:port; wildcard
// addresses are reached at 127.0.0.1.
func SplitURL(baseURL string) (string, string) {
	hp := strings.TrimPrefix(strings.TrimPrefix(baseURL, "http://"), "https://")
	hp = strings.TrimSuffix(hp, "/")
	i := strings.LastIndex(hp, ":")
	if i < 0 || strings.HasSuffix(hp, "]") {
		if Scheme(baseURL) == "https" {
			return hp, "443"
		}
		return hp, "80"
	}
	host := hp[:i]
	if host == "0.0.0.0" || host == "[::]" {
		host = "127.0.0.1"
	}
	return host, hp[i+1:]
}

// EventSummary is one line describing an event for the overview.
func EventSummary(e client.Event) string {
	var subject string
	switch {
	case e.TaskID != "":
		subject = "task " + ShortID(e.TaskID)
		if e.CodeName != "" {
			subject += " (" + e.CodeName + ")"
		}
	case e.Queue != "":
		subject = "queue " + e.Queue
	case e.Cache != "":
		subject = "cache " + e.Cache
		if e.Key != "" {
			subject += " key " + e.Key
		}
	case e.CodeName != "":
		subject = "code " + e.CodeName
	}
	s := e.Type
	if subject != "" {
		s += " · " + subject
	}
	if n := len(e.IDs); n > 1 {
		s += fmt.Sprintf(" · %d", n)
	}
	if st, ok := e.Attrs["status"].(string); ok && st != "" {
		s += " · " + st
	}
	if e.Type == client.EventMissed {
		s = Counted(int(e.Missed), "event") + " missed (the app could not keep up)"
	}
	return s
}

// CountOf is a list's count: "3 tasks" when every item shows, else
// "1 of 3 tasks" (the noun agreeing with the total).
func CountOf(shown, total int, noun string) string {
	if shown == total {
		return Counted(total, noun)
	}
	return strconv.Itoa(shown) + " of " + Counted(total, noun)
}

// EventsCount is the Events screen's count: what the filter shows of the
// log, the events the stream dropped, and those held while paused.
func EventsCount(shown, total int, missed uint64, paused bool, held int) string {
	text := strconv.Itoa(shown) + " of " + Counted(total, "event")
	if missed > 0 {
		text += " · " + Counted(int(missed), "event") + " missed"
	}
	if paused {
		text += " · paused, " + Counted(held, "new event")
	}
	return text
}

// IrregularPlurals are the nouns counted on screens whose plural is not
// the noun plus "s" or "es".
var IrregularPlurals = map[string]string{"child": "children", "person": "people"}

// Counted prints a count with its noun agreeing: "1 cache", "2 caches",
// "1 code package", "0 messages", "2 retries". The noun is singular; its
// last word takes the plural (irregular ones from irregularPlurals).
func Counted(n int, noun string) string {
	return Plural(n, noun, PluralOf(noun))
}

// PluralOf is noun's plural: its last word pluralised.
func PluralOf(noun string) string {
	head, last := "", noun
	if i := strings.LastIndexByte(noun, ' '); i >= 0 {
		head, last = noun[:i+1], noun[i+1:]
	}
	if p, ok := IrregularPlurals[last]; ok {
		return head + p
	}
	if n := len(last); n > 1 && last[n-1] == 'y' && !strings.ContainsRune("aeiou", rune(last[n-2])) {
		return head + last[:n-1] + "ies"
	}
	for _, end := range []string{"s", "x", "sh", "ch"} {
		if strings.HasSuffix(last, end) {
			return head + last + "es"
		}
	}
	return head + last + "s"
}

// FireIn says when a fire comes relative to now: "due now" for one at or
// before now (the scheduler fires it at once), else "in 4m10s".
func FireIn(at, now time.Time) string {
	d := at.Sub(now).Round(time.Second)
	if d <= 0 {
		return "due now"
	}
	return "in " + FormatDuration(d)
}

// TransferText is a snapshot transfer's progress: nothing moved yet says
// so (not "0 B"); a known total shows the share.
func TransferText(what string, n, total int64) string {
	switch {
	case n <= 0:
		return what + "… waiting for the first bytes"
	case total > 0:
		return fmt.Sprintf("%s… %s of %s (%d%%)", what, FormatBytes(n), FormatBytes(total), min(100, n*100/total))
	}
	return what + "… " + FormatBytes(n)
}

// DiskText says what the store allocated and what it takes on the disk
// (Badger reserves its files ahead, sparse: an empty store allocates
// tens of MiB and uses kilobytes).
func DiskText(allocated, used int64) string {
	if allocated == 0 && used == 0 {
		return "nothing on disk"
	}
	if used <= 0 || used >= allocated {
		return FormatBytes(allocated) + " used on disk"
	}
	return fmt.Sprintf("%s used on disk · %s allocated (reserved ahead by the store, not written yet)",
		FormatBytes(used), FormatBytes(allocated))
}

// MissingCode is the warning under a binding's code field when the name
// is not among the project's codes (known: the list was read).
func MissingCode(name string, codes []string, known bool) string {
	name = strings.TrimSpace(name)
	if !known || name == "" || slices.Contains(codes, name) {
		return ""
	}
	return fmt.Sprintf("No code named %q yet: the binding is kept, but its events fail until the code is uploaded.", name)
}

// BindingState is a binding's state with its warning, if any:
// `running — warning: code "x" does not exist yet; …`.
func BindingState(b client.TriggerBinding) string {
	if b.Warning == "" {
		return b.State
	}
	return b.State + " — warning: " + b.Warning
}

// MovedKinds name, in order, what a clock move made happen.
var MovedKinds = []struct {
	kind       client.UpcomingKind
	noun, verb string
}{
	{client.UpcomingScheduleFires, "schedule", "fired"},
	{client.UpcomingTaskRunnable, "delayed task", "queued"},
	{client.UpcomingMessageReady, "delayed message", "made ready"},
	{client.UpcomingPushDue, "push delivery", "made"},
	{client.UpcomingReservationExpires, "reservation", "expired"},
	{client.UpcomingMessageExpires, "message", "expired"},
	{client.UpcomingItemExpires, "cache item", "expired"},
}

// Happened is what of ups was due at or before now: what a clock move to
// now made happen.
func Happened(ups []client.Upcoming, now time.Time) []client.Upcoming {
	var out []client.Upcoming
	for _, up := range ups {
		if !up.At.After(now) {
			out = append(out, up)
		}
	}
	return out
}

// MovedSummary counts what a clock move made happen: "1 schedule fired,
// 2 reservations expired"; "nothing was due" when nothing.
func MovedSummary(ups []client.Upcoming) string {
	n := map[client.UpcomingKind]int{}
	for _, up := range ups {
		n[up.Kind]++
	}
	var parts []string
	for _, k := range MovedKinds {
		if n[k.kind] > 0 {
			parts = append(parts, Counted(n[k.kind], k.noun)+" "+k.verb)
		}
	}
	if len(parts) == 0 {
		return "nothing was due"
	}
	return strings.Join(parts, ", ")
}

// QueuedLine is a task a schedule fired by a clock move queued, as its
// link says: "task queued · task 5f3a… (nightly) by schedule 1b2c… ·
// 13:30:00".
func QueuedLine(t client.Task, now time.Time) string {
	s := "task queued · task " + ShortID(t.ID) + " (" + t.CodeName + ")"
	if sid := cmp.Or(t.ScheduleID, t.SourceID); sid != "" {
		s += " by schedule " + ShortID(sid)
	}
	return s + " · " + FormatTime(t.CreatedAt.Time, now)
}

// MovedLine is one thing a clock move made happen, as its link says:
// "schedule fired · code nightly (schedule 5f3a…) · 13:30:00".
func MovedLine(up client.Upcoming, now time.Time) string {
	what := string(up.Kind)
	for _, k := range MovedKinds {
		if k.kind == up.Kind {
			what = k.noun + " " + k.verb
		}
	}
	return what + " · " + upcomingSubject(up) + " · " + FormatTime(up.At, now)
}
