// The reader of the task archive the runtime sends on stdin.

package main

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"syscall"
)

// Tar entry types the runtime writes (regular files, directories,
// symlinks) and the PAX header that may precede one; any other type is
// read and then refused by extract.
const (
	typeReg     = '0'
	typeRegA    = '\x00' // a pre-POSIX regular file
	typeSymlink = '2'
	typeDir     = '5'
	typePAX     = 'x'
	blockSize   = 512
	// maxPAX bounds a PAX header's records: the runtime's hold a path
	// and a link target.
	maxPAX = 1 << 20
)

// tarHeader is what extract needs of an entry.
type tarHeader struct {
	name, linkname string
	typeflag       byte
	mode, size     int64
	mtime          syscall.Timespec
}

// tarReader reads the archives the runtime writes (archive/tar's Writer
// with no format asked for): ustar headers, with a PAX header before an
// entry whose name, link target or size does not fit one. It checks each
// header's checksum and requires the end-of-archive marker.
type tarReader struct {
	r         io.Reader
	remaining int64 // of the current entry's data
	padding   int64 // after it, to the next block
	block     [blockSize]byte
}

// next skips what is left of the current entry and returns the next one's
// header; nil at the end-of-archive marker.
func (t *tarReader) next() (*tarHeader, error) {
	if err := t.skip(t.remaining + t.padding); err != nil {
		return nil, err
	}
	t.remaining, t.padding = 0, 0
	var pax map[string]string
	for {
		if err := t.readBlock(true); err != nil {
			return nil, err
		}
		if t.block == [blockSize]byte{} {
			// The marker is two zero blocks: one alone is an archive cut
			// short.
			if err := t.readBlock(true); err != nil {
				return nil, err
			}
			if t.block != [blockSize]byte{} {
				return nil, errors.New("malformed archive: a zero block before an entry")
			}
			if pax != nil {
				return nil, errors.New("malformed archive: a PAX header without its entry")
			}
			return nil, nil
		}
		h, err := t.parseHeader()
		if err != nil {
			return nil, err
		}
		if h.typeflag != typePAX {
			if err := applyPAX(h, pax); err != nil {
				return nil, err
			}
			t.remaining, t.padding = h.size, -h.size&(blockSize-1)
			if h.typeflag == typeDir || h.typeflag == typeSymlink {
				t.remaining, t.padding = 0, 0 // no data, whatever the size says
			}
			return h, nil
		}
		if pax != nil {
			return nil, errors.New("malformed archive: two PAX headers for one entry")
		}
		if h.size > maxPAX {
			return nil, errors.New("malformed archive: a PAX header of " + strconv.FormatInt(h.size, 10) + " bytes")
		}
		records := make([]byte, h.size)
		if _, err := io.ReadFull(t.r, records); err != nil {
			return nil, unexpected(err)
		}
		if err := t.skip(-h.size & (blockSize - 1)); err != nil {
			return nil, err
		}
		if pax, err = parsePAX(records); err != nil {
			return nil, err
		}
	}
}

