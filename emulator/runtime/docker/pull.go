package docker

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/moby/moby/api/types/registry"
	"github.com/moby/moby/client"

	"github.com/ironlocal/ironlocal/emulator"
)

// PullPolicy says when the runtime pulls a task's image, as `docker run
// --pull` does.
type PullPolicy string

const (
	// PullMissing pulls an image the engine does not have (the default).
	PullMissing PullPolicy = "missing"
	// PullNever never pulls: a missing image fails the task (offline use).
	PullNever PullPolicy = "never"
	// PullAlways pulls before every task, so a moved tag is followed.
	PullAlways PullPolicy = "always"
)

// ParsePullPolicy reads a --pull value; "" is PullMissing.
func ParsePullPolicy(s string) (PullPolicy, error) {
	switch p := PullPolicy(s); p {
	case "":
		return PullMissing, nil
	case PullMissing, PullNever, PullAlways:
		return p, nil
	}
	return "", emulator.Invalid("pull must be missing, never or always, got %q", s)
}

// errImageMissing is what the run path says when the engine has no such
// image; Run pulls it or turns it into the task's start error.
var errImageMissing = errors.New("image missing")

// pullImage pulls spec's image with spec's registry login, writing its
// progress to the task's stderr. ok is false when the pull failed: res is
// then the task's start error, naming the image and the registry's answer.
func (r *Runtime) pullImage(ctx context.Context, spec emulator.TaskSpec, out emulator.Output) (res emulator.ExitResult, ok bool) {
	log := orDiscard(out.Stderr)
	who := "anonymously"
	opts := client.ImagePullOptions{}
	if c := spec.RegistryAuth; c != nil {
		auth, err := encodeAuth(c)
		if err != nil {
			return startError(fmt.Sprintf("pull image %q: encode the registry login: %v", spec.Image, err)), false
		}
		opts.RegistryAuth, who = auth, "as "+c.Username
	}
	fmt.Fprintf(log, "ironlocal: pulling image %s (%s)\n", spec.Image, who)
	begin := time.Now()
	err := r.pull(ctx, spec.Image, opts, log)
	switch {
	case ctx.Err() != nil:
		return stopped(), false
	case err != nil:
		fmt.Fprintf(log, "ironlocal: pull of %s failed: %v\n", spec.Image, err)
		return startError(fmt.Sprintf("pull image %q: %v", spec.Image, err)), false
	}
	r.images.Delete(spec.Image) // the tag may name a new image now
	fmt.Fprintf(log, "ironlocal: pulled %s in %.1fs\n", spec.Image, time.Since(begin).Seconds())
	return emulator.ExitResult{}, true
}

// pull asks the engine to pull image and follows the pull to its end,
// writing one line per layer step (no progress bars) to log.
func (r *Runtime) pull(ctx context.Context, image string, opts client.ImagePullOptions, log io.Writer) error {
	resp, err := r.cli.ImagePull(ctx, image, opts)
	if err != nil {
		return engineReason(err)
	}
	defer resp.Close()
	last := map[string]string{} // layer → last status written
	for m, err := range resp.JSONMessages(ctx) {
		if err != nil {
			return engineReason(err)
		}
		if m.Error != nil {
			return errors.New(m.Error.Message)
		}
		if m.Status == "" || last[m.ID] == m.Status {
			continue
		}
		last[m.ID] = m.Status
		if m.ID != "" {
			fmt.Fprintf(log, "ironlocal: %s: %s\n", m.ID, m.Status)
		} else {
			fmt.Fprintf(log, "ironlocal: %s\n", m.Status)
		}
	}
	return nil
}

// engineReason strips the engine client's wrapping down to what the
// engine (and the registry behind it) said.
func engineReason(err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "Error response from daemon: ")
	return errors.New(msg)
}

// encodeAuth is the X-Registry-Auth value of a registry login: Docker's
// AuthConfig JSON in URL-safe base64.
func encodeAuth(c *emulator.RegistryCredential) (string, error) {
	b, err := json.Marshal(registry.AuthConfig{Username: c.Username, Password: c.Password,
		ServerAddress: c.ServerAddress, IdentityToken: c.IdentityToken})
	if err != nil {
		return "", err
	}
	return base64.URLEncoding.EncodeToString(b), nil
}
