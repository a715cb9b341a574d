package worker

import (
	"context"

	"github.com/ironlocal/ironlocal/emulator"
)

// CodeByName returns a project's code package by name (ErrNotFound when
// none has that name).
func (s *Service) CodeByName(ctx context.Context, project, name string) (emulator.CodePackage, error) {
	var c emulator.CodePackage
	err := s.store.ViewWorker(ctx, func(tx emulator.WorkerTx) error {
		var err error
		c, err = tx.CodeByName(project, name)
		return err
	})
	return c, err
}
