// Package tmpl runs the templates of trigger binding actions (Go
// text/template) within bounds, because a binding comes from anyone who can
// send a seed file, a snapshot or an API request: 60 bytes of
// `{{range 30000000}}0123456789{{end}}` rendered 300 MB per event, and a
// stored binding made that a crash loop.
//
// A template is refused when it is parsed (create, seed, import) if it is
// over MaxTextBytes or calls itself (directly or through other templates:
// text/template would recurse 100,000 frames deep before it stops). A
// render is bounded in
//   - size: the output stops at the action's limit (the task payload or
//     message body limit), and the functions that build strings (print,
//     printf, println, html, js, urlquery, json) refuse results over it, and
//     over a budget for all the strings of one render, so a variable doubled
//     in a loop cannot grow past it;
//   - time: every list the template runs (each loop iteration, branch and
//     called template) first takes a step, and a render past its deadline
//     stops there, so even a loop that writes nothing ends.
//
// The package is stdlib only, so the store can check templates of an
// imported snapshot with the same rules the trigger host renders with.
package tmpl

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"text/template"
	"text/template/parse"
	"time"
)

// MaxTextBytes bounds a template's source.
const MaxTextBytes = 16 << 10

// DefaultTimeout bounds a render when Limits leave it zero.
const DefaultTimeout = time.Second

// maxWidth bounds a printf width or precision: fmt allows 10^6 per verb,
// which a short format repeats into gigabytes before any check could see
// the result.
const maxWidth = 4096

// stepFunc is the name of the function each list calls first. It is not a
// name users would pick; calling it does nothing but count.
const stepFunc = "_ironlocal_step"

// Template is a parsed, checked action template. It is immutable: Render
// may be called from several goroutines.
type Template struct {
	text string
}

// Parse checks text as an action template: its size, its syntax, and that no
// template calls itself. It never executes it.
func Parse(text string) (*Template, error) {
	if len(text) > MaxTextBytes {
		return nil, fmt.Errorf("template is %d bytes, over the %d byte limit", len(text), MaxTextBytes)
	}
	if _, err := compile(text, nil); err != nil {
		return nil, err
	}
	return &Template{text: text}, nil
}

// Limits bound one render.
type Limits struct {
	// Size is the largest output in bytes (required: > 0).
	Size int
	// Timeout bounds the render's time; 0 means DefaultTimeout.
	Timeout time.Duration
}

// ErrTooLarge and ErrTimeout say which bound a render hit (errors.Is).
var (
	ErrTooLarge = errors.New("template output too large")
	ErrTimeout  = errors.New("template ran too long")
)

// Render executes the template over data within lim.
func (t *Template) Render(data any, lim Limits) (out string, err error) {
	if lim.Size <= 0 {
		return "", errors.New("render: no size limit")
	}
	if lim.Timeout <= 0 {
		lim.Timeout = DefaultTimeout
	}
	r := &render{lim: lim, deadline: time.Now().Add(lim.Timeout), budget: 4*lim.Size + 1<<20}
	tt, err := compile(t.text, r)
	if err != nil {
		return "", err
	}
	defer func() {
		// text/template re-panics runtime errors; a template must never
		// take the daemon down.
		if p := recover(); p != nil {
			out, err = "", fmt.Errorf("template: %v", p)
		}
	}()
	w := &capWriter{max: lim.Size}
	if err := tt.Execute(w, data); err != nil {
		if r.abort != nil {
			return "", r.abort
		}
		if w.over {
			return "", r.tooLarge("output")
		}
		return "", err
	}
	return w.b.String(), nil
}

// compile parses text with the bounded functions of r (nil: checking only)
// and makes every list take a step first.
func compile(text string, r *render) (*template.Template, error) {
	if r == nil {
		r = &render{lim: Limits{Size: 1}, budget: 1}
	}
	t, err := template.New("action").Option("missingkey=zero").Funcs(r.funcs()).Parse(text)
	if err != nil {
		return nil, err
	}
	if err := refuseRecursion(t); err != nil {
		return nil, err
	}
	step, err := stepNode(r)
	if err != nil {
		return nil, err
	}
	for _, tt := range t.Templates() {
		if tt.Tree != nil && tt.Tree.Root != nil {
			instrument(tt.Tree.Root, step)
		}
	}
	return t, nil
}

