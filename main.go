// Command ironlocal is the desktop app: a window onto an ironlocal it embeds
// (started in-process, the same emulator as ironlocald) or attaches to
// (--attach URL). It takes ironlocald's flags; --headless runs it as
// ironlocald, without a window.
//
// This is the only package that imports fyne.io/fyne/v2/app (which needs
// cgo); the screens live in package app and build without it.
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app"
	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/daemon"
	"github.com/ironlocal/ironlocal/emulator/server"
	// Before Fyne reads the locale in its init: LANG=C.UTF-8 reads as
	// English instead of printing "Fyne error: Error parsing user locale C".
	_ "github.com/ironlocal/ironlocal/internal/locale"
)

//go:embed assets/icon.png
var iconPNG []byte

func main() {
	if os.Getenv("IRONLOCAL_BARE_WINDOW") != "" {
		os.Exit(runBareWindow())
	}
	os.Exit(run(os.Args[1:]))
}

// runBareWindow opens a window holding one label and nothing else: no
// emulator, no screens. It is the benchmark harness's baseline (ironbench's
// app figures): the same binary, libraries and OpenGL driver as the app, so
// the app's own cost is what it adds to this.
func runBareWindow() int {
	a := fyneapp.NewWithID("io.ironlocal.bare")
	w := a.NewWindow("ironlocal bare window")
	w.SetContent(widget.NewLabel("a bare Fyne window"))
	w.Resize(fyne.NewSize(1280, 800))
	w.ShowAndRun()
	return 0
}

func run(args []string) int {
	var cfg daemon.Config
	fs := flag.NewFlagSet("ironlocal", flag.ContinueOnError)
	cfg.Register(fs, os.Getenv)
	attach := fs.String("attach", os.Getenv("IRONLOCAL_ATTACH"), "drive the running ironlocal at this URL instead of embedding one (IRONLOCAL_ATTACH)")
	headless := fs.Bool("headless", false, "no window: run exactly as ironlocald")
	err := daemon.ParseFlagSet(fs, args)
	if err == nil && !cfg.ShowVersion {
		err = cfg.Validate()
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ironlocal:", err)
		return 2
	}
	if cfg.ShowVersion {
		fmt.Println(daemon.VersionLine("ironlocal"))
		return 0
	}
	// The store, snapshots and exports hold every payload: private files.
	daemon.PrivateFiles()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *headless {
		go func() {
			<-ctx.Done()
			stop() // a second signal now kills the process at once
		}()
		return daemon.Serve(ctx, cfg, os.Stdout, os.Stderr)
	}
	return runDesktop(ctx, cfg, *attach)
}

// runDesktop opens the window and runs until it quits, then stops the
// embedded emulator cleanly.
func runDesktop(ctx context.Context, cfg daemon.Config, attachURL string) int {
	// The daemon's collector policy (GOGC 50 unless GOGC is set; a
	// GOMEMLIMIT applies as usual): the window holds 10k+ tasks and,
	// embedded, the emulator's store in the same heap.
	daemon.SetMemoryLimit(os.Getenv)
	a := fyneapp.NewWithID("io.ironlocal.desktop")
	icon := fyne.NewStaticResource("ironlocal.png", iconPNG)
	a.SetIcon(icon)
	app.ApplyTheme(a)
	w := a.NewWindow("ironlocal")
	w.Resize(fyne.NewSize(1280, 800))
	w.SetMaster()
	if cfg.Seed == "" {
		cfg.Seed = app.StartSeed(a) // Data & settings: "load at start" naming a seed file
	}

	e := &embedder{cfg: cfg}
	var ui *app.UI
	start := func(connect func() (app.Backend, error)) {
		app.Start(a, w, connect, func(u *app.UI) {
			ui = u
			w.SetTitle("ironlocal — " + u.URL())
			if path := os.Getenv("IRONLOCAL_UI_PROBE"); path != "" { // ironbench's responsiveness figure (app/probe.go)
				if err := u.StartProbe(path, os.Getenv("IRONLOCAL_UI_PROBE_SWITCH") != ""); err != nil {
					fmt.Fprintln(os.Stderr, "ironlocal: UI probe:", err)
				}
			}
			if desk, ok := a.(desktop.App); ok && trayShown() {
				u.EnableTray(desk, icon)
			}
		})
	}
	switch held, isIronlocal := probe(cfg.Listen, cfg.Token(daemon.DefaultToken)); {
	case attachURL != "":
		start(func() (app.Backend, error) { return e.attach(attachURL) })
	case held && isIronlocal:
		url := "http://" + cfg.Listen
		app.AskAttach(w, url, func(yes bool) {
			if yes {
				start(func() (app.Backend, error) { return e.attach(url) })
				return
			}
			start(func() (app.Backend, error) {
				return e.embed(freePort(cfg.Listen), true, "A separate ephemeral ironlocal: "+url+" keeps its own state")
			})
		})
	case held:
		start(func() (app.Backend, error) {
			return e.embed(freePort(cfg.Listen), false, cfg.Listen+" is held by another program: ironlocal listens on a free port instead")
		})
	default:
		start(func() (app.Backend, error) { return e.embed(cfg.Listen, false, "") })
	}
	app.QuitWhenDone(ctx, a) // SIGINT/SIGTERM quit like the Quit menu
	w.ShowAndRun()

	if ui != nil {
		ui.Close()
	}
	return e.close()
}

