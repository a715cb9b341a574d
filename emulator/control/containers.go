package control

import (
	"context"
	"strings"

	"github.com/ironlocal/ironlocal/emulator"
)

// TestContainers finds and removes the ironlocal containers test suites
// started (package runtime/docker implements it over the Docker engine).
type TestContainers interface {
	// List returns them, running or not, newest first. No engine is an
	// emulator.ErrUnavailable.
	List(ctx context.Context) ([]emulator.TestContainer, error)
	// Remove force-removes one by id or name; emulator.ErrNotFound when
	// there is none, emulator.ErrForbidden when the container is not a
	// test container (it is left alone).
	Remove(ctx context.Context, id string) error
}

// noContainers answers when the emulator was given no finder.
func noContainers() error {
	return unavailable("Listing test containers needs a Docker engine, and this ironlocal has none configured")
}

// TestContainers lists the ironlocal containers test suites started on
// the Docker engine, with the URL and token to attach to each.
func (s *Service) TestContainers(ctx context.Context) ([]emulator.TestContainer, error) {
	if s.containers == nil {
		return nil, noContainers()
	}
	return s.containers.List(ctx)
}

// RemoveTestContainer removes a test container (a kept one, typically);
// containers without tcironlocal's label are refused.
func (s *Service) RemoveTestContainer(ctx context.Context, id string) error {
	if id == "" || strings.ContainsAny(id, "/ \t\n") {
		return emulator.Invalid("Container id %q: give a container id or name", id)
	}
	if s.containers == nil {
		return noContainers()
	}
	return s.containers.Remove(ctx, id)
}
