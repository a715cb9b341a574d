package release

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// WriteArchive packs the tree at dir into the archive file at name, under
// the top directory top: a .zip, or a .tar.gz otherwise. The archive
// depends only on the files' contents and executable bits: entries sorted by
// path, every time mtime, owner root, modes 0755 (executables and
// directories) or 0644, no gzip name or time.
func WriteArchive(name, dir, top string, mtime time.Time) (err error) {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	var w entryWriter
	if strings.HasSuffix(name, ".zip") {
		w = &zipWriter{zw: zip.NewWriter(f), mtime: mtime}
	} else {
		gz, _ := gzip.NewWriterLevel(f, gzip.BestCompression) // a valid level cannot fail
		w = &tarWriter{gz: gz, tw: tar.NewWriter(gz), mtime: mtime}
	}
	// WalkDir visits in lexical order: the order is the same everywhere.
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		entry := path.Join(top, filepath.ToSlash(rel))
		if d.IsDir() {
			return w.dir(entry + "/")
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("archive %s: %s is not a regular file", name, p)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		mode := int64(0o644)
		if info.Mode()&0o111 != 0 {
			mode = 0o755
		}
		src, err := os.Open(p)
		if err != nil {
			return err
		}
		defer src.Close()
		return w.file(entry, mode, info.Size(), src)
	})
	if err != nil {
		return err
	}
	return w.close()
}

type entryWriter interface {
	dir(name string) error
	file(name string, mode, size int64, r io.Reader) error
	close() error
}

type tarWriter struct {
	gz    *gzip.Writer
	tw    *tar.Writer
	mtime time.Time
}

func (t *tarWriter) header(name string, typ byte, mode, size int64) *tar.Header {
	return &tar.Header{Name: name, Typeflag: typ, Mode: mode, Size: size, ModTime: t.mtime.UTC().Truncate(time.Second),
		Format: tar.FormatPAX, Uname: "root", Gname: "root"}
}

func (t *tarWriter) dir(name string) error {
	return t.tw.WriteHeader(t.header(name, tar.TypeDir, 0o755, 0))
}

func (t *tarWriter) file(name string, mode, size int64, r io.Reader) error {
	if err := t.tw.WriteHeader(t.header(name, tar.TypeReg, mode, size)); err != nil {
		return err
	}
	_, err := io.Copy(t.tw, r)
	return err
}

func (t *tarWriter) close() error {
	if err := t.tw.Close(); err != nil {
		return err
	}
	return t.gz.Close()
}

type zipWriter struct {
	zw    *zip.Writer
	mtime time.Time
}

func (z *zipWriter) dir(name string) error {
	h := &zip.FileHeader{Name: name, Modified: z.mtime.UTC().Truncate(time.Second)}
	h.SetMode(fs.ModeDir | 0o755)
	_, err := z.zw.CreateHeader(h)
	return err
}

func (z *zipWriter) file(name string, mode, _ int64, r io.Reader) error {
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: z.mtime.UTC().Truncate(time.Second)}
	h.SetMode(fs.FileMode(mode))
	w, err := z.zw.CreateHeader(h)
	if err != nil {
		return err
	}
	_, err = io.Copy(w, r)
	return err
}

func (z *zipWriter) close() error { return z.zw.Close() }
