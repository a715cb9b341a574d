package bench_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/ironlocal/ironlocal/bench"
	"github.com/ironlocal/ironlocal/client"
)

func TestReadSSE(t *testing.T) {
	type ev struct{ name, data string }
	tests := []struct {
		name   string
		stream string
		want   []ev
	}{
		{"ironlocal stream", ": ironlocal event stream\n\nid: 1\nevent: task.queued\ndata: {\"seq\":1}\n\nid: 2\nevent: task.running\ndata: {\"seq\":2}\n\n",
			[]ev{{"task.queued", `{"seq":1}`}, {"task.running", `{"seq":2}`}}},
		{"multi-line data, CRLF, no space after colon", "data:a\r\ndata: b\r\n\r\n", []ev{{"", "a\nb"}}},
		{"keepalive comments and data-less events skipped", ": keepalive\n\nevent: x\n\n", nil},
		{"unfinished event at EOF dropped", "data: done\n\ndata: cut", []ev{{"", "done"}}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []ev
			err := bench.ReadSSE(strings.NewReader(tt.stream), func(name string, data []byte) error {
				got = append(got, ev{name, string(data)})
				return nil
			})
			if err != nil {
				t.Fatalf("ReadSSE: %v", err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("event %d = %q, want %q", i, got[i], tt.want[i])
				}
			}
		})
	}
	t.Run("callback error stops the read", func(t *testing.T) {
		boom := errors.New("boom")
		calls := 0
		err := bench.ReadSSE(strings.NewReader("data: 1\n\ndata: 2\n\n"), func(string, []byte) error {
			calls++
			return boom
		})
		if !errors.Is(err, boom) || calls != 1 {
			t.Errorf("err %v after %d calls; want boom after 1", err, calls)
		}
	})
}

func TestPushQueueSettings(t *testing.T) {
	b, err := json.Marshal(bench.PushQueueSettings("multicast", "http://127.0.0.1:1/q"))
	want := `{"type":"multicast","push":{"subscribers":[{"name":"bench","url":"http://127.0.0.1:1/q"}],"retries":3,"retries_delay":60}}`
	if err != nil || string(b) != want {
		t.Errorf("PushQueueSettings = %s, %v; want %s", b, err, want)
	}
	if got, want := bench.TaskPage("a b", 2, 100), (client.TaskQuery{CodeName: "a b", Page: client.Page{Page: 2, PerPage: 100}}); !reflect.DeepEqual(got, want) {
		t.Errorf("TaskPage = %+v, want %+v", got, want)
	}
}