// stepNode is a parsed `{{_ironlocal_step}}` action, prepended to lists.
// Nodes are only read while a template runs, so one node may sit in many
// lists.
func stepNode(r *render) (parse.Node, error) {
	t, err := template.New("step").Funcs(r.funcs()).Parse("{{" + stepFunc + "}}")
	if err != nil {
		return nil, err
	}
	return t.Tree.Root.Nodes[0], nil
}

// instrument prepends step to list and every list inside it.
func instrument(list *parse.ListNode, step parse.Node) {
	if list == nil {
		return
	}
	for _, n := range list.Nodes {
		switch n := n.(type) {
		case *parse.IfNode:
			instrument(n.List, step)
			instrument(n.ElseList, step)
		case *parse.RangeNode:
			instrument(n.List, step)
			instrument(n.ElseList, step)
		case *parse.WithNode:
			instrument(n.List, step)
			instrument(n.ElseList, step)
		case *parse.ListNode:
			instrument(n, step)
		}
	}
	list.Nodes = append([]parse.Node{step}, list.Nodes...)
}

// refuseRecursion fails when a template calls itself, directly or through
// others.
func refuseRecursion(t *template.Template) error {
	calls := map[string][]string{}
	for _, tt := range t.Templates() {
		if tt.Tree == nil {
			continue
		}
		var walk func(parse.Node)
		walk = func(n parse.Node) {
			switch n := n.(type) {
			case *parse.ListNode:
				if n == nil {
					return
				}
				for _, c := range n.Nodes {
					walk(c)
				}
			case *parse.IfNode:
				walk(n.List)
				walk(n.ElseList)
			case *parse.RangeNode:
				walk(n.List)
				walk(n.ElseList)
			case *parse.WithNode:
				walk(n.List)
				walk(n.ElseList)
			case *parse.TemplateNode:
				calls[tt.Name()] = append(calls[tt.Name()], n.Name)
			}
		}
		walk(tt.Tree.Root)
	}
	const (
		unseen = iota
		active
		done
	)
	state := map[string]int{}
	var visit func(name string) error
	visit = func(name string) error {
		switch state[name] {
		case active:
			return fmt.Errorf("template %q calls itself: recursion is not allowed", name)
		case done:
			return nil
		}
		state[name] = active
		for _, c := range calls[name] {
			if err := visit(c); err != nil {
				return err
			}
		}
		state[name] = done
		return nil
	}
	for name := range calls {
		if err := visit(name); err != nil {
			return err
		}
	}
	return nil
}

// render is the state of one execution: its deadline, the string budget
// of its functions, and why it stopped.
type render struct {
	lim      Limits
	deadline time.Time
	steps    int
	budget   int // bytes the string functions may still produce
	abort    error
}

func (r *render) stop(err error) error {
	if r.abort == nil {
		r.abort = err
	}
	return r.abort
}

func (r *render) tooLarge(what string) error {
	return r.stop(fmt.Errorf("%w: %s over the %d byte limit", ErrTooLarge, what, r.lim.Size))
}

// step is called first in every list; it checks the clock every 256 steps.
func (r *render) step() (string, error) {
	r.steps++
	if r.steps%256 == 0 && time.Now().After(r.deadline) {
		return "", r.stop(fmt.Errorf("%w: stopped after %s", ErrTimeout, r.lim.Timeout))
	}
	return "", nil
}

// produce accounts for a string a function is about to build (its bound,
// known before it is built) or built.
func (r *render) produce(n int, what string) error {
	if n > r.lim.Size {
		return r.tooLarge(what)
	}
	if r.budget -= n; r.budget < 0 {
		return r.stop(fmt.Errorf("%w: the template's strings add up to over %d bytes", ErrTooLarge, 4*r.lim.Size+1<<20))
	}
	return nil
}

