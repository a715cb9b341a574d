package app

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
)

// A plugin's pane on the Triggers screen: its state, event types, restarts and log.

// pluginDetail shows one plugin: state, what it emits and its log.
type pluginDetail struct {
	s     *triggersScreen
	path  string
	state *widget.Label
	info  *widget.Label
	log   []string
	logs  *widget.List
	root  fyne.CanvasObject
}

func newPluginDetail(s *triggersScreen, p client.TriggerPlugin) *pluginDetail {
	d := &pluginDetail{s: s, path: p.Path}
	d.state = wrapLabel("")
	d.info = wrapLabel("")
	d.logs = widget.NewList(func() int { return len(d.log) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.TextStyle = fyne.TextStyle{Monospace: true}
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(d.log) {
				o.(*widget.Label).SetText(d.log[id])
			}
		})
	copyLog := widget.NewButtonWithIcon("Copy log", theme.ContentCopyIcon(), func() {
		s.u.copyText("Plugin log", strings.Join(d.log, "\n"))
	})
	header := container.NewVBox(
		container.NewBorder(nil, nil, nil, closeButton(func() { s.closeDetail() }), titleLabel("Plugin "+p.Name)),
		d.state, d.info, container.NewBorder(nil, nil, boldLabel("Log (last 200 lines)"), copyLog))
	d.root = container.NewBorder(header, nil, nil, nil, d.logs)
	d.show(p)
	return d
}

func (d *pluginDetail) show(p client.TriggerPlugin) {
	state := p.State
	if p.Message != "" {
		state += ": " + p.Message
	}
	if p.Error != "" && p.Error != p.Message {
		state += " (" + p.Error + ")"
	}
	d.state.Importance = pluginImportance(p.State)
	d.state.SetText(state)
	var lines []string
	if p.Description != "" {
		lines = append(lines, p.Description)
	}
	lines = append(lines, "path "+p.Path)
	if p.Version != "" {
		lines = append(lines, "version "+p.Version)
	}
	if p.PID > 0 {
		lines = append(lines, fmt.Sprintf("pid %d · started in %.1f ms · %s", p.PID, p.ReadyMS, model.Plural(p.Restarts, "restart", "restarts")))
	}
	if len(p.EventTypes) > 0 {
		lines = append(lines, "emits "+strings.Join(p.EventTypes, ", "))
	}
	d.info.SetText(strings.Join(lines, "\n"))
	first := d.log == nil
	d.log = p.Log
	d.logs.Refresh()
	if first && len(d.log) > 0 {
		d.logs.ScrollToBottom() // the newest lines; later reloads leave the scroll alone
	}
}
