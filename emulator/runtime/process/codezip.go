package process

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"

	"github.com/ironlocal/ironlocal/emulator/codezip"
)

// extractZip unpacks a code zip into dir within limits. Entry names that
// would leave dir are refused up front with a clear message; os.Root is the
// second guard, so a symlink in the archive cannot redirect a later entry
// outside dir either. The bytes written are counted as they are written, so
// a zip whose directory understates its sizes still stops at the limit.
func extractZip(dir string, data []byte, limits codezip.Limits) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	return codezip.Walk(data, limits, func(e codezip.Entry) error { return extractEntry(root, e) })
}

func extractEntry(root *os.Root, e codezip.Entry) error {
	if e.Mode.IsDir() {
		return root.MkdirAll(e.Name, 0o755)
	}
	if err := root.MkdirAll(path.Dir(e.Name), 0o755); err != nil {
		return err
	}
	switch {
	case e.Mode&fs.ModeSymlink != 0:
		target, err := e.SymlinkTarget()
		if err != nil {
			return err
		}
		return root.Symlink(target, e.Name)
	case e.Mode.IsRegular():
		rc, err := e.Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		// Keep the execute bits a script needs; the owner can always write.
		w, err := root.OpenFile(e.Name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, e.Mode.Perm()|0o600)
		if err != nil {
			return err
		}
		if _, err := io.Copy(w, rc); err != nil {
			w.Close()
			return err
		}
		return w.Close()
	default:
		return fmt.Errorf("unsupported file type %v", e.Mode.Type())
	}
}
