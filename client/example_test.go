package client_test

import (
	"context"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/server"
)

// startIronlocal starts an in-memory ironlocal on a free loopback port, as a Go
// test or program can (server.Start; in a test, server.RunT also closes it
// when the test ends). Tasks run as local processes, so the examples need
// no Docker; the clock is virtual, so they decide when time passes. In
// your own code, point client.New at ironlocald, the desktop app or a
// tcironlocal container instead.
func startIronlocal() (url string, stop func()) {
	srv, err := server.Start(server.Options{Listen: "127.0.0.1:0", Ephemeral: true, Runtime: "process", VirtualClock: true})
	if err != nil {
		log.Fatal(err)
	}
	return srv.URL(), func() { _ = srv.Close(context.Background()) }
}

// Post a message to an IronMQ queue, reserve it and delete it.
func Example() {
	url, stop := startIronlocal()
	defer stop()
	ctx := context.Background()

	c, err := client.New(url, "local-token") // any token, unless ironlocal runs with --token
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.PostMessages(ctx, "jobs", client.NewMessage{Body: "hello"}); err != nil {
		log.Fatal(err)
	}
	msgs, err := c.Reserve(ctx, "jobs", client.Reservation{N: 1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(msgs[0].Body, msgs[0].ReservedCount)
	if err := c.DeleteMessage(ctx, "jobs", msgs[0].ID, msgs[0].ReservationID); err != nil {
		log.Fatal(err)
	}
	q, err := c.Queue(ctx, "jobs")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(q.Name, q.Size)
	// Output:
	// hello 1
	// jobs 0
}

// Register a code package, queue a task with a payload, wait until the
// emulator is idle, and read the task's status and log.
func ExampleClient_QueueTask() {
	url, stop := startIronlocal()
	defer stop()
	ctx := context.Background()
	c, err := client.New(url, "local-token")
	if err != nil {
		log.Fatal(err)
	}

	// Under the process runtime a code's Command runs in a shell, followed
	// by Iron's arguments (-id, -payload, -config, -d), which "; true"
	// takes here; under Docker (ironlocald's default when an engine
	// answers) the Image runs.
	_, err = c.RegisterCode(ctx, client.NewCode{Name: "greeter", Image: "example/greeter:1",
		Command: `echo "hello, $(cat "$PAYLOAD_FILE")"; true`})
	if err != nil {
		log.Fatal(err)
	}
	id, err := c.QueueTask(ctx, client.NewTask{CodeName: "greeter", Payload: "world"})
	if err != nil {
		log.Fatal(err)
	}
	if err := c.WaitIdle(ctx, 30*time.Second); err != nil {
		log.Fatal(err)
	}
	task, err := c.Task(ctx, id)
	if err != nil {
		log.Fatal(err)
	}
	logText, err := c.TaskLog(ctx, id)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(task.Status)
	fmt.Print(logText)
	// Output:
	// complete
	// hello, world
}

// With a virtual clock (ironlocald --virtual-clock, server.Options
// VirtualClock, tcironlocal.WithVirtualClock) time passes only when a test
// says so: a message posted with a delay becomes ready when the clock is
// advanced past it, without waiting.
func ExampleClient_AdvanceClock() {
	url, stop := startIronlocal()
	defer stop()
	ctx := context.Background()
	c, err := client.New(url, "local-token")
	if err != nil {
		log.Fatal(err)
	}

	if _, err := c.PostMessages(ctx, "later", client.NewMessage{Body: "in a minute", Delay: 60}); err != nil {
		log.Fatal(err)
	}
	msgs, err := c.Reserve(ctx, "later", client.Reservation{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("before:", len(msgs), "messages")

	if _, err := c.AdvanceClock(ctx, time.Minute); err != nil {
		log.Fatal(err)
	}
	msgs, err = c.Reserve(ctx, "later", client.Reservation{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("after:", msgs[0].Body)
	// Output:
	// before: 0 messages
	// after: in a minute
}

// IronCache: store an item, increment a counter, read them back.
func ExampleClient_PutItem() {
	url, stop := startIronlocal()
	defer stop()
	ctx := context.Background()
	c, err := client.New(url, "local-token")
	if err != nil {
		log.Fatal(err)
	}

	if _, err := c.PutItem(ctx, "sessions", "user:42", client.ItemPut{Value: "alice", ExpiresIn: 3600}); err != nil {
		log.Fatal(err)
	}
	if _, err := c.PutItem(ctx, "sessions", "visits", client.ItemPut{Value: 1}); err != nil {
		log.Fatal(err)
	}
	n, err := c.Increment(ctx, "sessions", "visits", 41)
	if err != nil {
		log.Fatal(err)
	}
	item, err := c.Item(ctx, "sessions", "user:42")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(item, n)
	// Output: alice 42
}

// Follow the event stream: every state change, as the desktop app sees it.
func ExampleClient_Events() {
	url, stop := startIronlocal()
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.New(url, "local-token")
	if err != nil {
		log.Fatal(err)
	}

	events, err := c.Events(ctx, "messages.") // type prefixes; none = everything
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.PostMessages(ctx, "jobs", client.NewMessage{Body: "a"}, client.NewMessage{Body: "b"}); err != nil {
		log.Fatal(err)
	}
	ev := <-events
	fmt.Println(ev.Type, ev.Queue, len(ev.IDs))
	// Output: messages.posted jobs 2
}

// A non-2xx answer is an *Error with the HTTP status and ironlocal's
// message; IsNotFound and StatusOf read it.
func ExampleIsNotFound() {
	url, stop := startIronlocal()
	defer stop()
	c, err := client.New(url, "local-token")
	if err != nil {
		log.Fatal(err)
	}

	_, err = c.Queue(context.Background(), "never-posted-to")
	fmt.Println(client.IsNotFound(err), client.StatusOf(err))
	fmt.Println(strings.Contains(err.Error(), "Queue not found"))
	// Output:
	// true 404
	// true
}
