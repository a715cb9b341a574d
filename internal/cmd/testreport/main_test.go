package main

import (
	"bytes"
	"strings"
	"testing"
)

const stream = `{"Action":"start","Package":"a"}
{"Action":"run","Package":"a","Test":"TestFast"}
{"Action":"output","Package":"a","Test":"TestFast","Output":"=== RUN   TestFast\n"}
{"Action":"output","Package":"a","Test":"TestFast","Output":"--- PASS: TestFast (0.10s)\n"}
{"Action":"pass","Package":"a","Test":"TestFast","Elapsed":0.1}
{"Action":"run","Package":"a","Test":"TestSlow"}
{"Action":"run","Package":"a","Test":"TestSlow/sub"}
{"Action":"pass","Package":"a","Test":"TestSlow/sub","Elapsed":9}
{"Action":"pass","Package":"a","Test":"TestSlow","Elapsed":9.5}
{"Action":"output","Package":"a","Output":"PASS\n"}
{"Action":"output","Package":"a","Output":"ok  \ta\t9.6s\n"}
{"Action":"pass","Package":"a","Elapsed":9.6}
{"Action":"run","Package":"b","Test":"TestBroken"}
{"Action":"output","Package":"b","Test":"TestBroken","Output":"=== RUN   TestBroken\n"}
{"Action":"output","Package":"b","Test":"TestBroken","Output":"    b_test.go:9: want 1, got 2\n"}
{"Action":"output","Package":"b","Test":"TestBroken","Output":"--- FAIL: TestBroken (0.20s)\n"}
{"Action":"fail","Package":"b","Test":"TestBroken","Elapsed":0.2}
{"Action":"output","Package":"b","Output":"FAIL\n"}
{"Action":"output","Package":"b","Output":"FAIL\tb\t0.3s\n"}
{"Action":"fail","Package":"b","Elapsed":0.3}
`

func TestRun(t *testing.T) {
	var out bytes.Buffer
	code := run(strings.NewReader(stream), &out, 2)
	if code != 1 {
		t.Errorf("exit %d, want 1: a test failed", code)
	}
	got := out.String()
	for _, want := range []string{"ok  \ta\t9.6s\n", "b_test.go:9: want 1, got 2", "FAIL\tb\t0.3s\n",
		"The 2 slowest tests:\n      9.5s  a.TestSlow\n      0.2s  b.TestBroken\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "TestFast") || strings.Count(got, "FAIL\tb") != 1 {
		t.Errorf("a passing test's output is shown:\n%s", got)
	}
}

// A failing subtest's message is reported with the subtest, as go test
// -json attributes it, not with its parent.
func TestRun_failingSubtest(t *testing.T) {
	stream := strings.Join([]string{
		`{"Action":"run","Package":"c","Test":"TestParent"}`,
		`{"Action":"run","Package":"c","Test":"TestParent/child"}`,
		`{"Action":"output","Package":"c","Test":"TestParent/child","Output":"    c_test.go:7: the child's assertion\n"}`,
		`{"Action":"fail","Package":"c","Test":"TestParent/child","Elapsed":0.1}`,
		`{"Action":"output","Package":"c","Test":"TestParent","Output":"--- FAIL: TestParent (0.10s)\n"}`,
		`{"Action":"fail","Package":"c","Test":"TestParent","Elapsed":0.1}`,
		`{"Action":"output","Package":"c","Output":"FAIL\tc\t0.2s\n"}`,
		`{"Action":"fail","Package":"c","Elapsed":0.2}`,
	}, "\n") + "\n"
	var out bytes.Buffer
	if code := run(strings.NewReader(stream), &out, 10); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if got := out.String(); !strings.Contains(got, "the child's assertion") || strings.Contains(got, "c.TestParent/child") {
		t.Errorf("the subtest's failure is not shown, or a subtest is timed:\n%s", got)
	}
}

func TestRun_passAndBuildErrors(t *testing.T) {
	var out bytes.Buffer
	if code := run(strings.NewReader(`{"Action":"pass","Package":"a","Test":"TestX","Elapsed":1}`+"\n"), &out, 10); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	out.Reset()
	stream := "# a\na/a.go:3:1: syntax error\n" + `{"Action":"output","Package":"a","Output":"FAIL\ta [build failed]\n"}` + "\n" + `{"Action":"fail","Package":"a"}` + "\n"
	if code := run(strings.NewReader(stream), &out, 10); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(out.String(), "syntax error") || !strings.Contains(out.String(), "[build failed]") {
		t.Errorf("the build error is not shown:\n%s", out.String())
	}
}
