package trigger_test

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/server"
	"github.com/ironlocal/ironlocal/emulator/trigger"
)

type s3Notification struct {
	Records []struct {
		EventVersion string `json:"eventVersion"`
		EventSource  string `json:"eventSource"`
		AWSRegion    string `json:"awsRegion"`
		EventTime    string `json:"eventTime"`
		EventName    string `json:"eventName"`
		S3           struct {
			SchemaVersion string `json:"s3SchemaVersion"`
			Bucket        struct {
				Name string `json:"name"`
				ARN  string `json:"arn"`
			} `json:"bucket"`
			Object struct {
				Key       string `json:"key"`
				Size      *int64 `json:"size"`
				ETag      string `json:"eTag"`
				Sequencer string `json:"sequencer"`
			} `json:"object"`
		} `json:"s3"`
	} `json:"Records"`
}

func bindingRunning(t *testing.T, srv *server.Server, id string) trigger.BindingView {
	t.Helper()
	var v trigger.BindingView
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		var err error
		v, err = srv.Triggers().Binding(context.Background(), id)
		if assert.NoError(c, err) {
			assert.Equal(c, trigger.StateRunning, v.State)
			assert.NotEmpty(c, v.Status, "the plugin reported its status")
		}
	}, 20*time.Second, 20*time.Millisecond)
	return v
}

func TestUpload_S3Events(t *testing.T) {
	ctx := context.Background()
	bucket := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(bucket, "in"), 0o755))
	srv := start(t, server.Options{PluginsDirs: []string{pluginDir(t, "upload")}}, "upload")
	shellCode(t, srv, "csv-import", `cat "$PAYLOAD_FILE"; :`)

	b, err := srv.Triggers().CreateBinding(ctx, trigger.BindingInput{ProjectID: project, Plugin: "upload",
		Config: json.RawMessage(`{"dir":` + quote(bucket) + `,"bucket":"uploads","prefix":"in/","suffix":".csv"}`),
		Action: emulator.BindingAction{Type: emulator.ActionTask, CodeName: "csv-import"}})
	require.NoError(t, err)
	bindingRunning(t, srv, b.ID)

	content := []byte("id,name\n1,ada\n")
	require.NoError(t, os.WriteFile(filepath.Join(bucket, "in", "notes.txt"), []byte("x"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(bucket, "in", "my report.csv"), content, 0o644))

	tasks := finishedTasks(t, srv, "csv-import", 1)
	var n s3Notification
	all, _ := srv.Worker().Log(ctx, project, tasks[0].ID, false)
	require.NoError(t, json.Unmarshal([]byte(taskLog(t, srv, tasks[0].ID)), &n), "the task payload is the event: %s %s %s", tasks[0].Status, tasks[0].Msg, all)
	require.Len(t, n.Records, 1)
	r := n.Records[0]
	require.Equal(t, "2.1", r.EventVersion)
	require.Equal(t, "aws:s3", r.EventSource)
	require.Equal(t, "ObjectCreated:Put", r.EventName)
	require.Equal(t, "us-east-1", r.AWSRegion)
	_, err = time.Parse("2006-01-02T15:04:05.000Z", r.EventTime)
	require.NoError(t, err)
	require.Equal(t, "uploads", r.S3.Bucket.Name)
	require.Equal(t, "arn:aws:s3:::uploads", r.S3.Bucket.ARN)
	require.Equal(t, "in/my+report.csv", r.S3.Object.Key, "keys are URL-encoded form-style")
	require.NotNil(t, r.S3.Object.Size)
	require.Equal(t, int64(len(content)), *r.S3.Object.Size)
	sum := md5.Sum(content)
	require.Equal(t, hex.EncodeToString(sum[:]), r.S3.Object.ETag)
	require.NotEmpty(t, r.S3.Object.Sequencer)

	// The trace shows both files: the CSV matched, the text file filtered
	// out with the reason.
	var filtered, matched emulator.TriggerEvent
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		evs, err := srv.Triggers().Events(ctx, b.ID, 0)
		if !assert.NoError(c, err) {
			return
		}
		for _, e := range evs {
			switch e.Outcome {
			case emulator.TriggerFiltered:
				filtered = e
			case emulator.TriggerMatched:
				matched = e
			}
		}
		assert.NotEmpty(c, filtered.ID)
		assert.NotEmpty(c, matched.ID)
	}, 10*time.Second, 20*time.Millisecond)
	require.Contains(t, filtered.Reason, `does not end with suffix ".csv"`)
	require.Equal(t, tasks[0].ID, matched.TaskID)
	require.Equal(t, "s3:ObjectCreated:Put", matched.Type)

	// Removing the file emits ObjectRemoved:Delete without size or eTag.
	require.NoError(t, os.Remove(filepath.Join(bucket, "in", "my report.csv")))
	tasks = finishedTasks(t, srv, "csv-import", 2)
	var removed s3Notification
	for _, tk := range tasks {
		var n s3Notification
		require.NoError(t, json.Unmarshal([]byte(taskLog(t, srv, tk.ID)), &n))
		if n.Records[0].EventName == "ObjectRemoved:Delete" {
			removed = n
		}
	}
	require.NotEmpty(t, removed.Records, "a task for the removal")
	require.Equal(t, "in/my+report.csv", removed.Records[0].S3.Object.Key)
	require.Nil(t, removed.Records[0].S3.Object.Size)
	require.Empty(t, removed.Records[0].S3.Object.ETag)

	// Replay the matched event with an edited payload: a new task gets it.
	ev, err := srv.Triggers().Replay(ctx, b.ID, matched.ID, ptr(`{"edited":true}`))
	require.NoError(t, err)
	require.Equal(t, emulator.TriggerMatched, ev.Outcome)
	require.Equal(t, matched.ID, ev.ReplayOf)
	finishedTasks(t, srv, "csv-import", 3)
	require.JSONEq(t, `{"edited":true}`, taskLog(t, srv, ev.TaskID))
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func ptr[T any](v T) *T { return &v }

