package copycode

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ironlocal/ironlocal/client"
)

// The constructors below build each request as package client sends it
// (same path, same JSON), and as iron_go3 makes the same call.

const (
	pkgMQ     = "github.com/iron-io/iron_go3/mq"
	pkgCache  = "github.com/iron-io/iron_go3/cache"
	pkgWorker = "github.com/iron-io/iron_go3/worker"
)

// q quotes s as a Go string literal.
func q(s string) string { return strconv.Quote(s) }

const fatal = "\tif err != nil {\n\t\tlog.Fatal(err)\n\t}\n"

// PostMessages posts messages to queue (IronMQ v3; the queue is created
// if missing). POST /3/projects/{pid}/queues/{queue}/messages
func PostMessages(queue string, msgs ...client.NewMessage) Request {
	g := goCall{imports: []string{pkgMQ}}
	lits := make([]string, len(msgs))
	for i, m := range msgs {
		lits[i] = "mq.Message{Body: " + q(m.Body)
		if m.Delay != 0 {
			lits[i] += fmt.Sprintf(", Delay: %d", m.Delay)
		}
		lits[i] += "}"
		if len(m.PushHeaders) > 0 && i == 0 {
			g.notes = append(g.notes, "iron_go3 cannot send a message's push headers: they are left out.")
		}
	}
	g.code = "\tq := mq.ConfigNew(" + q(queue) + ", settings)\n"
	if len(msgs) == 1 {
		g.code += "\tid, err := q.PushMessage(" + lits[0] + ")\n" + fatal + "\tfmt.Println(\"posted message\", id)\n"
	} else {
		g.code += "\tids, err := q.PushMessages(\n\t\t" + strings.Join(lits, ",\n\t\t") + ",\n\t)\n" + fatal +
			"\tfmt.Println(\"posted messages\", ids)\n"
	}
	title := "Post a message to queue " + queue
	if len(msgs) != 1 {
		title = fmt.Sprintf("Post %d messages to queue %s", len(msgs), queue)
	}
	return Request{Title: title, Method: "POST", Version: "3",
		Segments: []string{"queues", queue, "messages"},
		Body:     map[string][]client.NewMessage{"messages": msgs}, goCode: g}
}

// Reserve reserves messages of queue (with Delete, takes them off it).
// POST /3/projects/{pid}/queues/{queue}/reservations
func Reserve(queue string, r client.Reservation) Request {
	n := max(r.N, 1)
	g := goCall{imports: []string{pkgMQ}}
	g.code = "\tq := mq.ConfigNew(" + q(queue) + ", settings)\n" +
		fmt.Sprintf("\tmsgs, err := q.LongPoll(%d, %d, %d, %t)\n", n, r.Timeout, r.Wait, r.Delete) + fatal +
		"\tfor _, m := range msgs {\n\t\tfmt.Println(m.Id, m.ReservationId, m.Body)\n\t}\n"
	return Request{Title: "Reserve messages of queue " + queue, Method: "POST", Version: "3",
		Segments: []string{"queues", queue, "reservations"}, Body: r, goCode: g}
}

// Peek reads up to n ready messages of queue without reserving them.
// GET /3/projects/{pid}/queues/{queue}/messages?n=
func Peek(queue string, n int) Request {
	n = max(n, 1)
	g := goCall{imports: []string{pkgMQ}}
	g.code = "\tq := mq.ConfigNew(" + q(queue) + ", settings)\n" +
		fmt.Sprintf("\tmsgs, err := q.PeekN(%d)\n", n) + fatal +
		"\tfor _, m := range msgs {\n\t\tfmt.Println(m.Id, m.Body)\n\t}\n"
	return Request{Title: "Peek at messages of queue " + queue, Method: "GET", Version: "3",
		Segments: []string{"queues", queue, "messages"}, Query: "n=" + strconv.Itoa(n), goCode: g}
}

