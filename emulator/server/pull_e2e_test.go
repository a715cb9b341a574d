package server_test

import (
	"archive/tar"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/moby/moby/client"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator/server"
	"github.com/ironlocal/ironlocal/internal/dockertest"
)

// Images are pulled like docker run: these tests start a real registry
// (go-containerregistry's, on 127.0.0.1:0, where the engine sharing this
// machine reaches it over plain HTTP), push a FROM-scratch image the
// engine has never seen, and run a task of a code naming it.

const (
	registryUser = "ci"
	registryPass = "s3cret-pass"
)

// testRegistry starts a registry; with auth it answers 401 with a Basic
// challenge to any request without the test's login, as a private
// registry does.
func testRegistry(t *testing.T, auth bool) string {
	t.Helper()
	var h http.Handler = registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	if auth {
		inner := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != registryUser || p != registryPass {
				w.Header().Set("WWW-Authenticate", `Basic realm="ironlocal-test"`)
				http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
				return
			}
			inner.ServeHTTP(w, r)
		})
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// pushWorkerImage pushes a FROM-scratch image of the fixture worker, with
// a file that makes it unique, to host and returns its reference; the
// engine's copy, if a pull made one, is removed at the end.
func pushWorkerImage(t *testing.T, host string, auth bool) string {
	t.Helper()
	bin := dockertest.WorkerBinary(t, t.TempDir())
	worker, err := os.ReadFile(bin)
	require.NoError(t, err)
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	unique := fmt.Sprintf("%s %d", t.Name(), time.Now().UnixNano())
	for _, f := range []struct {
		name string
		mode int64
		body []byte
	}{{"worker", 0o755, worker}, {"unique", 0o644, []byte(unique)}} {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.body)), Typeflag: tar.TypeReg}))
		_, err := tw.Write(f.body)
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	l, err := tarball.LayerFromReader(bytes.NewReader(layer.Bytes()))
	require.NoError(t, err)
	img, err := mutate.AppendLayers(empty.Image, l)
	require.NoError(t, err)
	cfg, err := img.ConfigFile()
	require.NoError(t, err)
	cfg.OS, cfg.Architecture = "linux", runtime.GOARCH
	cfg.Config.Entrypoint = []string{"/worker"}
	img, err = mutate.ConfigFile(img, cfg)
	require.NoError(t, err)

	image := fmt.Sprintf("%s/ironlocal-test/pulled:%d", host, time.Now().UnixNano())
	ref, err := name.ParseReference(image, name.Insecure)
	require.NoError(t, err)
	opts := []remote.Option{}
	if auth {
		opts = append(opts, remote.WithAuth(&authn.Basic{Username: registryUser, Password: registryPass}))
	}
	require.NoError(t, remote.Write(ref, img, opts...))

	cli := dockertest.Client(t)
	t.Cleanup(func() {
		_, _ = cli.ImageRemove(t.Context(), image, client.ImageRemoveOptions{Force: true, PruneChildren: true})
	})
	return image
}

// ironcliLogin is the body `iron docker login -u … -p … -e … -url …`
// sends to POST /credentials.
func ironcliLogin(t *testing.T, user, pass, url string) map[string]string {
	b, err := json.Marshal(map[string]string{"email": "ci@example.test", "username": user, "password": pass, "serveraddress": url})
	require.NoError(t, err)
	return map[string]string{"auth": base64.StdEncoding.EncodeToString(b)}
}

func TestDocker_pullsMissingImage(t *testing.T) {
	dockertest.RequireEngine(t)
	for _, auth := range []bool{false, true} {
		t.Run(map[bool]string{false: "anonymous", true: "with credentials"}[auth], func(t *testing.T) {
			host := testRegistry(t, auth)
			image := pushWorkerImage(t, host, auth)
			e := newE2E(t, e2eRuntimes[0], server.Options{Runtime: "docker"}, map[string]any{"image": image})
			if auth {
				var out struct{ Msg string }
				e.call(t, http.MethodPost, e2ePath("/credentials"), ironcliLogin(t, registryUser, registryPass, host), &out)
				require.Equal(t, "Credentials added", out.Msg)
			}
			e.code(t, "pulled", nil)
			id := e.queue(t, "pulled", map[string]any{"message": "ran the pulled image"}, nil)
			task := e.waitStatus(t, id, "complete")
			require.Empty(t, task.Msg)
			logText := e.log(t, id)
			require.Contains(t, logText, "ironlocal: pulling image "+image)
			require.Contains(t, logText, "ironlocal: pulled "+image)
			require.Contains(t, logText, "hello from task "+id)
			require.Contains(t, logText, "ran the pulled image")

			// The image is the engine's now: the next task does not pull.
			again := e.queue(t, "pulled", "second", nil)
			e.waitStatus(t, again, "complete")
			require.NotContains(t, e.log(t, again), "pulling image")
		})
	}
}

