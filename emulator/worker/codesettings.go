package worker

import (
	"context"

	"github.com/ironlocal/ironlocal/emulator"
)

// CodeSettings changes a code package's settings in place, without a new
// revision (the control plane's code editor). Nil fields stay as they are;
// EnvVars, when not nil, replaces every variable.
type CodeSettings struct {
	// MaxConcurrency is set as given: -1 pauses, 0 or more runs unpaused.
	MaxConcurrency  *int
	Retries         *int
	RetriesDelay    *int
	DefaultPriority *int
	EnvVars         map[string]string
	MemoryMB        *int64
	CPUs            *float64
	DebugPort       *int
	DebugCommand    *string
}

func (cs CodeSettings) validate() error {
	if v := cs.Retries; v != nil && (*v < 0 || *v > MaxRetries) {
		return emulator.Invalid("retries must be between 0 and %d", MaxRetries)
	}
	if v := cs.RetriesDelay; v != nil && *v < 0 {
		return emulator.Invalid("retries_delay must not be negative")
	}
	if v := cs.MaxConcurrency; v != nil && *v < -1 {
		return emulator.Invalid("max_concurrency must be -1 (paused), 0 (unlimited) or positive")
	}
	if v := cs.DefaultPriority; v != nil && (*v < 0 || *v > 2) {
		return emulator.Invalid("default_priority must be 0, 1 or 2")
	}
	if v := cs.MemoryMB; v != nil && *v < 0 {
		return emulator.Invalid("memory must not be negative")
	}
	if v := cs.CPUs; v != nil && *v < 0 {
		return emulator.Invalid("cpus must not be negative")
	}
	for k := range cs.EnvVars {
		if k == "" {
			return emulator.Invalid("env_vars names must not be empty")
		}
	}
	return validateDebug(cs.DebugPort, cs.DebugCommand)
}

// UpdateCodeSettings applies cs to code codeID and returns the result. A
// refused setting changes nothing.
func (s *Service) UpdateCodeSettings(ctx context.Context, project, codeID string, cs CodeSettings) (emulator.CodePackage, error) {
	if err := cs.validate(); err != nil {
		return emulator.CodePackage{}, err
	}
	err := s.updateCode(ctx, project, codeID, func(c *emulator.CodePackage) {
		if v := cs.MaxConcurrency; v != nil {
			switch {
			case *v < 0 && !c.Paused():
				c.PausedFrom, c.MaxConcurrency = c.MaxConcurrency, -1
			case *v >= 0:
				c.MaxConcurrency, c.PausedFrom = *v, 0
			}
		}
		if v := cs.Retries; v != nil {
			c.Retries = *v
		}
		if v := cs.RetriesDelay; v != nil {
			c.RetriesDelay = *v
		}
		if v := cs.DefaultPriority; v != nil {
			c.DefaultPriority = *v
		}
		applyDebug(c, cs.DebugPort, cs.DebugCommand)
		if cs.EnvVars != nil {
			c.EnvVars = cs.EnvVars
			if len(c.EnvVars) == 0 {
				c.EnvVars = nil
			}
		}
		if v := cs.MemoryMB; v != nil {
			c.MemoryMB = *v
		}
		if v := cs.CPUs; v != nil {
			c.CPUs = *v
		}
	})
	if err != nil {
		return emulator.CodePackage{}, err
	}
	return s.GetCode(ctx, project, codeID)
}
