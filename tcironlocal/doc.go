// Package tcironlocal is a testcontainers-go module for ironlocal, the local
// Iron.io emulator (IronMQ v3, IronWorker v2, IronCache v1). A test suite
// starts it with one call and points its Iron clients, or plain HTTP, at it:
//
//	ctr, err := tcironlocal.Run(ctx, tcironlocal.DefaultImage, tcironlocal.WithVirtualClock())
//	testcontainers.CleanupContainer(t, ctr)
//	require.NoError(t, err)
//	url, err := ctr.APIURL(ctx) // http://host:port, for every Iron API and /_ironlocal
//
// It owns the container's configuration (the ironlocald flags, the Docker
// socket, the wait strategy) and thin helpers over the emulator's control
// plane (Reset, WaitIdle, AdvanceClock, RunSchedule) and connection details
// (APIURL, Env, IronJSON). It imports nothing from the emulator itself, so a
// user's test binary only gains testcontainers-go.
//
// The image is built locally from the repository's Dockerfile (`make image`,
// FROM scratch, nothing is pulled). IronWorker tasks run as sibling
// containers: Run binds the Docker socket into the emulator container, adds
// the socket's group so the image's non-root user may use it, and starts
// ironlocald with `--docker-network container:self`, so task containers share
// the emulator container's network and reach it at 127.0.0.1 (the IRON_*
// variables the emulator injects into tasks say so). Task containers carry
// testcontainers' session labels, so the reaper (Ryuk) removes them with the
// session, and your suite can find them.
//
// State lives only as long as the container by default (--ephemeral: a
// temporary directory removed at exit); WithPersistentVolume keeps it in a
// named volume instead. Any other ironlocald flag can be passed with
// testcontainers.WithCmdArgs (it is appended last, so it wins).
package tcironlocal