func TestDocker_pullFailuresNameImageAndRegistry(t *testing.T) {
	dockertest.RequireEngine(t)
	host := testRegistry(t, true)
	image := pushWorkerImage(t, host, true)
	e := newE2E(t, e2eRuntimes[0], server.Options{Runtime: "docker"}, map[string]any{"image": image})
	e.code(t, "private", nil)

	// No login: the registry's refusal is the task's error.
	id := e.queue(t, "private", "x", nil)
	task := e.waitStatus(t, id, "error")
	require.Contains(t, task.Msg, fmt.Sprintf("pull image %q", image))
	require.Contains(t, task.Msg, "no basic auth credentials")

	// A wrong password, then the right one: a later login replaces it.
	e.call(t, http.MethodPost, e2ePath("/credentials"), ironcliLogin(t, registryUser, "wrong", host), nil)
	id = e.queue(t, "private", "x", nil)
	require.Contains(t, strings.ToLower(e.waitStatus(t, id, "error").Msg), "unauthorized")
	e.call(t, http.MethodPost, e2ePath("/credentials"), ironcliLogin(t, registryUser, registryPass, "http://"+host+"/v2/"), nil)
	id = e.queue(t, "private", "x", nil)
	e.waitStatus(t, id, "complete")

	// A missing tag: the registry's answer names it.
	e.code(t, "missing", map[string]any{"image": host + "/ironlocal-test/never-pushed:1"})
	id = e.queue(t, "missing", "x", nil)
	task = e.waitStatus(t, id, "error")
	require.Contains(t, task.Msg, "never-pushed")

	// Logins are never shown back, and snapshots leave them out unless asked.
	status, snap := e.do(t, http.MethodGet, "/_ironlocal/snapshot", "")
	require.Equal(t, http.StatusOK, status)
	require.NotContains(t, string(snap), registryPass)
	status, snap = e.do(t, http.MethodGet, "/_ironlocal/snapshot?credentials=true", "")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, string(snap), registryPass)
	status, body := e.do(t, http.MethodGet, "/_ironlocal/snapshot?credentials=maybe", "")
	require.Equal(t, http.StatusBadRequest, status, "%s", body)

	// Reset forgets them: the private image's next pull is refused again.
	e.call(t, http.MethodPost, "/_ironlocal/reset", nil, nil)
	cli := dockertest.Client(t)
	_, err := cli.ImageRemove(t.Context(), image, client.ImageRemoveOptions{Force: true})
	require.NoError(t, err)
	e.code(t, "private", nil)
	id = e.queue(t, "private", "x", nil)
	require.Contains(t, e.waitStatus(t, id, "error").Msg, "no basic auth credentials")
}

func TestDocker_pullNever(t *testing.T) {
	dockertest.RequireEngine(t)
	host := testRegistry(t, false)
	image := pushWorkerImage(t, host, false)
	e := newE2E(t, e2eRuntimes[0], server.Options{Runtime: "docker", Pull: "never"}, map[string]any{"image": image})
	e.code(t, "offline", nil)
	id := e.queue(t, "offline", "x", nil)
	task := e.waitStatus(t, id, "error")
	require.Contains(t, task.Msg, "--pull never")
	require.NotContains(t, e.log(t, id), "pulling image")
}

func TestCredentials_badBodies(t *testing.T) {
	e := newE2E(t, e2eRuntimes[1], server.Options{Runtime: "process"}, nil)
	for _, body := range []string{`{}`, `{"auth":"%%%"}`, `{"auth":"` + base64.StdEncoding.EncodeToString([]byte("[1]")) + `"}`, `[`, `{"auth":7}`} {
		status, reply := e.do(t, http.MethodPost, e2ePath("/credentials"), body)
		require.Equal(t, http.StatusBadRequest, status, "%s → %s", body, reply)
		var msg struct{ Msg string }
		require.NoError(t, json.Unmarshal(reply, &msg), "%s", reply)
		require.NotEmpty(t, msg.Msg)
	}
}
