package model

import (
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/ironlocal/ironlocal/client"
)

// DebugLanguage is the debugger a code's debug settings run, as far as the
// app can tell: it picks the VS Code launch configuration a debug task's
// pane offers. The zero value is a debugger the app does not know.
type DebugLanguage string

const (
	DebugGo     DebugLanguage = "Go"     // Delve
	DebugNode   DebugLanguage = "Node"   // node --inspect
	DebugPython DebugLanguage = "Python" // debugpy
	DebugJava   DebugLanguage = "Java"   // JDWP
)

// DebugLanguageOf tells a code's debugger from its debug command (dlv,
// debugpy, jdwp, node or --inspect in it), else from its debug port (the
// debuggers' defaults: 2345, 5678, 5005, 9229); "" when neither says.
func DebugLanguageOf(command string, port int) DebugLanguage {
	c := strings.ToLower(command)
	switch {
	case strings.Contains(c, "dlv"):
		return DebugGo
	case strings.Contains(c, "debugpy"):
		return DebugPython
	case strings.Contains(c, "jdwp"):
		return DebugJava
	case strings.Contains(c, "node") || strings.Contains(c, "--inspect"):
		return DebugNode
	}
	switch port {
	case 2345:
		return DebugGo
	case 5678:
		return DebugPython
	case 5005:
		return DebugJava
	case 9229:
		return DebugNode
	}
	return ""
}

// The launch configurations, fields in the order VS Code's own snippets
// write them.
type (
	goLaunch struct {
		Name    string `json:"name"`
		Type    string `json:"type"`
		Request string `json:"request"`
		Mode    string `json:"mode"`
		Host    string `json:"host"`
		Port    int    `json:"port"`
	}
	nodeLaunch struct {
		Type       string `json:"type"`
		Request    string `json:"request"`
		Name       string `json:"name"`
		Address    string `json:"address"`
		Port       int    `json:"port"`
		LocalRoot  string `json:"localRoot"`
		RemoteRoot string `json:"remoteRoot"`
	}
	pythonLaunch struct {
		Type         string        `json:"type"`
		Request      string        `json:"request"`
		Name         string        `json:"name"`
		Connect      pythonConnect `json:"connect"`
		PathMappings []pathMapping `json:"pathMappings"`
	}
	pythonConnect struct {
		Host string `json:"host"`
		Port int    `json:"port"`
	}
	pathMapping struct {
		LocalRoot  string `json:"localRoot"`
		RemoteRoot string `json:"remoteRoot"`
	}
	javaLaunch struct {
		Type     string `json:"type"`
		Request  string `json:"request"`
		Name     string `json:"name"`
		HostName string `json:"hostName"`
		Port     int    `json:"port"`
	}
)

// launchName names the configuration in VS Code's Run and Debug list.
const launchName = "ironlocal task"

// taskRoot is where a task's files are, which the Node and Python
// configurations map the workspace to.
const taskRoot = "/mnt/task"

// LaunchJSON is the VS Code launch.json entry that attaches lang's
// debugger to address (host:port), one line to paste into
// "configurations"; "" for an unknown language or address.
func LaunchJSON(lang DebugLanguage, address string) string {
	host, p, err := net.SplitHostPort(address)
	if err != nil {
		return ""
	}
	port, err := strconv.Atoi(p)
	if err != nil || port <= 0 {
		return ""
	}
	var v any
	switch lang {
	case DebugGo:
		v = goLaunch{Name: launchName, Type: "go", Request: "attach", Mode: "remote", Host: host, Port: port}
	case DebugNode:
		v = nodeLaunch{Type: "node", Request: "attach", Name: launchName, Address: host, Port: port,
			LocalRoot: "${workspaceFolder}", RemoteRoot: taskRoot}
	case DebugPython:
		v = pythonLaunch{Type: "debugpy", Request: "attach", Name: launchName, Connect: pythonConnect{Host: host, Port: port},
			PathMappings: []pathMapping{{LocalRoot: "${workspaceFolder}", RemoteRoot: taskRoot}}}
	case DebugJava:
		v = javaLaunch{Type: "java", Request: "attach", Name: launchName, HostName: host, Port: port}
	default:
		return ""
	}
	b, _ := json.Marshal(v) // plain structs always marshal
	return spaced(b)
}

// spaced writes compact JSON with a blank after each colon and comma
// outside strings, as launch.json entries are written by hand: one line
// that wraps in a narrow pane, where an indented one would need eight.
func spaced(compact []byte) string {
	var b strings.Builder
	inString, escaped := false, false
	for _, c := range compact {
		b.WriteByte(c)
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString && (c == ':' || c == ','):
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// DebugText is what a debug task's pane says of its debugger ("" for a
// task that is not a debug task).
func DebugText(t client.Task) string {
	switch {
	case !t.Debug:
		return ""
	case t.DebugAddress != "":
		return "Debugger listening on " + t.DebugAddress + " (this machine only)"
	case t.Status == client.TaskQueued:
		return "Debug task: it runs its code's debug command, with no timeout; the debugger's address shows here once it listens."
	case t.Status == client.TaskRunning:
		return "Debug task: waiting for its debugger to listen…"
	}
	return "Debug task: ended, its debugger is gone. Debug again runs it once more."
}

// UnknownDebuggerText is said under a debug address when the code's debug
// settings name no debugger the app writes a launch.json entry for.
const UnknownDebuggerText = "No launch.json entry: the code's debug command names no debugger the app knows " +
	"(Delve, Node, debugpy, JDWP). Attach yours to the address above."

// TaskStatusLine is the pane's status line: "running · debug · code hello
// · priority 0 · msg".
func TaskStatusLine(t client.Task) string {
	s := string(t.Status)
	if t.Debug {
		s += " · debug"
	}
	s += " · code " + t.CodeName + " · priority " + strconv.Itoa(t.Priority)
	if t.Msg != "" {
		s += " · " + t.Msg
	}
	return s
}

// KeepDebugAddress returns newer, a fresh read of old's task, with old's
// debug address when the read, made before the task.debugging event that
// set it arrived, has none yet although the task still runs.
func KeepDebugAddress(old, newer client.Task) client.Task {
	if newer.DebugAddress == "" && old.DebugAddress != "" && old.ID == newer.ID &&
		old.Status == client.TaskRunning && newer.Status == client.TaskRunning {
		newer.DebugAddress = old.DebugAddress
		newer.Debug = true
	}
	return newer
}

// ParseDebugPort reads a code's debug port field: empty is 0 (none).
func ParseDebugPort(s string) (int, error) {
	p, err := ParseInt("debug port", s, 0)
	if err != nil {
		return 0, err
	}
	if p < 0 || p > 65535 {
		return 0, fmt.Errorf("debug port must be a TCP port (1–65535), or empty for none")
	}
	return p, nil
}

// FormatDebugPort is a debug port as its field shows it ("" for none).
func FormatDebugPort(p int) string {
	if p <= 0 {
		return ""
	}
	return strconv.Itoa(p)
}

// DebugPlaceholders are the code pane's hints for its debug fields.
const (
	DebugPortPlaceholder    = "none (Delve 2345, Node 9229, debugpy 5678, JDWP 5005)"
	DebugCommandPlaceholder = "/dlv exec --headless --listen=127.0.0.1:$(DEBUG_PORT) /worker --"
)
