package trigger

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/mq"
	"github.com/ironlocal/ironlocal/emulator/tmpl"
	"github.com/ironlocal/ironlocal/emulator/worker"
	"github.com/ironlocal/ironlocal/plugins/sdk"
)

// templateData is what an action template sees.
type templateData struct {
	ID      string
	Type    string
	At      time.Time
	Attrs   map[string]string
	Payload any    // the payload decoded from JSON, or the text
	Raw     string // the payload as is
}

// parseTemplate checks an action template (size, syntax, no recursion):
// when a binding is created, changed or seeded, and when a snapshot holding
// it is imported (the store runs the same check), never first at an event.
func parseTemplate(text string) (*tmpl.Template, error) {
	return tmpl.Parse(text)
}

// actionLimit is the most an action accepts: the task payload or the
// message body limit. A template's output is bounded by it.
func (h *Host) actionLimit(t emulator.BindingActionType) int {
	if t == emulator.ActionMessage {
		if h.cfg.MessageBodyLimit > 0 {
			return h.cfg.MessageBodyLimit
		}
		return mq.DefaultBodyLimit
	}
	return worker.MaxPayloadBytes
}

// render returns the task payload or message body for ev: the payload as
// is, or the action's template executed over the event within limit bytes
// and tmpl.DefaultTimeout. An event over either bound fails (and is traced
// so); the binding goes on with the next one.
func render(text string, ev sdk.Event, limit int) (string, error) {
	if text == "" {
		return string(ev.Payload), nil
	}
	t, err := parseTemplate(text)
	if err != nil {
		return "", fmt.Errorf("action template: %w", err)
	}
	d := templateData{ID: ev.ID, Type: ev.Type, At: ev.At, Attrs: ev.Attrs, Raw: string(ev.Payload)}
	if json.Unmarshal(ev.Payload, &d.Payload) != nil {
		d.Payload = string(ev.Payload)
	}
	out, err := t.Render(d, tmpl.Limits{Size: limit})
	if err != nil {
		return "", fmt.Errorf("action template: %w", err)
	}
	return out, nil
}
