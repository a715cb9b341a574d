package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/ironlocal/ironlocal/emulator/server"
)

// Start an in-memory ironlocal on a free port inside a Go test or program,
// use it over HTTP like Iron.io, and close it.
func ExampleStart() {
	srv, err := server.Start(server.Options{Listen: "127.0.0.1:0", Ephemeral: true, Runtime: "process"})
	if err != nil {
		panic(err)
	}
	defer srv.Close(context.Background())

	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/3/projects/000000000000000000000001/queues/jobs/messages",
		strings.NewReader(`{"messages":[{"body":"hello"}]}`))
	req.Header.Set("Authorization", "OAuth any-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, strings.Contains(string(body), "Messages put on queue."))
	// Output: 201 true
}
