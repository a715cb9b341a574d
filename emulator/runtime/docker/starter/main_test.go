package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// readAll reads every entry of archive with tarReader.
func readAll(archive []byte) ([]tarHeader, [][]byte, error) {
	tr := &tarReader{r: bytes.NewReader(archive)}
	var headers []tarHeader
	var bodies [][]byte
	for {
		h, err := tr.next()
		if err != nil {
			return headers, bodies, err
		}
		if h == nil {
			return headers, bodies, nil
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			return headers, bodies, err
		}
		headers, bodies = append(headers, *h), append(bodies, body)
	}
}

type entry struct {
	h    tar.Header
	body string
}

func writeTar(t *testing.T, entries []entry, format tar.Format) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := e.h
		h.Format = format
		h.Size = int64(len(e.body))
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestTarReader_reads(t *testing.T) {
	mtime := time.Unix(1700000000, 0)
	long := "mnt/task/" + strings.Repeat("d/", 80) + "file"
	entries := []entry{
		{h: tar.Header{Typeflag: tar.TypeDir, Name: "mnt/", Mode: 0o755, ModTime: mtime}},
		{h: tar.Header{Typeflag: tar.TypeReg, Name: "mnt/iron/payload.json", Mode: 0o666, ModTime: mtime}, body: `{"a":1}`},
		{h: tar.Header{Typeflag: tar.TypeReg, Name: "mnt/empty", Mode: 0o600, ModTime: mtime}},
		{h: tar.Header{Typeflag: tar.TypeReg, Name: "mnt/big", Mode: 0o777, ModTime: mtime}, body: strings.Repeat("x", 1500)},
		{h: tar.Header{Typeflag: tar.TypeReg, Name: long, Mode: 0o666, ModTime: mtime}, body: "deep"},   // PAX path
		{h: tar.Header{Typeflag: tar.TypeReg, Name: "mnt/été", Mode: 0o666, ModTime: mtime}, body: "é"}, // PAX: not ASCII
		{h: tar.Header{Typeflag: tar.TypeSymlink, Name: "mnt/link", Linkname: strings.Repeat("../", 50) + "x", Mode: 0o777, ModTime: mtime}},
	}
	for _, format := range []tar.Format{tar.FormatUnknown, tar.FormatPAX} {
		t.Run(format.String(), func(t *testing.T) {
			archive := writeTar(t, entries, format)
			headers, bodies, err := readAll(archive)
			if err != nil {
				t.Fatal(err)
			}
			if len(headers) != len(entries) {
				t.Fatalf("got %d entries, want %d", len(headers), len(entries))
			}
			for i, e := range entries {
				h := headers[i]
				if h.name != e.h.Name || h.linkname != e.h.Linkname || h.typeflag != e.h.Typeflag ||
					h.mode != e.h.Mode || !unix(h.mtime).Equal(e.h.ModTime) || string(bodies[i]) != e.body {
					t.Errorf("entry %d: got %+v %q, want %+v %q", i, h, bodies[i], e.h, e.body)
				}
			}
		})
	}
}

func TestTarReader_PAXTime(t *testing.T) {
	archive := writeTar(t, []entry{{h: tar.Header{Typeflag: tar.TypeReg, Name: "mnt/f", ModTime: time.Unix(1700000000, 123456789),
		PAXRecords: map[string]string{"mtime": "1700000000.123456789"}}}}, tar.FormatPAX)
	headers, _, err := readAll(archive)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Unix(1700000000, 123456789); !unix(headers[0].mtime).Equal(want) {
		t.Errorf("mtime %v, want %v", headers[0].mtime, want)
	}
}

