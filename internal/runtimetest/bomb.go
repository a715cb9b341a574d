package runtimetest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"io"
	"testing"
)

// ZeroZip returns a zip with one deflated entry of size zero bytes, sizes
// declared truthfully: a small zip that extracts to size bytes.
func ZeroZip(t testing.TB, name string, size int64) []byte {
	t.Helper()
	return rawZip(t, name, size, size)
}

// LyingZip returns a zip whose one entry holds size zero bytes while its
// headers (local and central directory) declare only declared bytes: a zip
// bomb that passes a check of the declared sizes.
func LyingZip(t testing.TB, name string, size, declared int64) []byte {
	t.Helper()
	return rawZip(t, name, size, declared)
}

// ManyEntriesZip returns a zip of n empty files.
func ManyEntriesZip(t testing.TB, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := range n {
		if _, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("f%06d", i), Method: zip.Store}); err != nil {
			t.Fatalf("zip entry %d: %v", i, err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatalf("close zip: %v", err)
	}
	return buf.Bytes()
}

func rawZip(t testing.TB, name string, size, declared int64) []byte {
	var deflated bytes.Buffer
	fw, err := flate.NewWriter(&deflated, flate.BestCompression)
	if err != nil {
		t.Fatalf("flate: %v", err)
	}
	crc := crc32.NewIEEE()
	zeros := make([]byte, 1<<20)
	for left := size; left > 0; {
		n := min(left, int64(len(zeros)))
		if _, err := io.MultiWriter(fw, crc).Write(zeros[:n]); err != nil {
			t.Fatalf("deflate: %v", err)
		}
		left -= n
	}
	if err := fw.Close(); err != nil {
		t.Fatalf("deflate: %v", err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc.Sum32(),
		CompressedSize64: uint64(deflated.Len()), UncompressedSize64: uint64(declared)}
	h.SetMode(0o644)
	w, err := zw.CreateRaw(h)
	if err != nil {
		t.Fatalf("zip %s: %v", name, err)
	}
	if _, err := w.Write(deflated.Bytes()); err != nil {
		t.Fatalf("zip %s: %v", name, err)
	}
	if err := zw.Close(); err != nil {
		t.Fatalf("close zip: %v", err)
	}
	return buf.Bytes()
}