// funcs are the template's functions: json, and bounded versions of the
// builtins that build strings.
func (r *render) funcs() template.FuncMap {
	return template.FuncMap{
		stepFunc: r.step,
		"json": func(v any) (string, error) {
			if err := r.produce(6*argSize(v), "json"); err != nil {
				return "", err
			}
			b, err := json.Marshal(v)
			return string(b), err
		},
		"print": func(args ...any) (string, error) {
			if err := r.produce(sumSizes(args), "print"); err != nil {
				return "", err
			}
			return fmt.Sprint(args...), nil
		},
		"println": func(args ...any) (string, error) {
			if err := r.produce(sumSizes(args)+len(args)+1, "println"); err != nil {
				return "", err
			}
			return fmt.Sprintln(args...), nil
		},
		"printf": func(format string, args ...any) (string, error) {
			widths, err := formatWidths(format)
			if err != nil {
				return "", r.stop(err)
			}
			if err := r.produce(len(format)+widths+sumSizes(args), "printf"); err != nil {
				return "", err
			}
			return fmt.Sprintf(format, args...), nil
		},
		"html":     r.escaper("html", 6, template.HTMLEscaper),
		"js":       r.escaper("js", 6, template.JSEscaper),
		"urlquery": r.escaper("urlquery", 3, template.URLQueryEscaper),
	}
}

// escaper bounds an escaping builtin whose output is at most grow times its
// input.
func (r *render) escaper(name string, grow int, f func(...any) string) func(...any) (string, error) {
	return func(args ...any) (string, error) {
		if err := r.produce(grow*sumSizes(args), name); err != nil {
			return "", err
		}
		return f(args...), nil
	}
}

// sumSizes bounds what fmt writes for args, before it writes it.
func sumSizes(args []any) int {
	n := 0
	for _, a := range args {
		n += argSize(a) + 1
	}
	return n
}

// argSize is a generous bound of a value's printed size. Values come from
// the event (bounded by the event size cap) or from the bounded functions.
func argSize(v any) int {
	switch v := v.(type) {
	case nil:
		return 5
	case string:
		return len(v)
	case []byte:
		return 4 * len(v)
	case bool, int, int64, float64, uint64, int32, uint32, float32:
		return 32
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Map:
		n := 2
		for _, k := range rv.MapKeys() {
			n += argSize(k.Interface()) + argSize(rv.MapIndex(k).Interface()) + 2
		}
		return n
	case reflect.Slice, reflect.Array:
		n := 2
		for i := range rv.Len() {
			n += argSize(rv.Index(i).Interface()) + 1
		}
		return n
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return 5
		}
		return argSize(rv.Elem().Interface())
	}
	return 64 + len(fmt.Sprint(v))
}

// formatWidths returns the sum of the numbers in a printf format's verbs
// (widths, precisions, argument indexes: an overestimate is fine), refusing
// any over maxWidth and any width given as an argument (*).
func formatWidths(format string) (int, error) {
	total := 0
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		n := 0
		for i++; i < len(format) && !isVerb(format[i]); i++ {
			switch c := format[i]; {
			case c == '*':
				return 0, errors.New("printf: widths given as arguments (*) are not allowed in templates")
			case c >= '0' && c <= '9':
				if n = n*10 + int(c-'0'); n > maxWidth {
					return 0, fmt.Errorf("printf: a width or precision over %d is not allowed in templates", maxWidth)
				}
			default:
				total, n = total+n, 0
			}
		}
		total += n
	}
	return total, nil
}

// isVerb reports whether c ends a printf verb.
func isVerb(c byte) bool {
	return c == '%' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// capWriter keeps at most max bytes and fails the write that would pass it,
// which stops the template.
type capWriter struct {
	b    strings.Builder
	max  int
	over bool
}

func (w *capWriter) Write(p []byte) (int, error) {
	if w.b.Len()+len(p) > w.max {
		w.over = true
		return 0, ErrTooLarge
	}
	return w.b.Write(p)
}