// embedder starts (and stops) the in-process emulator, or makes the client
// of an attached one.
type embedder struct {
	cfg daemon.Config
	srv *server.Server
}

func (e *embedder) attach(url string) (app.Backend, error) {
	c, err := client.New(url, e.cfg.Token(daemon.DefaultToken), client.WithProject(e.cfg.Project(daemon.DefaultProject)))
	if err != nil {
		return app.Backend{}, err
	}
	fmt.Printf("ironlocal: desktop app attached to %s\n", url)
	return app.Backend{Client: c, Attached: true, Projects: daemon.SplitList(e.cfg.Projects), Version: server.Version}, nil
}

func (e *embedder) embed(listen string, ephemeral bool, notice string) (app.Backend, error) {
	cfg := e.cfg
	cfg.Listen = listen
	cfg.Ephemeral = cfg.Ephemeral || ephemeral
	began := time.Now()
	srv, err := server.Start(cfg.Options(cfg.Logger()))
	if err != nil {
		return app.Backend{}, err
	}
	e.srv = srv
	daemon.PrintBanner(os.Stdout, cfg, srv.URL(), srv.RuntimeName(), time.Since(began))
	c, err := client.New(srv.URL(), cfg.Token(daemon.DefaultToken), client.WithProject(cfg.Project(daemon.DefaultProject)))
	if err != nil {
		return app.Backend{}, err
	}
	return app.Backend{Client: c, Store: cfg.Store(), Projects: daemon.SplitList(cfg.Projects), Notice: notice, Version: server.Version}, nil
}

// close stops the embedded emulator (in-flight requests finish, running
// tasks are stopped and marked, the store is closed).
func (e *embedder) close() int {
	if e.srv == nil {
		return 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.srv.Close(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "ironlocal: shutdown:", err)
		return 1
	}
	return 0
}

// probe reports whether listen is taken, and whether by an ironlocal (it
// answers /_ironlocal/health).
func probe(listen, token string) (held, isIronlocal bool) {
	ln, err := net.Listen("tcp", listen)
	if err == nil {
		_ = ln.Close()
		return false, false
	}
	if !errors.Is(err, syscall.EADDRINUSE) {
		return false, false // let server.Start report it
	}
	c, err := client.New("http://"+listen, token)
	if err != nil {
		return true, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	h, err := c.Health(ctx)
	return true, err == nil && h.Status != ""
}

// freePort is listen's host with port 0 (the OS picks one).
func freePort(listen string) string {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, "0")
}

// trayShown reports whether a system tray icon will be visible: always on
// macOS and Windows; on Linux the tray is a D-Bus service, so a session
// bus is needed (without one, closing the window quits).
func trayShown() bool {
	return runtime.GOOS != "linux" || os.Getenv("DBUS_SESSION_BUS_ADDRESS") != ""
}