// PutQueue creates queue or changes its settings.
// PUT /3/projects/{pid}/queues/{queue}
func PutQueue(queue string, s client.QueueSettings) Request {
	g := goCall{imports: []string{pkgMQ}}
	var b strings.Builder
	fmt.Fprintf(&b, "\tinfo, err := mq.ConfigCreateQueue(mq.QueueInfo{\n\t\tName: %s,\n", q(queue))
	if s.Type != nil {
		fmt.Fprintf(&b, "\t\tType: %s,\n", q(string(*s.Type)))
	}
	if s.MessageTimeout != nil {
		fmt.Fprintf(&b, "\t\tMessageTimeout: %d,\n", *s.MessageTimeout)
	}
	if s.MessageExpiration != nil {
		fmt.Fprintf(&b, "\t\tMessageExpiration: %d,\n", *s.MessageExpiration)
	}
	if p := s.Push; p != nil {
		b.WriteString("\t\tPush: &mq.PushInfo{\n")
		if p.Retries != nil {
			fmt.Fprintf(&b, "\t\t\tRetries: %d,\n", *p.Retries)
		}
		if p.RetriesDelay != nil {
			fmt.Fprintf(&b, "\t\t\tRetriesDelay: %d,\n", *p.RetriesDelay)
		}
		if p.ErrorQueue != nil {
			fmt.Fprintf(&b, "\t\t\tErrorQueue: %s,\n", q(*p.ErrorQueue))
			if *p.ErrorQueue == "" {
				g.notes = append(g.notes, "iron_go3 leaves an empty error_queue out: it cannot remove an error queue.")
			}
		}
		if len(p.Subscribers) > 0 {
			b.WriteString("\t\t\tSubscribers: []mq.QueueSubscriber{\n")
			for _, sub := range p.Subscribers {
				fmt.Fprintf(&b, "\t\t\t\t{Name: %s, URL: %s", q(sub.Name), q(sub.URL))
				if len(sub.Headers) > 0 {
					fmt.Fprintf(&b, ", Headers: %s", goStringMap(sub.Headers))
				}
				b.WriteString("},\n")
			}
			b.WriteString("\t\t\t},\n")
		}
		b.WriteString("\t\t},\n")
	}
	if len(s.Alerts) > 0 {
		b.WriteString("\t\tAlerts: []mq.Alert{\n")
		for _, a := range s.Alerts {
			fmt.Fprintf(&b, "\t\t\t{Type: %s, Direction: %s, Trigger: %d, Queue: %s, Snooze: %d},\n",
				q(a.Type), q(a.Direction), a.Trigger, q(a.Queue), a.Snooze)
		}
		b.WriteString("\t\t},\n")
	}
	b.WriteString("\t}, settings)\n" + fatal + "\tfmt.Printf(\"queue %s: %+v\\n\", info.Name, info)\n")
	g.code = b.String()
	if s.DeadLetter != nil {
		g.notes = append(g.notes, "iron_go3 has no dead-letter settings (an ironlocal extension): they are left out.")
	}
	if s.Alerts != nil && len(s.Alerts) == 0 {
		g.notes = append(g.notes, "iron_go3 leaves empty alerts out: it cannot remove alerts.")
	}
	return Request{Title: "Create or change queue " + queue, Method: "PUT", Version: "3",
		Segments: []string{"queues", queue}, Body: map[string]client.QueueSettings{"queue": s}, goCode: g}
}

