package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ironlocal/ironlocal/internal/storefloor"
)

// The ceiling of the throughput figures: a bare net/http server answering
// the same requests as ironlocal with fixed replies of the same shape. It
// reads each request body to the end and does nothing else (no routing
// beyond the last path segment, no auth, no JSON, no store), so a figure
// measured against it is what the loopback HTTP stack and this load
// generator allow on the machine. It runs as a subprocess like the daemon
// (BareEnv tells a harness binary to become one), so both sides cost the
// same process switches.

// BareEnv is the environment variable that turns a harness binary into the
// bare server (see ServeBare). Set to BareFloor, it makes the store floor
// instead: the bare server behind internal/storefloor's Badger work, on
// the data directory it is given.
const BareEnv = "IRONBENCH_BARE_SERVER"

// BareFloor is the value of BareEnv that starts the store floor.
const BareFloor = "floor"

// BareDelayEnv, set to a Go duration, makes the bare server (or the store
// floor) sleep that long in every request before it answers. A request to
// ironlocal waits its turn (the queue's group commit, Badger's writer),
// and a client that waits is parked and woken more often, which costs
// both processes CPU the bare server's quick answers never do; matching
// the round trip shows how much of the gap that is (ironbench -bare-delay).
const BareDelayEnv = "IRONBENCH_BARE_DELAY"

// Fixed replies of the bare server, as ironlocal shapes them.
var (
	barePosted   = []byte(`{"ids":["6926b1a2f0c8d5e4a1b2c3d4"],"msg":"Messages put on queue."}` + "\n")
	bareReserved = []byte(`{"messages":[{"id":"6926b1a2f0c8d5e4a1b2c3d4","body":"` + strings.Repeat("x", 64) +
		`","reserved_count":1,"reservation_id":"a1b2c3d4e5f6a7b8c9d0e1f2"}]}` + "\n")
	bareDeleted = []byte(`{"msg":"Deleted"}` + "\n")
	bareStored  = []byte(`{"msg":"Stored."}` + "\n")
	bareItem    = []byte(`{"cache":"bench","key":"w0-0","value":"` + strings.Repeat("x", 64) + `","cas":1}` + "\n")
	bareVersion = []byte(`{"version":"bare"}` + "\n")
)

// BareHandler answers the requests of the throughput figures.
func BareHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		reply, status := bareVersion, http.StatusOK
		switch last := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]; {
		case r.Method == http.MethodPost && last == "messages":
			reply, status = barePosted, http.StatusCreated
		case r.Method == http.MethodPost && last == "reservations":
			reply = bareReserved
		case r.Method == http.MethodDelete:
			reply = bareDeleted
		case r.Method == http.MethodPut:
			reply = bareStored
		case r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/items/"):
			reply = bareItem
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(reply)
	})
}

// ServeBare runs the bare server (or the store floor) when the process was
// started with BareEnv set, and returns false otherwise. It takes the
// --listen and --data-dir flags StartDaemon passes and ignores the
// daemon's other flags; it exits on SIGTERM.
func ServeBare(args []string) bool {
	mode := os.Getenv(BareEnv)
	if mode == "" {
		return false
	}
	fs := flag.NewFlagSet("bare", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	listen := fs.String("listen", "127.0.0.1:0", "")
	fs.Bool("ephemeral", false, "")
	dataDir := fs.String("data-dir", "", "")
	fs.String("log-level", "", "")
	if err := fs.Parse(args); err != nil {
		fmt.Fprintln(os.Stderr, "bare server:", err)
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bare server:", err)
		os.Exit(1)
	}
	handler := BareHandler()
	if mode == BareFloor {
		if *dataDir == "" {
			fmt.Fprintln(os.Stderr, "store floor: needs --data-dir")
			os.Exit(2)
		}
		floor, err := storefloor.Open(*dataDir)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer floor.Close()
		handler = floor.Wrap(handler)
	}
	if v := os.Getenv(BareDelayEnv); v != "" {
		delay, err := time.ParseDuration(v)
		if err != nil || delay < 0 {
			fmt.Fprintf(os.Stderr, "bare server: %s=%q is not a duration\n", BareDelayEnv, v)
			os.Exit(2)
		}
		handler = delayed(handler, delay)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "bare server:", err)
		os.Exit(1)
	}
	return true
}

// delayed answers each request after sleeping d (see BareDelayEnv).
func delayed(h http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(d)
		h.ServeHTTP(w, r)
	})
}
