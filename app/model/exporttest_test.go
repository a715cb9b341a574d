package model

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client/exporttest"
)

func TestCheckTestName(t *testing.T) {
	tests := []struct{ name, in, err string }{
		{name: "default", in: DefaultTestName},
		{name: "Test alone", in: "Test"},
		{name: "underscore", in: "Test_queueRetry"},
		{name: "digit", in: "Test2Queues"},
		{name: "non-ASCII upper", in: "TestÉtat"},
		{name: "empty", in: "", err: "name the test"},
		{name: "no Test prefix", in: "RecordedTest", err: "starts with Test"},
		{name: "lower-case test", in: "testRecorded", err: "starts with Test"},
		{name: "space", in: "Test Recorded", err: "Go identifier"},
		{name: "dash", in: "Test-1", err: "Go identifier"},
		{name: "lower-case after Test", in: "Testing", err: "go test skips Testing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckTestName(tt.in)
			if tt.err == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.err)
		})
	}
}

func TestExportTestNotice(t *testing.T) {
	dir := filepath.Join("tmp", "rec")
	tests := []struct {
		name string
		in   exporttest.Summary
		want string
	}{
		{name: "plural", in: exporttest.Summary{Dir: dir, Inputs: 5, Setup: 2, Expect: exporttest.Expect{
			Queues: make([]exporttest.QueueState, 2), Items: make([]exporttest.ItemState, 3)}},
			want: "Wrote " + filepath.Join(dir, "recorded_test.go") + ": 5 writes (2 setup), 2 queues, 3 items, 0 tasks checked"},
		{name: "singular", in: exporttest.Summary{Dir: dir, Inputs: 1, Expect: exporttest.Expect{
			Queues: make([]exporttest.QueueState, 1), Items: make([]exporttest.ItemState, 1), Tasks: make([]exporttest.TaskState, 1)}},
			want: "Wrote " + filepath.Join(dir, "recorded_test.go") + ": 1 write (0 setup), 1 queue, 1 item, 1 task checked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, ExportTestNotice(tt.in))
		})
	}
}