// PutItem stores an item in cache (IronCache v1; the cache is created if
// missing). PUT /1/projects/{pid}/caches/{cache}/items/{key}
func PutItem(cacheName, key string, p client.ItemPut) Request {
	g := goCall{imports: []string{pkgCache}}
	lit, err := goValue(p.Value)
	if err != nil {
		g.none = err.Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\tc := &cache.Cache{Settings: config.ManualConfig(\"iron_cache\", settings), Name: %s}\n", q(cacheName))
	fmt.Fprintf(&b, "\terr := c.Put(%s, &cache.Item{Value: %s", q(key), lit)
	if p.ExpiresIn > 0 {
		fmt.Fprintf(&b, ", Expiration: %d * time.Second", p.ExpiresIn)
		g.imports = append(g.imports, "time")
	}
	if p.Add {
		b.WriteString(", Add: true")
	}
	if p.Replace {
		b.WriteString(", Replace: true")
	}
	b.WriteString("})\n" + fatal + "\tfmt.Println(\"stored\", " + q(key) + ")\n")
	g.code = b.String()
	if p.CAS != "" {
		g.notes = append(g.notes, "iron_go3 cannot send a cas: the item is stored whatever its cas.")
	}
	return Request{Title: "Put item " + key + " in cache " + cacheName, Method: "PUT", Version: "1",
		Segments: []string{"caches", cacheName, "items", key}, Body: p, goCode: g}
}

// GetItem reads an item. GET /1/projects/{pid}/caches/{cache}/items/{key}
func GetItem(cacheName, key string) Request {
	g := goCall{imports: []string{pkgCache}}
	g.code = fmt.Sprintf("\tc := &cache.Cache{Settings: config.ManualConfig(\"iron_cache\", settings), Name: %s}\n", q(cacheName)) +
		"\tvalue, err := c.Get(" + q(key) + ")\n" + fatal + "\tfmt.Println(value)\n"
	return Request{Title: "Get item " + key + " of cache " + cacheName, Method: "GET", Version: "1",
		Segments: []string{"caches", cacheName, "items", key}, goCode: g}
}

const newWorker = "\tw := &worker.Worker{Settings: config.ManualConfig(\"iron_worker\", settings)}\n"

// QueueTask queues a task (IronWorker v2). POST /2/projects/{pid}/tasks
func QueueTask(t client.NewTask) Request {
	g := goCall{imports: []string{pkgWorker}}
	var b strings.Builder
	b.WriteString(newWorker)
	task := fmt.Sprintf("worker.Task{CodeName: %s, Payload: %s", q(t.CodeName), q(t.Payload))
	if t.Priority != nil {
		task += fmt.Sprintf(", Priority: %d", *t.Priority)
	} else {
		g.notes = append(g.notes, "iron_go3 always sends a priority: 0 here, where the request left it to the code's default.")
	}
	if t.Timeout > 0 {
		fmt.Fprintf(&b, "\ttimeout := %d * time.Second\n", t.Timeout)
		task += ", Timeout: &timeout"
	}
	if t.Delay > 0 {
		fmt.Fprintf(&b, "\tdelay := %d * time.Second\n", t.Delay)
		task += ", Delay: &delay"
	}
	if t.Timeout > 0 || t.Delay > 0 {
		g.imports = append(g.imports, "time")
	}
	if t.Cluster != "" {
		task += ", Cluster: " + q(t.Cluster)
	}
	if t.Label != "" {
		task += ", Label: " + q(t.Label)
	}
	b.WriteString("\tids, err := w.TaskQueue(" + task + "})\n" + fatal + "\tfmt.Println(\"queued task\", ids[0])\n")
	g.code = b.String()
	return Request{Title: "Queue a task of code " + t.CodeName, Method: "POST", Version: "2",
		Segments: []string{"tasks"}, Body: map[string][]client.NewTask{"tasks": {t}}, goCode: g}
}

// CreateSchedule creates a schedule. POST /2/projects/{pid}/schedules
func CreateSchedule(s client.NewSchedule) Request {
	g := goCall{imports: []string{pkgWorker}}
	var b strings.Builder
	b.WriteString(newWorker)
	sched := fmt.Sprintf("worker.Schedule{CodeName: %s, Name: %s, Payload: %s", q(s.CodeName), q(s.Name), q(s.Payload))
	timeVar := func(name string, t time.Time) {
		t = t.UTC()
		fmt.Fprintf(&b, "\t%s := time.Date(%d, %d, %d, %d, %d, %d, %d, time.UTC)\n", name,
			t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond())
		sched += fmt.Sprintf(", %s: &%s", map[string]string{"startAt": "StartAt", "endAt": "EndAt"}[name], name)
	}
	intVar := func(name, field string, v int) {
		fmt.Fprintf(&b, "\t%s := %d\n", name, v)
		sched += fmt.Sprintf(", %s: &%s", field, name)
	}
	usesTime := false
	if !s.StartAt.IsZero() {
		timeVar("startAt", s.StartAt)
		usesTime = true
	}
	if !s.EndAt.IsZero() {
		timeVar("endAt", s.EndAt)
		usesTime = true
	}
	if s.Delay > 0 {
		fmt.Fprintf(&b, "\tdelay := %d * time.Second\n", s.Delay)
		sched += ", Delay: &delay"
		usesTime = true
	}
	if s.Timeout > 0 {
		fmt.Fprintf(&b, "\ttimeout := %d * time.Second\n", s.Timeout)
		sched += ", Timeout: &timeout"
		usesTime = true
	}
	if s.RunEvery > 0 {
		intVar("runEvery", "RunEvery", s.RunEvery)
	}
	if s.RunTimes > 0 {
		intVar("runTimes", "RunTimes", s.RunTimes)
	}
	if s.Priority != nil {
		intVar("priority", "Priority", *s.Priority)
	}
	if s.MaxConcurrency > 0 {
		intVar("maxConcurrency", "MaxConcurrency", s.MaxConcurrency)
	}
	if s.Cluster != "" {
		sched += ", Cluster: " + q(s.Cluster)
	}
	if s.Label != "" {
		sched += ", Label: " + q(s.Label)
	}
	if usesTime {
		g.imports = append(g.imports, "time")
	}
	b.WriteString("\tids, err := w.Schedule(" + sched + "})\n" + fatal + "\tfmt.Println(\"created schedule\", ids[0])\n")
	g.code = b.String()
	if s.Cron != "" {
		g.none = "iron_go3 has no call for a cron schedule (cron is an ironlocal extension of the Iron API)"
	}
	if s.TaskDelay > 0 {
		g.notes = append(g.notes, "iron_go3 cannot send task_delay: its tasks start without a delay.")
	}
	return Request{Title: "Create a schedule of code " + s.CodeName, Method: "POST", Version: "2",
		Segments: []string{"schedules"}, Body: map[string][]client.NewSchedule{"schedules": {s}}, goCode: g}
}

// RegisterCode uploads an image code package (a new revision when the name
// exists) as JSON. POST /2/projects/{pid}/codes
func RegisterCode(c client.NewCode) Request {
	g := goCall{imports: []string{pkgWorker}}
	var b strings.Builder
	b.WriteString(newWorker)
	code := fmt.Sprintf("worker.Code{Name: %s, Image: %s", q(c.Name), q(c.Image))
	if c.Command != "" {
		code += ", Command: " + q(c.Command)
	}
	if c.Config != "" {
		code += ", Config: " + q(c.Config)
	}
	if len(c.EnvVars) > 0 {
		code += ", EnvVars: " + goStringMap(c.EnvVars)
	}
	if c.MaxConcurrency != nil {
		code += fmt.Sprintf(", MaxConcurrency: %d", *c.MaxConcurrency)
	}
	if c.DefaultPriority != nil {
		code += fmt.Sprintf(", DefaultPriority: %d", *c.DefaultPriority)
	}
	if c.Retries != nil {
		fmt.Fprintf(&b, "\tretries := %d\n", *c.Retries)
		code += ", Retries: &retries"
	}
	if c.RetriesDelay != nil {
		fmt.Fprintf(&b, "\tretriesDelay := %d\n", *c.RetriesDelay)
		code += ", RetriesDelay: &retriesDelay"
	}
	b.WriteString("\tcode, err := w.CodePackageUpload(" + code + "})\n" + fatal +
		"\tfmt.Println(\"uploaded code\", code.Name, code.Id)\n")
	g.code = b.String()
	if c.Memory != nil || c.CPUs != nil {
		g.notes = append(g.notes, "iron_go3 cannot send memory or cpus (ironlocal extensions): they are left out.")
	}
	return Request{Title: "Upload code " + c.Name, Method: "POST", Version: "2",
		Segments: []string{"codes"}, Body: c, goCode: g}
}

// goStringMap is m as a Go map[string]string literal, keys sorted.
func goStringMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = q(k) + ": " + q(m[k])
	}
	return "map[string]string{" + strings.Join(parts, ", ") + "}"
}

// goValue is a cache value (a string, number or boolean, or a
// json.RawMessage holding one) as a Go literal.
func goValue(v any) (string, error) {
	if raw, ok := v.(json.RawMessage); ok {
		var x any
		if err := json.Unmarshal(raw, &x); err != nil {
			return "", fmt.Errorf("the value %s is not JSON: %w", raw, err)
		}
		if s, ok := x.(string); ok {
			return q(s), nil
		}
		if _, ok := x.(float64); ok {
			return strings.TrimSpace(string(raw)), nil
		}
		v = x
	}
	switch x := v.(type) {
	case string:
		return q(x), nil
	case bool:
		return strconv.FormatBool(x), nil
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return fmt.Sprint(x), nil
	}
	return "", fmt.Errorf("iron_go3 stores strings, numbers and booleans, not %T", v)
}
