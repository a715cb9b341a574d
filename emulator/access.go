package emulator

import (
	"crypto/subtle"
	"strings"
)

// Access is the authentication policy every listener applies (spec §1.2):
// permissive without tokens (any non-empty token, any project), strict with
// them (one of the tokens; and one of the projects, when any are listed).
// A task token (TaskTokens) is accepted in both modes, for its task's
// project only.
type Access struct {
	Tokens   []string
	Projects []string
	// Tasks verifies the tokens the worker gives its tasks; nil accepts
	// none (in strict mode; permissive mode accepts any token anyway).
	Tasks TaskTokens
}

// TaskTokenPrefix starts every task token: "ironlocal-task.<task id>.<mac>".
const TaskTokenPrefix = "ironlocal-task."

// TaskToken is who a valid task token speaks for.
type TaskToken struct {
	Project string
	TaskID  string
}

// TaskTokens verifies task tokens.
type TaskTokens interface {
	// TaskToken returns the task a token was minted for, if it is one of
	// this process's task tokens and still valid (its task runs, or ended
	// less than the grace ago).
	TaskToken(token string) (TaskToken, bool)
}

// TaskOf returns the task a token speaks for when it is a valid task token.
func (a Access) TaskOf(token string) (TaskToken, bool) {
	if a.Tasks == nil || !strings.HasPrefix(token, TaskTokenPrefix) {
		return TaskToken{}, false
	}
	return a.Tasks.TaskToken(token)
}

// Strict reports whether tokens are configured.
func (a Access) Strict() bool { return len(a.Tokens) > 0 }

// Check authenticates token for project ("" skips the project check). It
// returns nil, an ErrUnauthenticated-class error (no token, unknown token,
// a task token no longer valid), NotFound "Project not found" for a project
// strict mode does not serve, or Forbidden for a task token used on
// another project (strict mode).
func (a Access) Check(token, project string) error {
	if token == "" {
		return Unauthenticated("Invalid authentication: no token given")
	}
	if project != "" {
		if err := ValidateProjectID(project); err != nil {
			return err
		}
	}
	if !a.Strict() {
		return nil
	}
	if t, ok := a.TaskOf(token); ok {
		if project != "" && project != t.Project {
			return Forbidden("Forbidden: a task's token is valid only for its own project")
		}
		return nil
	}
	if !a.KnownToken(token) {
		return Unauthenticated("Invalid authentication: unknown token")
	}
	if project != "" && len(a.Projects) > 0 && !contains(a.Projects, project) {
		return NotFound("Project not found")
	}
	return nil
}

// KnownToken reports whether token is one of the configured tokens
// (compared in constant time).
func (a Access) KnownToken(token string) bool {
	found := false
	for _, t := range a.Tokens {
		if subtle.ConstantTimeCompare([]byte(token), []byte(t)) == 1 {
			found = true
		}
	}
	return found
}

func contains(set []string, v string) bool {
	for _, s := range set {
		if s == v {
			return true
		}
	}
	return false
}