// Read reads the current entry's data.
func (t *tarReader) Read(p []byte) (int, error) {
	if t.remaining == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > t.remaining {
		p = p[:t.remaining]
	}
	n, err := t.r.Read(p)
	t.remaining -= int64(n)
	if errors.Is(err, io.EOF) && t.remaining > 0 {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// readBlock reads one header block; atEntry: an archive that ends right
// there stopped between entries.
func (t *tarReader) readBlock(atEntry bool) error {
	_, err := io.ReadFull(t.r, t.block[:])
	if errors.Is(err, io.EOF) && atEntry {
		return errEarly
	}
	return unexpected(err)
}

func (t *tarReader) skip(n int64) error {
	if n == 0 {
		return nil
	}
	_, err := io.CopyN(io.Discard, t.r, n)
	return unexpected(err)
}

// unexpected turns an end of the input inside a header or data into
// io.ErrUnexpectedEOF.
func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// parseHeader parses the ustar header in t.block.
func (t *tarReader) parseHeader() (*tarHeader, error) {
	b := t.block[:]
	if string(b[257:263]) != "ustar\x00" || string(b[263:265]) != "00" {
		return nil, errors.New("malformed archive: not a ustar header")
	}
	sum, err := parseNumber(b[148:156])
	if err != nil {
		return nil, err
	}
	var unsigned int64
	for i, c := range b {
		if i >= 148 && i < 156 {
			c = ' ' // the checksum's own field counts as spaces
		}
		unsigned += int64(c)
	}
	if sum != unsigned {
		return nil, errors.New("malformed archive: header checksum mismatch")
	}
	h := &tarHeader{typeflag: b[156], name: cString(b[0:100]), linkname: cString(b[157:257])}
	if prefix := cString(b[345:500]); prefix != "" {
		h.name = prefix + "/" + h.name
	}
	if h.mode, err = parseNumber(b[100:108]); err != nil {
		return nil, err
	}
	if h.size, err = parseNumber(b[124:136]); err != nil {
		return nil, err
	}
	mtime, err := parseNumber(b[136:148])
	if err != nil {
		return nil, err
	}
	h.mtime = syscall.Timespec{Sec: mtime}
	return h, nil
}

// cString is the NUL-terminated string at the start of b.
func cString(b []byte) string {
	if i := strings.IndexByte(string(b), 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// parseNumber parses a header's numeric field: octal digits between
// optional spaces and NULs, or (a leading 0x80 byte) a base-256 number.
func parseNumber(b []byte) (int64, error) {
	if len(b) > 0 && b[0] == 0x80 {
		var n int64
		for _, c := range b[1:] {
			if n >= 1<<55 {
				return 0, errors.New("malformed archive: a numeric field overflows")
			}
			n = n<<8 | int64(c)
		}
		return n, nil
	}
	s := strings.Trim(string(b), " \x00")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 8, 64)
	if err != nil || s[0] == '-' || s[0] == '+' {
		return 0, errors.New("malformed archive: numeric field " + strconv.Quote(string(b)))
	}
	return n, nil
}

// parsePAX parses PAX records: "LENGTH KEY=VALUE\n", LENGTH counting the
// whole record.
func parsePAX(b []byte) (map[string]string, error) {
	records := map[string]string{}
	for len(b) > 0 {
		space := strings.IndexByte(string(b[:min(len(b), 20)]), ' ') // a length has at most 19 digits
		lenField := string(b[:max(space, 0)])
		n, err := strconv.Atoi(lenField)
		if space < 0 || err != nil || n <= len(lenField)+1 || n > len(b) || b[n-1] != '\n' {
			return nil, errors.New("malformed archive: a bad PAX record")
		}
		key, value, ok := strings.Cut(string(b[len(lenField)+1:n-1]), "=")
		if !ok || key == "" {
			return nil, errors.New("malformed archive: a bad PAX record")
		}
		records[key] = value
		b = b[n:]
	}
	return records, nil
}

// applyPAX overrides h's fields with those PAX records give. A sparse file
// (GNU's PAX records) is refused: the runtime never writes one.
func applyPAX(h *tarHeader, records map[string]string) error {
	for key, value := range records {
		switch {
		case key == "path":
			h.name = value
		case key == "linkpath":
			h.linkname = value
		case key == "size":
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil || n < 0 {
				return errors.New("malformed archive: PAX size " + strconv.Quote(value))
			}
			h.size = n
		case key == "mtime":
			mtime, err := parsePAXTime(value)
			if err != nil {
				return err
			}
			h.mtime = mtime
		case strings.HasPrefix(key, "GNU.sparse"):
			return errors.New(`entry "` + h.name + `": refused: a sparse file`)
		}
	}
	if h.size < 0 {
		return errors.New("malformed archive: a negative size")
	}
	return nil
}

// parsePAXTime parses a PAX time: decimal seconds, with a fraction.
func parsePAXTime(s string) (syscall.Timespec, error) {
	secs, frac, _ := strings.Cut(s, ".")
	sec, err := strconv.ParseInt(secs, 10, 64)
	var nsec int64
	if err == nil && frac != "" {
		frac = (frac + "000000000")[:9]
		nsec, err = strconv.ParseInt(frac, 10, 64)
		if nsec < 0 || strings.HasPrefix(frac, "+") || strings.HasPrefix(frac, "-") {
			err = strconv.ErrSyntax
		}
	}
	if err != nil {
		return syscall.Timespec{}, errors.New("malformed archive: PAX mtime " + strconv.Quote(s))
	}
	if strings.HasPrefix(secs, "-") && nsec > 0 { // -1.5 is 2 s before the epoch, plus 0.5
		sec, nsec = sec-1, 1e9-nsec
	}
	return syscall.Timespec{Sec: sec, Nsec: nsec}, nil
}