func TestTarReader_refuses(t *testing.T) {
	mtime := time.Unix(1700000000, 0)
	file := writeTar(t, []entry{{h: tar.Header{Typeflag: tar.TypeReg, Name: "mnt/f", Mode: 0o644, ModTime: mtime}, body: "hello"}}, tar.FormatUnknown)
	paxFile := writeTar(t, []entry{{h: tar.Header{Typeflag: tar.TypeReg, Name: "mnt/" + strings.Repeat("n", 120), Mode: 0o644, ModTime: mtime}, body: "hello"}}, tar.FormatUnknown)
	edit := func(b []byte, at int, with string) []byte {
		b = bytes.Clone(b)
		copy(b[at:], with)
		return b
	}
	// fixSum recomputes a header's checksum after an edit.
	fixSum := func(b []byte, header int) []byte {
		h := b[header : header+blockSize]
		copy(h[148:156], "        ")
		var sum int64
		for _, c := range h {
			sum += int64(c)
		}
		copy(h[148:156], fmt.Sprintf("%06o\x00 ", sum))
		return b
	}
	// paxWith overwrites the start of paxFile's PAX records.
	paxWith := func(records string) []byte { return edit(paxFile, blockSize, records) }
	paxLen := len(paxRecords(t, paxFile))
	for _, tc := range []struct {
		name    string
		archive []byte
		want    string
	}{
		{"empty input", nil, "the archive ended early"},
		{"no end marker", file[:2*blockSize], "the archive ended early"},
		{"one zero block", file[:3*blockSize], "the archive ended early"},
		{"cut in a header", file[:100], "unexpected EOF"},
		{"cut in the data", file[:blockSize+3], "unexpected EOF"},
		{"bad checksum", edit(file, 0, "x"), "header checksum mismatch"},
		{"not ustar", fixSum(edit(file, 257, "gnutar"), 0), "not a ustar header"},
		{"bad octal size", fixSum(edit(file, 124, "0000000009x\x00"), 0), "numeric field"},
		{"a zero block then an entry", append(make([]byte, blockSize), file...), "a zero block before an entry"},
		{"a PAX record longer than the header", paxWith("999 path=x\n"), "a bad PAX record"},
		{"a PAX record without its newline", paxWith(strings.Repeat(" ", paxLen)), "a bad PAX record"},
		{"a PAX record without =", paxWith("12 pathxxxx\n"), "a bad PAX record"},
		{"a PAX record length of zero", paxWith("0 "), "a bad PAX record"},
		{"a PAX size that is not a number", paxWith(padRecord("size", "x1", paxLen)), "PAX size"},
		{"a sparse file", paxWith(padRecord("GNU.sparse.major", "1", paxLen)), "a sparse file"},
		{"a PAX header without its entry", paxFile[:2*blockSize], "the archive ended early"},
		{"a PAX header, then the end", append(bytes.Clone(paxFile[:2*blockSize]), make([]byte, 2*blockSize)...), "a PAX header without its entry"},
		{"a huge PAX header", fixSum(edit(paxFile, 124, "77777777777\x00"), 0), "a PAX header of"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readAll(tc.archive)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func unix(ts syscall.Timespec) time.Time { return time.Unix(ts.Sec, ts.Nsec) }

// paxRecords returns the records of the PAX header archive starts with.
func paxRecords(t *testing.T, archive []byte) []byte {
	t.Helper()
	if archive[156] != typePAX {
		t.Fatal("no PAX header")
	}
	size, err := parseNumber(archive[124:136])
	if err != nil {
		t.Fatal(err)
	}
	return archive[blockSize : blockSize+size]
}

// padRecord is the PAX record key=value padded (in the value, with a
// further record "c=…") to n bytes.
func padRecord(key, value string, n int) string {
	rec := key + "=" + value + "\n"
	first := strconv.Itoa(len(rec)+len(strconv.Itoa(len(rec)+3))+1) + " " + rec
	rest := n - len(first)
	filler := "c=" + strings.Repeat("x", rest-len("c=\n")-4) + "\n"
	return first + strconv.Itoa(len(filler)+4) + " " + filler
}

// FuzzTarReader: any input ends in entries or an error, never a panic or
// a loop, and what archive/tar reads whole, tarReader reads the same.
func FuzzTarReader(f *testing.F) {
	mtime := time.Unix(1700000000, 0)
	for _, e := range [][]entry{
		{{h: tar.Header{Typeflag: tar.TypeReg, Name: "mnt/f", Mode: 0o644, ModTime: mtime}, body: "hello"}},
		{{h: tar.Header{Typeflag: tar.TypeReg, Name: "mnt/" + strings.Repeat("n", 120), Mode: 0o644, ModTime: mtime}, body: "x"}},
		{{h: tar.Header{Typeflag: tar.TypeDir, Name: "mnt/", Mode: 0o755, ModTime: mtime}}},
	} {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for _, x := range e {
			h := x.h
			h.Size = int64(len(x.body))
			_ = tw.WriteHeader(&h)
			_, _ = tw.Write([]byte(x.body))
		}
		_ = tw.Close()
		f.Add(buf.Bytes())
	}
	f.Fuzz(func(t *testing.T, archive []byte) {
		headers, bodies, err := readAll(archive)
		if err != nil {
			return
		}
		tr := tar.NewReader(bytes.NewReader(archive))
		for i := range headers {
			h, err := tr.Next()
			if err != nil {
				return // archive/tar is stricter about some fields
			}
			body, err := io.ReadAll(tr)
			if err != nil {
				return
			}
			if h.Name != headers[i].name || !bytes.Equal(body, bodies[i]) {
				t.Fatalf("entry %d: %q %q, archive/tar reads %q %q", i, headers[i].name, bodies[i], h.Name, body)
			}
		}
	})
}

func TestLookupUser(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(root, "etc", name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("passwd", "root:x:0:0:root:/root:/bin/sh\n  \napp:x:1000:1000::/home/app:/bin/sh\nalias:x:1000:7::/home/alias\nbad:x:notanumber\n")
	write("group", "root:x:0:root\nextra:x:2001:app,other\nempty:x:2002:\nagain:x:2001:app\nstaff:x:50:root\n")
	noEtc := t.TempDir()
	for _, tc := range []struct {
		name, root, spec string
		addsPrimary      bool
		want             credential
		err              string
	}{
		{name: "name", root: root, spec: "app", want: credential{uid: 1000, gid: 1000, groups: []int{2001}, home: "/home/app"}},
		{name: "name, primary added", root: root, spec: "app", addsPrimary: true, want: credential{uid: 1000, gid: 1000, groups: []int{1000, 2001}, home: "/home/app"}},
		{name: "uid: the first entry", root: root, spec: "1000", want: credential{uid: 1000, gid: 1000, groups: []int{2001}, home: "/home/app"}},
		{name: "second name of a uid: home by uid", root: root, spec: "alias", want: credential{uid: 1000, gid: 7, home: "/home/app"}},
		{name: "name:group", root: root, spec: "app:empty", want: credential{uid: 1000, gid: 2002, home: "/home/app"}},
		{name: "name:gid without entry", root: root, spec: "app:77", want: credential{uid: 1000, gid: 77, home: "/home/app"}},
		{name: "uid:gid without entries", root: root, spec: "5:6", addsPrimary: true, want: credential{uid: 5, gid: 6, groups: []int{6}, home: "/"}},
		{name: "a field that is not a number reads 0", root: root, spec: "bad", want: credential{uid: 0, gid: 0, home: "/root"}}, // as root's: the first entry of uid 0
		{name: ":group", root: root, spec: ":staff", want: credential{uid: 0, gid: 50, home: "/root"}},
		{name: "no /etc, uid", root: noEtc, spec: "4242", want: credential{uid: 4242, home: "/"}},
		{name: "no /etc, uid:gid", root: noEtc, spec: "1:2", want: credential{uid: 1, gid: 2, home: "/"}},
		{name: "unknown user", root: root, spec: "nosuch", err: "unable to find user nosuch: no matching entries in passwd file"},
		{name: "unknown user, no /etc", root: noEtc, spec: "app", err: "unable to find user app: no matching entries in passwd file"},
		{name: "unknown group", root: root, spec: "app:nosuch", err: "unable to find group nosuch: no matching entries in group file"},
		{name: "negative uid", root: noEtc, spec: "-1", err: "uids and gids must be in range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := lookupUser(tc.root, tc.spec, tc.addsPrimary)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.uid != tc.want.uid || got.gid != tc.want.gid || got.home != tc.want.home || !equalInts(got.groups, tc.want.groups) {
				t.Errorf("got %+v, want %+v", *got, tc.want)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestParsePAXTime(t *testing.T) {
	for in, want := range map[string]time.Time{
		"1700000000":     time.Unix(1700000000, 0),
		"1700000000.5":   time.Unix(1700000000, 5e8),
		"-1.5":           time.Unix(-2, 5e8),
		"1.123456789123": time.Unix(1, 123456789),
	} {
		got, err := parsePAXTime(in)
		if err != nil || !unix(got).Equal(want) {
			t.Errorf("parsePAXTime(%q) = %v, %v; want %v", in, unix(got), err, want)
		}
	}
	for _, in := range []string{"", "x", "1.x", "1.-5", "1.+5"} {
		if _, err := parsePAXTime(in); err == nil {
			t.Errorf("parsePAXTime(%q): no error", in)
		}
	}
}

// TestExtract_replacesDirectory: a file entry replaces a directory of the
// same name, and what it held, never following a symlink in it.
func TestExtract_replacesDirectory(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	kept := filepath.Join(outside, "kept")
	if err := os.WriteFile(kept, []byte("k"), 0o644); err != nil {
		t.Fatal(err)
	}
	mtime := time.Unix(1700000000, 0)
	archive := writeTar(t, []entry{
		{h: tar.Header{Typeflag: tar.TypeDir, Name: "mnt/", Mode: 0o755, ModTime: mtime}},
		{h: tar.Header{Typeflag: tar.TypeDir, Name: "mnt/d/", Mode: 0o755, ModTime: mtime}},
		{h: tar.Header{Typeflag: tar.TypeReg, Name: "mnt/d/x", Mode: 0o644, ModTime: mtime}, body: "x"},
		{h: tar.Header{Typeflag: tar.TypeSymlink, Name: "mnt/d/out", Linkname: outside, Mode: 0o777, ModTime: mtime}},
		{h: tar.Header{Typeflag: tar.TypeReg, Name: "mnt/d", Mode: 0o644, ModTime: mtime}, body: "now a file"},
	}, tar.FormatUnknown)
	if err := extract(bytes.NewReader(archive), root); err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile(filepath.Join(root, "mnt/d"))
	if err != nil || string(body) != "now a file" {
		t.Fatalf("mnt/d: %q %v", body, err)
	}
	if _, err := os.Stat(kept); err != nil {
		t.Errorf("the symlink's target went too: %v", err)
	}
}
