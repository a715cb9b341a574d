package tcironlocal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"
	"time"

	"github.com/testcontainers/testcontainers-go"

	"github.com/ironlocal/ironlocal/tcironlocal"
)

// call sends a JSON request with the container's token and decodes the
// JSON answer into out (if not nil).
func call(ctx context.Context, ctr *tcironlocal.Container, method, path string, in, out any) error {
	base, err := ctr.APIURL(ctx)
	if err != nil {
		return err
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "OAuth "+ctr.Token())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, answer)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(answer, out)
}

func ExampleRun() {
	ctx := context.Background()

	ctr, err := tcironlocal.Run(ctx, tcironlocal.DefaultImage,
		tcironlocal.WithProject("5f0c4ad1e8b0a70009a1b2c3"),
		tcironlocal.WithToken("example-token"), // strict auth: only this token
	)
	defer func() {
		if err := testcontainers.TerminateContainer(ctr); err != nil {
			log.Printf("failed to terminate container: %s", err)
		}
	}()
	if err != nil {
		log.Printf("failed to start container: %s", err)
		return
	}

	// Point the official clients at it with ctr.Env(ctx) or ctr.IronJSON(ctx);
	// here plain HTTP does: post a message to an IronMQ queue, reserve it.
	queue := "/3/projects/" + ctr.ProjectID() + "/queues/greetings"
	err = call(ctx, ctr, http.MethodPost, queue+"/messages",
		map[string]any{"messages": []map[string]string{{"body": "hello, ironlocal"}}}, nil)
	if err != nil {
		log.Printf("post message: %s", err)
		return
	}
	var reserved struct {
		Messages []struct {
			Body string `json:"body"`
		} `json:"messages"`
	}
	if err := call(ctx, ctr, http.MethodPost, queue+"/reservations", map[string]int{"n": 1}, &reserved); err != nil {
		log.Printf("reserve: %s", err)
		return
	}
	fmt.Println(reserved.Messages[0].Body)

	env, err := ctr.Env(ctx)
	if err != nil {
		log.Printf("env: %s", err)
		return
	}
	fmt.Println(env["IRON_TOKEN"], env["IRON_PROJECT_ID"])

	// Output:
	// hello, ironlocal
	// example-token 5f0c4ad1e8b0a70009a1b2c3
}

func ExampleContainer_WaitIdle() {
	ctx := context.Background()

	ctr, err := tcironlocal.Run(ctx, tcironlocal.DefaultImage)
	defer func() {
		if err := testcontainers.TerminateContainer(ctr); err != nil {
			log.Printf("failed to terminate container: %s", err)
		}
	}()
	if err != nil {
		log.Printf("failed to start container: %s", err)
		return
	}

	// Register a locally built job image (ironlocal's fixture worker: it
	// prints the message and posts it to the queue named in its payload),
	// queue a task, and wait until it ran as a sibling container.
	worker := "/2/projects/" + ctr.ProjectID()
	err = call(ctx, ctr, http.MethodPost, worker+"/codes",
		map[string]string{"name": "hello", "image": "ironlocal/fixture-worker:latest"}, nil)
	if err != nil {
		log.Printf("register code: %s", err)
		return
	}
	var queued struct {
		Tasks []struct {
			ID string `json:"id"`
		} `json:"tasks"`
	}
	err = call(ctx, ctr, http.MethodPost, worker+"/tasks", map[string]any{"tasks": []map[string]string{
		{"code_name": "hello", "payload": `{"message":"hi from a task","post_queue":"results"}`},
	}}, &queued)
	if err != nil {
		log.Printf("queue task: %s", err)
		return
	}
	if err := ctr.WaitIdle(ctx, 30*time.Second); err != nil {
		log.Printf("wait idle: %s", err)
		return
	}

	var task struct {
		Status string `json:"status"`
	}
	if err := call(ctx, ctr, http.MethodGet, worker+"/tasks/"+queued.Tasks[0].ID, nil, &task); err != nil {
		log.Printf("get task: %s", err)
		return
	}
	fmt.Println(task.Status)

	logText, err := ctr.TaskLog(ctx, queued.Tasks[0].ID)
	if err != nil {
		log.Printf("task log: %s", err)
		return
	}
	for _, line := range strings.Split(strings.TrimSpace(logText), "\n")[1:] { // line 1 names the task id
		fmt.Println(line)
	}

	var reserved struct {
		Messages []struct {
			Body string `json:"body"`
		} `json:"messages"`
	}
	err = call(ctx, ctr, http.MethodPost, "/3/projects/"+ctr.ProjectID()+"/queues/results/reservations", map[string]int{"n": 1}, &reserved)
	if err != nil {
		log.Printf("reserve: %s", err)
		return
	}
	fmt.Println(reserved.Messages[0].Body)

	// Output:
	// complete
	// hi from a task
	// posted to queue results
	// hi from a task
}
