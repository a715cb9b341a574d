package emulator

import "strings"

// MaxProjectIDLength bounds project ids. Iron's are 24 lowercase hex
// characters; permissive auth accepts any id, and ids become part of store
// keys, so they are only bounded and kept free of NUL.
const MaxProjectIDLength = 255

// ValidateProjectID rejects a project id the API would refuse: empty, over
// MaxProjectIDLength bytes, or holding NUL (the store's key separator). The
// API and seed files use it alike.
func ValidateProjectID(id string) error {
	switch {
	case id == "":
		return Invalid("Project id is required")
	case len(id) > MaxProjectIDLength || strings.ContainsRune(id, 0):
		return Invalid("Invalid project id: at most %d bytes, no NUL (Iron project ids are 24 hex characters)", MaxProjectIDLength)
	}
	return nil
}
