package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/cache"
	"github.com/ironlocal/ironlocal/emulator/idgen"
	"github.com/ironlocal/ironlocal/emulator/mq"
	"github.com/ironlocal/ironlocal/emulator/seed"
	badgerstore "github.com/ironlocal/ironlocal/emulator/store/badger"
	"github.com/ironlocal/ironlocal/emulator/trigger"
	"github.com/ironlocal/ironlocal/emulator/worker"
)

// applySeed loads opts.Seed into an empty store. It first applies the seed
// to scratch services on a throwaway in-memory store, so a bad seed fails
// start-up with a precise error and loads nothing. A store that already
// holds data (a reused data dir) is left alone.
func (s *Server) applySeed(ctx context.Context) error {
	if s.opts.Seed == "" {
		return nil
	}
	f, err := os.Open(s.opts.Seed)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	defer f.Close()
	// A pipe is fine (Parse reads at most seed.MaxSize); a directory or a
	// device such as /dev/zero is a mistake.
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if fi.IsDir() || fi.Mode()&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeSocket) != 0 {
		return fmt.Errorf("seed: %s is not a seed file but a %s", s.opts.Seed, fileKind(fi.Mode()))
	}
	file, err := seed.Parse(f)
	if err != nil {
		return fmt.Errorf("%s: %w", s.opts.Seed, err)
	}
	empty, err := s.store.Empty()
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if !empty {
		s.log.Info("store already holds data: seed not applied", "seed", s.opts.Seed)
		return nil
	}
	if err := s.dryRun(ctx, file); err != nil {
		return fmt.Errorf("%s: %w", s.opts.Seed, err)
	}
	if err := file.Apply(ctx, seed.Targets{MQ: s.mq, Cache: s.cache, Worker: s.worker, Triggers: s.triggers}); err != nil {
		return fmt.Errorf("%s: %w", s.opts.Seed, err)
	}
	s.log.Info("seed applied", "seed", s.opts.Seed)
	return nil
}

// LoadSeed applies the seed file read from r on top of the current state
// (POST /_ironlocal/seed, ironlocald seed load): queues are created or
// updated and their messages posted, items stored, codes uploaded (a new
// revision when one exists), schedules and trigger bindings created. A
// seed that fails its dry run on scratch services loads nothing; one that
// passes can still meet the current state (a binding of the same name)
// and then stops there, naming the entry. Errors are Invalid ones.
func (s *Server) LoadSeed(ctx context.Context, r io.Reader) error {
	file, err := seed.Parse(r)
	if err != nil {
		return invalidSeed(err)
	}
	if err := s.dryRun(ctx, file); err != nil {
		return invalidSeed(err)
	}
	if err := file.Apply(ctx, seed.Targets{MQ: s.mq, Cache: s.cache, Worker: s.worker, Triggers: s.triggers}); err != nil {
		return invalidSeed(err)
	}
	s.log.Info("seed loaded into the running emulator")
	return nil
}

// invalidSeed makes a seed's error a 400 with all its words (the entry and
// field it names), unless the body was cut short by its limit.
func invalidSeed(err error) error {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return err
	}
	return emulator.Invalid("%v", err)
}

func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&fs.ModeSocket != 0:
		return "socket"
	}
	return "device"
}

// dryRun applies the seed to scratch services configured like the real
// ones, on a throwaway in-memory store.
func (s *Server) dryRun(ctx context.Context, file *seed.File) error {
	scratch := badgerstore.New(badgerstore.Options{InMemory: true})
	if err := scratch.Open(); err != nil {
		return err
	}
	defer scratch.Close()
	ids := idgen.NewRandom(s.clock)
	bus := emulator.NewBus()
	return file.Apply(ctx, seed.Targets{
		MQ:       mq.New(scratch, scratch, ids, s.clock, bus, s.mqConfig()),
		Cache:    cache.New(scratch, s.clock, bus),
		Worker:   worker.New(scratch, s.runtime, ids, s.clock, bus, s.workerConfig(), nil),                                         // never started: nothing runs
		Triggers: trigger.New(trigger.Config{Store: scratch, IDs: ids, Clock: s.clock, MaxBindingsPerProject: s.opts.MaxBindings}), // never started
	})
}
