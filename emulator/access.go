package emulator

import "crypto/subtle"

// Access is the authentication policy every listener applies (spec §1.2):
// permissive without tokens (any non-empty token, any project), strict with
// them (one of the tokens; and one of the projects, when any are listed).
type Access struct {
	Tokens   []string
	Projects []string
}

// Strict reports whether tokens are configured.
func (a Access) Strict() bool { return len(a.Tokens) > 0 }

// Check authenticates token for project ("" skips the project check). It
// returns nil, an ErrUnauthenticated-class error (no token, unknown token),
// or NotFound "Project not found" for a project strict mode does not serve.
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
