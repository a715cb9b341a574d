package app

import (
	"context"
	"fmt"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
)

// The post form of a queue's pane.

// postForm posts messages: body, delay, push headers, and how many copies
// (to pre-seed a queue).
type postForm struct {
	d        *queueDetail
	body     *keyEntry
	delay    *keyEntry
	headers  *keyEntry
	copies   *keyEntry
	errLabel *widget.Label
	submit   *widget.Button
	root     fyne.CanvasObject
}

// maxCopies bounds one post from the form.
const maxCopies = 10_000

func newPostForm(d *queueDetail) *postForm {
	u := d.s.u
	f := &postForm{d: d}
	f.body = newKeyEntry(u, true)
	f.body.SetPlaceHolder(`{"order": 42}`)
	f.body.TextStyle = fyne.TextStyle{Monospace: true}
	f.body.SetMinRowsVisible(6)
	f.delay = newKeyEntry(u, false)
	f.delay.SetPlaceHolder("0 (seconds or 90s, 5m)")
	f.headers = newKeyEntry(u, true)
	f.headers.SetPlaceHolder("X-Request-Id: 42  (push queues: one header a line)")
	f.headers.SetMinRowsVisible(2)
	f.copies = newKeyEntry(u, false)
	f.copies.SetPlaceHolder("1")
	f.errLabel = widget.NewLabel("")
	f.errLabel.Importance = widget.DangerImportance
	f.errLabel.Wrapping = fyne.TextWrapWord
	format := widget.NewButton("Format JSON", func() { f.body.SetText(model.PrettyJSON(f.body.Text)) })
	f.submit = widget.NewButtonWithIcon("Post", theme.MailSendIcon(), f.post)
	f.submit.Importance = widget.HighImportance
	form := widget.NewForm(
		widget.NewFormItem("Body", f.body),
		widget.NewFormItem("Delay", f.delay),
		widget.NewFormItem("Push headers", f.headers),
		widget.NewFormItem("Copies", f.copies),
		widget.NewFormItem("", f.errLabel))
	f.root = container.NewBorder(nil, actionRow(f.submit, format, u.copyAsButton(f.copyRequests)), nil, nil, container.NewVScroll(form))
	return f
}

// messages reads the form; nothing is sent when a field is wrong.
func (f *postForm) messages() ([]client.NewMessage, error) {
	if f.body.Text == "" {
		return nil, fmt.Errorf("the body is empty")
	}
	delay, err := model.ParseSeconds("delay", f.delay.Text)
	if err != nil {
		return nil, err
	}
	headers, err := model.ParseHeaders(f.headers.Text)
	if err != nil {
		return nil, err
	}
	n, err := model.ParseInt("copies", f.copies.Text, 1)
	if err != nil {
		return nil, err
	}
	if n < 1 || n > maxCopies {
		return nil, fmt.Errorf("copies must be between 1 and %d", maxCopies)
	}
	out := make([]client.NewMessage, n)
	for i := range out {
		out[i] = client.NewMessage{Body: f.body.Text, Delay: delay, PushHeaders: headers}
	}
	return out, nil
}

func (f *postForm) post() {
	msgs, err := f.messages()
	if err != nil {
		f.errLabel.SetText(err.Error())
		f.d.s.u.notify(err.Error())
		return
	}
	f.errLabel.SetText("")
	c, name := f.d.s.u.client(), f.d.name
	run(f.d.s.u, "post the message", func(ctx context.Context) ([]string, error) {
		var ids []string
		for batch := range slices.Chunk(msgs, 100) {
			got, err := c.PostMessages(ctx, name, batch...)
			ids = append(ids, got...)
			if err != nil {
				return ids, err
			}
		}
		return ids, nil
	}, func(ids []string) {
		if len(ids) == 1 {
			f.d.s.u.notify("Posted message " + ids[0] + " to " + name)
			f.d.browser.selected = ids[0]
		} else {
			f.d.s.u.notify("Posted " + model.Counted(len(ids), "message") + " to " + name)
		}
		f.d.tabs.SelectIndex(0)
		f.d.browser.load()
		f.d.s.reload()
	})
}
