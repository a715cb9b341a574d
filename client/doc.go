// Package client is the typed Go client of a running ironlocal: the Iron
// APIs (IronWorker v2, IronMQ v3, IronCache v1) of one project, the
// /_ironlocal control plane and its event stream. The desktop app and the
// testcontainers module (tcironlocal) both use it; it imports only the
// standard library.
//
//	c, err := client.New("http://127.0.0.1:4766", "local-token", client.WithProject(pid))
//	id, err := c.QueueTask(ctx, client.NewTask{CodeName: "hello", Payload: `{"n":1}`})
//	err = c.WaitIdle(ctx, 30*time.Second)
//	log, err := c.TaskLog(ctx, id)
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
package client
