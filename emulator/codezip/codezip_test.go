package codezip

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/internal/runtimetest"
)

func TestCheck(t *testing.T) {
	small := Limits{MaxBytes: 1 << 20, MaxEntries: 10}
	for _, tc := range []struct {
		name    string
		zip     []byte
		limits  Limits
		wantErr string // "" = accepted
	}{
		{name: "within the limits", zip: runtimetest.ZeroZip(t, "a", 1<<20), limits: small},
		{name: "declared bytes over", zip: runtimetest.ZeroZip(t, "a", 1<<20+1), limits: small,
			wantErr: "the zip's files add up to 1.1 MiB, over the 1 MiB limit (--max-code-bytes)"},
		{name: "declared bytes over in sum", zip: runtimetest.Zip(t, map[string]string{"a": "12345", "b": "12345"}),
			limits: Limits{MaxBytes: 9}, wantErr: "the zip's files add up to 10 bytes, over the 9 bytes limit (--max-code-bytes)"},
		{name: "entries over", zip: runtimetest.ManyEntriesZip(t, 11), limits: small,
			wantErr: "the zip has 11 entries, over the limit of 10 (--max-code-entries)"},
		{name: "defaults refuse a declared 600 MiB", zip: runtimetest.LyingZip(t, "a", 0, 600<<20),
			wantErr: "the zip's files add up to 600 MiB, over the 512 MiB limit (--max-code-bytes)"},
		{name: "declared sizes that overflow a sum", zip: overflowingZip(t),
			wantErr: "over the 512 MiB limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Check(tc.zip, tc.limits)
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			var le *LimitError
			require.ErrorAs(t, err, &le)
			require.ErrorContains(t, err, tc.wantErr)
		})
	}

	t.Run("not a zip", func(t *testing.T) {
		err := Check([]byte("not a zip"), Limits{})
		require.ErrorIs(t, err, zip.ErrFormat)
	})
}

// overflowingZip declares two entries of 2^63 bytes each.
func overflowingZip(t *testing.T) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"a", "b"} {
		_, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Store, UncompressedSize64: 1 << 63})
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func TestWalk(t *testing.T) {
	readAll := func(e Entry) ([]byte, error) {
		rc, err := e.Open()
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		return io.ReadAll(rc)
	}

	t.Run("entries in order with their content", func(t *testing.T) {
		got := map[string]string{}
		err := Walk(runtimetest.Zip(t, map[string]string{"a.txt": "A", "dir/b.txt": "BB"}), Limits{}, func(e Entry) error {
			body, err := readAll(e)
			got[e.Name] = string(body)
			return err
		})
		require.NoError(t, err)
		require.Equal(t, map[string]string{"a.txt": "A", "dir/b.txt": "BB"}, got)
	})

	t.Run("names that escape are refused", func(t *testing.T) {
		for _, name := range []string{"../evil", "/etc/evil", "a/../../evil"} {
			t.Run(name, func(t *testing.T) {
				err := Walk(runtimetest.Zip(t, map[string]string{name: "x"}), Limits{}, func(Entry) error { return nil })
				require.ErrorContains(t, err, "path escapes the code directory")
			})
		}
	})

	t.Run("an entry larger than it declares stops at the declared size", func(t *testing.T) {
		var n int
		err := Walk(runtimetest.LyingZip(t, "bomb.bin", 64<<20, 1024), Limits{}, func(e Entry) error {
			body, err := readAll(e)
			n = len(body)
			return err
		})
		require.EqualError(t, err, `entry "bomb.bin": holds more data than the 1024 bytes the zip declares for it`)
		require.LessOrEqual(t, n, 1024)
	})

	t.Run("an entry smaller than it declares", func(t *testing.T) {
		err := Walk(runtimetest.LyingZip(t, "short.bin", 1024, 4096), Limits{}, func(e Entry) error {
			_, err := readAll(e)
			return err
		})
		require.EqualError(t, err, `entry "short.bin": holds less data than the 4096 bytes the zip declares for it`)
	})

	t.Run("checks the declared sizes first", func(t *testing.T) {
		called := false
		err := Walk(runtimetest.ZeroZip(t, "a", 2<<20), Limits{MaxBytes: 1 << 20}, func(Entry) error {
			called = true
			return nil
		})
		var le *LimitError
		require.ErrorAs(t, err, &le)
		require.False(t, called, "no entry may be extracted from a zip over the limits")
	})
}

// The byte budget holds even if a reader yields more than the directory
// declared (archive/zip stops such an entry first; this is the second
// guard).
func TestEntryReader_budget(t *testing.T) {
	b := &budget{limit: 10, left: 10}
	r := &entryReader{rc: io.NopCloser(bytes.NewReader(make([]byte, 64))), e: Entry{Size: 64, budget: b}}
	got, err := io.ReadAll(r)
	var le *LimitError
	require.True(t, errors.As(err, &le), "got %v", err)
	require.EqualError(t, err, "the zip's files extract to more than the 10 bytes limit (--max-code-bytes)")
	require.Len(t, got, 10)
}

func TestSize(t *testing.T) {
	for n, want := range map[uint64]string{0: "0 bytes", 1023: "1023 bytes", 1 << 10: "1 KiB", 1536: "1.5 KiB", 1<<20 + 1: "1.1 MiB",
		512 << 20: "512 MiB", 1 << 30: "1 GiB", 1 << 63: "8 EiB"} {
		require.Equal(t, want, size(n), "size(%d)", n)
	}
}