// TestUpload_Formats: the gcs and cloudevents options shape the events as
// Cloud Storage does.
func TestUpload_Formats(t *testing.T) {
	ctx := context.Background()
	srv := start(t, server.Options{PluginsDirs: []string{pluginDir(t, "upload")}}, "upload")
	for _, tc := range []struct{ format, code string }{{"gcs", "gcs"}, {"cloudevents", "ce"}} {
		dir := t.TempDir()
		shellCode(t, srv, tc.code, `cat "$PAYLOAD_FILE"; :`)
		b, err := srv.Triggers().CreateBinding(ctx, trigger.BindingInput{ProjectID: project, Plugin: "upload",
			Config: json.RawMessage(`{"dir":` + quote(dir) + `,"bucket":"media","format":"` + tc.format + `"}`),
			Action: emulator.BindingAction{Type: emulator.ActionTask, CodeName: tc.code}})
		require.NoError(t, err)
		bindingRunning(t, srv, b.ID)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "cat.png"), []byte("png"), 0o644))
		tasks := finishedTasks(t, srv, tc.code, 1)
		var got map[string]any
		require.NoError(t, json.Unmarshal([]byte(taskLog(t, srv, tasks[0].ID)), &got))
		object := got
		if tc.format == "cloudevents" {
			require.Equal(t, "1.0", got["specversion"])
			require.Equal(t, "google.cloud.storage.object.v1.finalized", got["type"])
			require.Equal(t, "//storage.googleapis.com/projects/_/buckets/media", got["source"])
			require.Equal(t, "objects/cat.png", got["subject"])
			object = got["data"].(map[string]any)
		}
		require.Equal(t, "storage#object", object["kind"])
		require.Equal(t, "media", object["bucket"])
		require.Equal(t, "cat.png", object["name"])
		require.Equal(t, "3", object["size"])
		require.Equal(t, "image/png", object["contentType"])
		sum := md5.Sum([]byte("png"))
		require.Equal(t, base64.StdEncoding.EncodeToString(sum[:]), object["md5Hash"])
	}
}

// TestUpload_FolderMovedIn: files that arrive inside a folder moved into
// the bucket count as uploads; the folder itself is no object.
func TestUpload_FolderMovedIn(t *testing.T) {
	ctx := context.Background()
	bucket, outside := t.TempDir(), t.TempDir()
	srv := start(t, server.Options{PluginsDirs: []string{pluginDir(t, "upload")}}, "upload")
	shellCode(t, srv, "moved", `cat "$PAYLOAD_FILE"; :`)
	b, err := srv.Triggers().CreateBinding(ctx, trigger.BindingInput{ProjectID: project, Plugin: "upload",
		Config: json.RawMessage(`{"dir":` + quote(bucket) + `}`),
		Action: emulator.BindingAction{Type: emulator.ActionTask, CodeName: "moved"}})
	require.NoError(t, err)
	bindingRunning(t, srv, b.ID)

	require.NoError(t, os.MkdirAll(filepath.Join(outside, "batch", "deep"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(outside, "batch", "a.csv"), []byte("a"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(outside, "batch", "deep", "b.csv"), []byte("b"), 0o644))
	require.NoError(t, os.Rename(filepath.Join(outside, "batch"), filepath.Join(bucket, "batch")))

	tasks := finishedTasks(t, srv, "moved", 2)
	var keys []string
	for _, tk := range tasks {
		var n s3Notification
		require.NoError(t, json.Unmarshal([]byte(taskLog(t, srv, tk.ID)), &n))
		require.Equal(t, "ObjectCreated:Put", n.Records[0].EventName)
		keys = append(keys, n.Records[0].S3.Object.Key)
	}
	require.ElementsMatch(t, []string{"batch/a.csv", "batch/deep/b.csv"}, keys)

	// Removing the folder removes its objects, and nothing else.
	require.NoError(t, os.RemoveAll(filepath.Join(bucket, "batch")))
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		evs, err := srv.Triggers().Events(ctx, b.ID, 0)
		if !assert.NoError(c, err) {
			return
		}
		var removed []string
		for _, e := range evs {
			if e.Type == "s3:ObjectRemoved:Delete" {
				removed = append(removed, e.Attrs["key"])
			}
		}
		assert.ElementsMatch(c, []string{"batch/a.csv", "batch/deep/b.csv"}, removed)
	}, 10*time.Second, 20*time.Millisecond)
}
