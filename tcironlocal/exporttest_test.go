package tcironlocal_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/testcontainers/testcontainers-go"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/client/exporttest"
	"github.com/ironlocal/ironlocal/tcironlocal"
)

// TestContainer_ExportTest records a session — a job run in Docker, queue
// traffic with an acknowledged message, a cache counter, a clock move —
// exports it with client/exporttest, and runs the generated test in a
// fresh module of its own: green as generated, red once the state it
// captured is not what a replay reaches.
func TestContainer_ExportTest(t *testing.T) {
	ctx := context.Background()
	ctr, err := tcironlocal.Run(ctx, tcironlocal.DefaultImage, tcironlocal.WithVirtualClock(), tcironlocal.WithPermissiveAuth())
	testcontainers.CleanupContainer(t, ctr)
	require.NoError(t, err)
	base, err := ctr.APIURL(ctx)
	require.NoError(t, err)
	c, err := client.New(base, "recording", client.WithProject(ctr.ProjectID()))
	require.NoError(t, err)

	_, err = c.RegisterCode(ctx, client.NewCode{Name: "hello", Image: "ironlocal/fixture-worker:latest"})
	require.NoError(t, err)
	_, err = c.QueueTask(ctx, client.NewTask{CodeName: "hello", Payload: `{"message":"recorded run"}`})
	require.NoError(t, err)
	_, err = c.PostMessages(ctx, "orders", client.NewMessage{Body: "a"}, client.NewMessage{Body: "b"}, client.NewMessage{Body: "c"})
	require.NoError(t, err)
	got, err := c.Reserve(ctx, "orders", client.Reservation{N: 1})
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.NoError(t, c.DeleteMessage(ctx, "orders", got[0].ID, got[0].ReservationID))
	_, err = c.PutItem(ctx, "stats", "orders", client.ItemPut{Value: 0})
	require.NoError(t, err)
	_, err = c.Increment(ctx, "stats", "orders", 5)
	require.NoError(t, err)
	binding, err := c.CreateTrigger(ctx, client.NewTrigger{Name: "orders-in", Plugin: "http",
		Config: json.RawMessage(`{"listen":"127.0.0.1:0","routes":[{"method":"POST","path":"/orders"}]}`),
		Action: client.TriggerAction{Type: "task", CodeName: "hello"}})
	require.NoError(t, err)
	fired, err := c.FireTrigger(ctx, binding.ID, "", json.RawMessage(`{"body":"{\"message\":\"from a trigger\"}"}`))
	require.NoError(t, err)
	require.NotEmpty(t, fired.TaskID)
	require.NoError(t, ctr.AdvanceClock(ctx, time.Minute))
	_, err = c.PostMessages(ctx, "orders", client.NewMessage{Body: "d", Delay: 30})
	require.NoError(t, err)
	require.NoError(t, ctr.WaitIdle(ctx, time.Minute))

	dir := t.TempDir()
	sum, err := exporttest.Export(ctx, c, dir, exporttest.Options{})
	require.NoError(t, err)
	require.Equal(t, 10, sum.Inputs)
	require.Len(t, sum.Expect.Tasks, 2, "the task queued and the one a trigger event queued")
	require.Equal(t, "complete", sum.Expect.Tasks[0].Status)
	require.Contains(t, sum.Expect.Tasks[0].Output, "recorded run")

	root, err := filepath.Abs("..")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module recorded\n\ngo 1.26\n\n"+
		"require github.com/ironlocal/ironlocal v0.0.0\n\nreplace github.com/ironlocal/ironlocal => "+root+"\n"), 0o644))
	gotest := func() (string, error) {
		cmd := exec.Command("go", "test", "-count=1", "./...")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	tidy := exec.Command("go", "mod", "tidy")
	tidy.Dir = dir
	out, err := tidy.CombinedOutput()
	require.NoError(t, err, "%s", out)

	text, err := gotest()
	require.NoError(t, err, "the generated test passes as generated:\n%s", text)

	// The captured behaviour changes: the counter was 5, not 6.
	expect := filepath.Join(dir, "testdata", "expect.json")
	b, err := os.ReadFile(expect)
	require.NoError(t, err)
	require.Contains(t, string(b), `"value": 5`)
	require.NoError(t, os.WriteFile(expect, []byte(strings.Replace(string(b), `"value": 5`, `"value": 6`, 1)), 0o644))
	text, err = gotest()
	require.Error(t, err, "the generated test fails once the state differs:\n%s", text)
	require.Contains(t, text, "cache stats item orders: 5, recorded 6")
}
