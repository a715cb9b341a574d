package copycode

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/format"
	"slices"
	"strconv"
	"strings"
)

// shellQuote quotes s for a POSIX shell: in single quotes, each quote in s
// closing them, escaped, and opening them again.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// CurlCommand renders r as one curl command line (lines continued with a
// backslash). It fails on an HTTP error (--fail-with-body, curl ≥ 7.76)
// and prints the answer.
func CurlCommand(conn Conn, r Request) (string, error) {
	body, err := r.body()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("curl -sS --fail-with-body")
	if r.Method != "GET" {
		b.WriteString(" -X " + r.Method)
	}
	b.WriteString(" " + shellQuote(conn.base()+r.path(conn.Project)) + " \\\n")
	b.WriteString("  -H " + shellQuote("Authorization: OAuth "+conn.Token))
	if body != "" {
		b.WriteString(" \\\n  -H 'Content-Type: application/json' \\\n  --data-binary " + shellQuote(body))
	}
	b.WriteString("\n")
	return b.String(), nil
}

// GoProgram renders r as a complete Go program (package main) that makes
// the call with iron_go3, configured with config.Settings for conn. Where
// iron_go3 has no call for r, the text is a comment saying so.
func GoProgram(conn Conn, r Request) (string, error) {
	if r.goCode.none != "" {
		return "// " + r.Title + ": " + r.goCode.none + ".\n// Copy it as curl or as Python instead.\n", nil
	}
	scheme, host, port, err := conn.endpoint()
	if err != nil {
		return "", err
	}
	std, iron := []string{"fmt", "log"}, []string{"github.com/iron-io/iron_go3/config"}
	for _, p := range r.goCode.imports {
		if strings.Contains(p, ".") {
			iron = append(iron, p)
		} else {
			std = append(std, p)
		}
	}
	slices.Sort(std)
	slices.Sort(iron)
	var b bytes.Buffer
	fmt.Fprintf(&b, "// %s on ironlocal at %s, with Iron.io's Go client iron_go3.\n//\n", r.Title, conn.base())
	b.WriteString("// Run it in a module of its own:\n//\n" +
		"//\tgo mod init example && go get github.com/iron-io/iron_go3 && go run .\n")
	for _, n := range r.goCode.notes {
		b.WriteString("//\n// Note: " + n + "\n")
	}
	b.WriteString("package main\n\nimport (\n")
	for _, p := range slices.Compact(std) {
		b.WriteString("\t" + strconv.Quote(p) + "\n")
	}
	b.WriteString("\n")
	for _, p := range slices.Compact(iron) {
		b.WriteString("\t" + strconv.Quote(p) + "\n")
	}
	b.WriteString(")\n\nfunc main() {\n")
	fmt.Fprintf(&b, "\tsettings := &config.Settings{\n\t\tScheme: %s,\n\t\tHost: %s,\n\t\tPort: %d,\n\t\tToken: %s,\n\t\tProjectId: %s,\n\t}\n",
		q(scheme), q(host), port, q(conn.Token), q(conn.Project))
	b.WriteString(r.goCode.code)
	b.WriteString("}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		return "", fmt.Errorf("%s: format the Go program: %w", r.Title, err)
	}
	return string(src), nil
}

// PythonProgram renders r as a Python 3 program that uses only the
// standard library (urllib.request, json).
func PythonProgram(conn Conn, r Request) (string, error) {
	body, err := r.body()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("#!/usr/bin/env python3\n")
	fmt.Fprintf(&b, "\"\"\"%s on ironlocal at %s.\n\n", pyDoc(r.Title), pyDoc(conn.base()))
	b.WriteString("Uses only the Python 3 standard library (urllib.request, json): Iron.io's\n" +
		"Python clients (iron-mq, iron-worker, iron-cache) are not installable here.\n\"\"\"\n")
	b.WriteString("import json\nimport urllib.request\n\n")
	fmt.Fprintf(&b, "BASE_URL = %s\nTOKEN = %s\nPROJECT = %s\n\n", pyString(conn.base()), pyString(conn.Token), pyString(conn.Project))
	rest := strings.TrimPrefix(r.path(conn.Project), "/"+r.Version+"/projects/"+escapedProject(conn.Project))
	url := "BASE_URL + " + pyString("/"+r.Version+"/projects/") + " + PROJECT + " + pyString(rest)
	if body != "" {
		lit, err := pyLiteral(body)
		if err != nil {
			return "", fmt.Errorf("%s: %w", r.Title, err)
		}
		b.WriteString("body = " + lit + "\n\n")
	}
	b.WriteString("request = urllib.request.Request(\n    " + url + ",\n")
	if body != "" {
		b.WriteString("    data=json.dumps(body).encode(),\n")
	}
	fmt.Fprintf(&b, "    method=%s,\n", pyString(r.Method))
	b.WriteString("    headers={\"Authorization\": \"OAuth \" + TOKEN")
	if body != "" {
		b.WriteString(", \"Content-Type\": \"application/json\"")
	}
	b.WriteString("},\n)\n")
	b.WriteString("with urllib.request.urlopen(request) as response:\n    answer = response.read().decode()\n")
	b.WriteString("print(json.dumps(json.loads(answer), indent=2) if answer else response.status)\n")
	return b.String(), nil
}

// escapedProject is the project as r.path writes it.
func escapedProject(p string) string {
	return strings.TrimPrefix(Request{Version: "x"}.path(p), "/x/projects/")
}

// pyString quotes s as a Python string literal: a JSON string literal is
// one (its escapes are Python's too).
func pyString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}

// pyDoc keeps s from closing a """ docstring or escaping in it.
func pyDoc(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"""`, `\"\"\"`).Replace(s)
}

// pyLiteral turns a JSON document into the Python literal json.dumps
// turns back into the same JSON (up to spacing and number spelling).
func pyLiteral(doc string) (string, error) {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", fmt.Errorf("decode the body: %w", err)
	}
	var b strings.Builder
	writePy(&b, v, "")
	return b.String(), nil
}

func writePy(b *strings.Builder, v any, indent string) {
	inner := indent + "    "
	switch x := v.(type) {
	case nil:
		b.WriteString("None")
	case bool:
		if x {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case json.Number:
		b.WriteString(x.String())
	case string:
		b.WriteString(pyString(x))
	case []any:
		if len(x) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[\n")
		for _, e := range x {
			b.WriteString(inner)
			writePy(b, e, inner)
			b.WriteString(",\n")
		}
		b.WriteString(indent + "]")
	case map[string]any:
		if len(x) == 0 {
			b.WriteString("{}")
			return
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteString("{\n")
		for _, k := range keys {
			b.WriteString(inner + pyString(k) + ": ")
			writePy(b, x[k], inner)
			b.WriteString(",\n")
		}
		b.WriteString(indent + "}")
	}
}
