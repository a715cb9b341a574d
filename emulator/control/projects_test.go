package control_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/control"
)

type projectList []string

func (p projectList) Projects(context.Context) ([]string, error) { return p, nil }

type failingList struct{}

func (failingList) Projects(context.Context) ([]string, error) { return nil, errors.New("store down") }

func TestService_Projects(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOpts{})
	newService := func(settings control.Settings, sources ...control.ProjectSource) *control.Service {
		return control.New(control.Config{Store: e.store, Worker: e.worker, Pusher: e.pusher, Bus: e.bus,
			Clock: e.clock, Settings: settings, ProjectSources: sources})
	}
	t.Run("default first, then every other project once, sorted", func(t *testing.T) {
		s := newService(control.Settings{}, projectList{"b", emulator.DefaultProject}, projectList{"a", "b"}, projectList{})
		got, def, err := s.Projects(ctx)
		require.NoError(t, err)
		require.Equal(t, emulator.DefaultProject, def)
		require.Equal(t, []string{emulator.DefaultProject, "a", "b"}, got)
	})
	t.Run("strict mode: the first configured project is the default", func(t *testing.T) {
		s := newService(control.Settings{Projects: []string{"p2", "p1"}}, projectList{"p1"})
		got, def, err := s.Projects(ctx)
		require.NoError(t, err)
		require.Equal(t, "p2", def)
		require.Equal(t, "p2", s.DefaultProject())
		require.Equal(t, []string{"p2", "p1"}, got)
	})
	t.Run("a failing source is an error", func(t *testing.T) {
		s := newService(control.Settings{}, failingList{})
		_, _, err := s.Projects(ctx)
		require.Error(t, err)
	})
}
