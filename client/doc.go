// Package client is the typed Go client of a running ironlocal, the local
// Iron.io emulator. A complete program, run against `ironlocald --ephemeral
// --runtime process` (tasks run as local processes, no Docker needed):
//
//	package main
//
//	import (
//		"context"
//		"fmt"
//		"log"
//		"time"
//
//		"github.com/ironlocal/ironlocal/client"
//	)
//
//	func main() {
//		ctx := context.Background()
//		// Any token works unless ironlocal runs with --token.
//		c, err := client.New("http://127.0.0.1:4766", "local-token")
//		if err != nil {
//			log.Fatal(err)
//		}
//
//		// IronMQ: post a message, reserve it, delete it.
//		if _, err := c.PostMessages(ctx, "jobs", client.NewMessage{Body: "hello"}); err != nil {
//			log.Fatal(err)
//		}
//		msgs, err := c.Reserve(ctx, "jobs", client.Reservation{N: 1})
//		if err != nil || len(msgs) == 0 {
//			log.Fatal("reserve: ", err)
//		}
//		fmt.Println("reserved:", msgs[0].Body)
//		if err := c.DeleteMessage(ctx, "jobs", msgs[0].ID, msgs[0].ReservationID); err != nil {
//			log.Fatal(err)
//		}
//
//		// IronWorker: register a code, queue a task, wait until it ran.
//		// (The process runtime runs Command in a shell, then Iron's
//		// arguments, which "; true" takes; Docker runs Image.)
//		code := client.NewCode{Name: "hello", Image: "example/hello:1", Command: `cat "$PAYLOAD_FILE"; true`}
//		if _, err := c.RegisterCode(ctx, code); err != nil {
//			log.Fatal(err)
//		}
//		id, err := c.QueueTask(ctx, client.NewTask{CodeName: "hello", Payload: `{"n":1}`})
//		if err != nil {
//			log.Fatal(err)
//		}
//		if err := c.WaitIdle(ctx, 30*time.Second); err != nil {
//			log.Fatal(err)
//		}
//		task, err := c.Task(ctx, id)
//		if err != nil {
//			log.Fatal(err)
//		}
//		out, err := c.TaskLog(ctx, id)
//		if err != nil {
//			log.Fatal(err)
//		}
//		fmt.Println("task:", task.Status, out) // task: complete {"n":1}
//	}
//
// It covers the Iron APIs of one project (IronWorker v2, IronMQ v3,
// IronCache v1), the /_ironlocal control plane (reset, wait-idle, the
// virtual clock, snapshots, faults, browsing, trigger bindings) and the
// event stream. The desktop app and the testcontainers module
// (tcironlocal, whose Container.Client returns one) both use it; it
// imports only the standard library.
//
// Every method takes a context first, blocks until ironlocal answers, and
// names in its documentation the route it calls. A non-2xx answer is an
// *Error carrying the HTTP status and the server's {"msg":…}; IsNotFound
// and StatusOf read it. A Client is safe for concurrent use; ForProject
// returns one for another project sharing the same connections.
//
// Events subscribes to the live event stream; it reports events the server
// had to drop for a slow reader (EventMissed) and leaves reconnecting to
// the caller.
//
// The examples below start an in-process ironlocal (package
// emulator/server) so that `go test` runs them; in a Go test of your own,
// server.RunT does the same and closes it when the test ends.
package client
