package badger

import (
	"github.com/ironlocal/ironlocal/emulator"
)

// Registry logins (POST /credentials), one per project and registry:
//
//	K  project 0 registry            registry credential (JSON)
//
// They are secrets of this machine: Export leaves them out unless asked
// (ExportOptions.Credentials), and Reset drops them with everything else.
const tagCredential byte = 'K'

func (t *txn) PutCredential(c emulator.RegistryCredential) error {
	return t.setJSON(key(tagCredential, c.Project, c.Registry), c)
}

func (t *txn) Credential(project, registry string) (emulator.RegistryCredential, error) {
	var c emulator.RegistryCredential
	return c, t.get(key(tagCredential, project, registry), &c, "no credentials for registry "+registry)
}
