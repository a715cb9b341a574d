package tcironlocal_test

import (
	"context"
	"fmt"
	"log"

	"github.com/testcontainers/testcontainers-go"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/tcironlocal"
)

// The typed client does everything the helpers do, and more: every Iron
// API, the control plane (browse every message, counts, faults, clock…)
// and the event stream, with the container's token and project.
func ExampleContainer_Client() {
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

	cl, err := ctr.Client(ctx)
	if err != nil {
		log.Printf("client: %s", err)
		return
	}
	if _, err := cl.PostMessages(ctx, "jobs", client.NewMessage{Body: "now"}, client.NewMessage{Body: "later", Delay: 60}); err != nil {
		log.Printf("post: %s", err)
		return
	}
	page, err := cl.BrowseMessages(ctx, "jobs", client.Browse{})
	if err != nil {
		log.Printf("browse: %s", err)
		return
	}
	for _, m := range page.Messages {
		fmt.Println(m.Body, m.Status)
	}
	stats, err := cl.Stats(ctx)
	if err != nil {
		log.Printf("stats: %s", err)
		return
	}
	fmt.Println(stats.Queues, "queue,", stats.Messages, "messages")

	// Output:
	// now ready
	// later delayed
	// 1 queue, 2 messages
}
