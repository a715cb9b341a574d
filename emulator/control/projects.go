package control

import (
	"context"
	"slices"

	"github.com/ironlocal/ironlocal/emulator"
)

// ProjectSource lists the projects a service holds anything in.
type ProjectSource interface {
	Projects(ctx context.Context) ([]string, error)
}

// Projects is every project ironlocal has seen, the default one first
// (the first configured project in strict mode, else
// emulator.DefaultProject), then the rest in order; def is that default.
func (s *Service) Projects(ctx context.Context) (projects []string, def string, err error) {
	def = s.DefaultProject()
	seen := map[string]bool{def: true}
	var rest []string
	for _, src := range s.projectSources {
		ps, err := src.Projects(ctx)
		if err != nil {
			return nil, "", err
		}
		for _, p := range ps {
			if !seen[p] {
				seen[p] = true
				rest = append(rest, p)
			}
		}
	}
	slices.Sort(rest)
	return append([]string{def}, rest...), def, nil
}

// DefaultProject is the project a caller that names none means: the first
// configured project in strict mode, else emulator.DefaultProject.
func (s *Service) DefaultProject() string {
	if ps := s.settings.Projects; len(ps) > 0 {
		return ps[0]
	}
	return emulator.DefaultProject
}
