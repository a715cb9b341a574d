package process

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
)

// extractZip unpacks a code zip into dir. Entry names that would leave dir
// are refused up front with a clear message; os.Root is the second guard, so
// a symlink in the archive cannot redirect a later entry outside dir either.
func extractZip(dir string, data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	for _, f := range zr.File {
		name := path.Clean(f.Name)
		if !fs.ValidPath(name) {
			return fmt.Errorf("entry %q: path escapes the code directory", f.Name)
		}
		if name == "." {
			continue
		}
		if err := extractEntry(root, name, f); err != nil {
			return fmt.Errorf("entry %q: %w", f.Name, err)
		}
	}
	return nil
}

func extractEntry(root *os.Root, name string, f *zip.File) error {
	mode := f.Mode()
	if mode.IsDir() {
		return root.MkdirAll(name, 0o755)
	}
	if err := root.MkdirAll(path.Dir(name), 0o755); err != nil {
		return err
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	switch {
	case mode&fs.ModeSymlink != 0:
		target, err := io.ReadAll(io.LimitReader(rc, 4096))
		if err != nil {
			return err
		}
		return root.Symlink(string(target), name)
	case mode.IsRegular():
		// Keep the execute bits a script needs; the owner can always write.
		w, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode.Perm()|0o600)
		if err != nil {
			return err
		}
		if _, err := io.Copy(w, rc); err != nil {
			w.Close()
			return err
		}
		return w.Close()
	default:
		return fmt.Errorf("unsupported file type %v", mode.Type())
	}
}
