package bench

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// The Docker figures drive the engine through the docker CLI, as a user
// comparing ironlocal with `docker run` would.

// DockerVersion returns the engine's version, or an error saying why no
// engine answers (no CLI, no daemon, no permission) within 10 s.
func DockerVersion(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", "version", "--format", "{{.Server.Version}}")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		why := firstLine(strings.TrimSpace(stderr.String()))
		if why == "" {
			why = err.Error()
		}
		return "", fmt.Errorf("no Docker engine reachable (%s)", why)
	}
	return strings.TrimSpace(stdout.String()), nil
}

// ImageSize returns the size in bytes `docker image inspect` reports for
// image, or an error when the image is not present locally.
func ImageSize(ctx context.Context, image string) (int64, error) {
	out, err := docker(ctx, "image", "inspect", "--format", "{{.Size}}", image)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(out, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("docker image inspect %s: size %q: %w", image, out, err)
	}
	return n, nil
}

// ImageCreated returns when image was built, or an error when it is not
// present locally.
func ImageCreated(ctx context.Context, image string) (time.Time, error) {
	out, err := docker(ctx, "image", "inspect", "--format", "{{.Created}}", image)
	if err != nil {
		return time.Time{}, err
	}
	return time.Parse(time.RFC3339Nano, out)
}

// DockerRun times `docker run --rm ARGS… IMAGE` from exec to exit; the
// container must exit 0. With --rm the CLI returns once the container is
// removed.
func DockerRun(ctx context.Context, image string, args ...string) (time.Duration, error) {
	argv := append(append([]string{"run", "--rm"}, args...), image)
	cmd := exec.CommandContext(ctx, "docker", argv...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	t0 := time.Now()
	err := cmd.Run()
	took := time.Since(t0)
	if err != nil {
		return took, fmt.Errorf("docker %s: %w: %s", strings.Join(argv, " "), err, strings.TrimSpace(stderr.String()))
	}
	return took, nil
}

// NewImage builds an image no engine cache has seen: base with one label
// (nonce), so its config and id are new while its layers are base's. It
// is built locally from base, nothing pulled; RemoveImage removes it.
func NewImage(ctx context.Context, base, nonce string) (string, error) {
	ref := "ironlocal/bench-never-seen:" + nonce
	cmd := exec.CommandContext(ctx, "docker", "build", "-q", "-t", ref, "-")
	cmd.Stdin = strings.NewReader("FROM " + base + "\nLABEL org.ironlocal.bench.nonce=" + nonce + "\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("docker build %s FROM %s: %w: %s", ref, base, err, firstLine(strings.TrimSpace(stderr.String())))
	}
	return ref, nil
}

// RemoveImage removes an image NewImage built (and whatever containers
// still use it).
func RemoveImage(ctx context.Context, ref string) error {
	_, err := docker(ctx, "image", "rm", "--force", ref)
	return err
}

func docker(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "docker", args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = strings.TrimSpace(stdout.String())
		}
		return "", fmt.Errorf("docker %s: %w: %s", strings.Join(args, " "), err, firstLine(msg))
	}
	return strings.TrimSpace(stdout.String()), nil
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
