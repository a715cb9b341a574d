package memcache

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/cache"
)

// relativeLimit is memcached's rule for exptime: up to 30 days it counts
// seconds from now, above that it is a Unix time.
const relativeLimit = 60 * 60 * 24 * 30

// session is one connection's state: the authenticated project and cache.
type session struct {
	srv     *Server
	r       *bufio.Reader
	w       *bufio.Writer
	project string
	cache   string
}

// opTimeout bounds one command's call into the cache service.
const opTimeout = 30 * time.Second

// step reads and answers one command; false ends the connection.
func (s *session) step() bool {
	line, err := s.r.ReadSlice('\n')
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		s.reply("CLIENT_ERROR line too long")
		return false // the rest of the line cannot be told from the next command
	case err != nil:
		return false // EOF, idle timeout or a closed connection
	}
	fields := strings.Fields(string(bytes.TrimRight(line, "\r\n")))
	if len(fields) == 0 {
		s.reply("ERROR")
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	switch cmd, args := fields[0], fields[1:]; cmd {
	case "set", "add", "replace", "cas":
		return s.store(ctx, cmd, args)
	case "get", "gets":
		s.get(ctx, cmd == "gets", args)
	case "delete":
		s.delete(ctx, args)
	case "incr", "decr":
		s.count(ctx, cmd == "decr", args)
	case "touch":
		s.touch(ctx, args)
	case "flush_all":
		s.flush(ctx, args)
	case "version":
		s.reply("VERSION 1.6.0-ironlocal")
	case "verbosity":
		s.replyUnless(noreply(args, 2), "OK")
	case "quit":
		return false
	default:
		s.reply("ERROR")
	}
	return true
}

func (s *session) reply(line string) {
	_, _ = s.w.WriteString(line)
	_, _ = s.w.WriteString("\r\n")
}

func (s *session) replyUnless(quiet bool, line string) {
	if !quiet {
		s.reply(line)
	}
}

// noreply reports whether the optional trailing argument at index i is
// "noreply".
func noreply(args []string, i int) bool { return len(args) > i && args[i] == "noreply" }

// authenticated answers the "authenticate first" error when no set oauth
// has succeeded yet.
func (s *session) authenticated(quiet bool) bool {
	if s.cache != "" {
		return true
	}
	s.replyUnless(quiet, `CLIENT_ERROR authenticate first: set oauth 0 0 <length> with "<token> <project_id> <cache>"`)
	return false
}

// store handles set/add/replace/cas <key> <flags> <exptime> <bytes> [cas]
// [noreply] and its data block, and set oauth.
func (s *session) store(ctx context.Context, cmd string, args []string) bool {
	want := 4
	if cmd == "cas" {
		want = 5
	}
	if len(args) < want || len(args) > want+1 {
		s.reply("ERROR")
		return true
	}
	key := args[0]
	_, errFlags := strconv.ParseUint(args[1], 10, 32)
	exptime, errExp := strconv.ParseInt(args[2], 10, 64)
	n, errLen := strconv.ParseUint(args[3], 10, 64)
	var casID uint64
	var errCAS error
	if cmd == "cas" {
		casID, errCAS = strconv.ParseUint(args[4], 10, 64)
	}
	quiet := noreply(args, want)
	if errLen != nil {
		s.reply("CLIENT_ERROR bad data chunk")
		return false // the data block's length is unknown: out of step
	}
	if n > cache.MaxItemBytes {
		if n > maxSkip || !s.skip(int64(n)+2) {
			s.reply("SERVER_ERROR object too large for cache")
			return false
		}
		s.replyUnless(quiet, "SERVER_ERROR object too large for cache")
		return true
	}
	data := make([]byte, n+2)
	if _, err := io.ReadFull(s.r, data); err != nil {
		return false
	}
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		s.reply("CLIENT_ERROR bad data chunk")
		return false
	}
	data = data[:n]
	switch {
	case errFlags != nil || errExp != nil || errCAS != nil:
		s.replyUnless(quiet, "CLIENT_ERROR bad command line format")
		return true
	case cmd == "set" && key == "oauth":
		s.authenticate(data, quiet)
		return true
	case !s.authenticated(quiet):
		return true
	case !utf8.Valid(data):
		s.replyUnless(quiet, "CLIENT_ERROR value must be UTF-8 text: IronCache items are strings")
		return true
	}
	expiresIn, ok := s.expiresIn(exptime)
	if !ok {
		s.replyUnless(quiet, "CLIENT_ERROR exptime is in the past: the item would expire at once")
		return true
	}
	value, err := json.Marshal(string(data))
	if err != nil {
		s.replyUnless(quiet, "SERVER_ERROR cannot encode the value")
		return true
	}
	put := cache.Put{Value: value, ExpiresIn: expiresIn, Add: cmd == "add", Replace: cmd == "replace"}
	if cmd == "cas" {
		put.CAS = &casID
	}
	err = s.srv.cfg.Cache.PutItem(ctx, s.project, s.cache, key, put)
	switch {
	case err == nil:
		s.replyUnless(quiet, "STORED")
	case errors.Is(err, cache.ErrNotStored) && cmd == "cas":
		if _, gerr := s.srv.cfg.Cache.GetItem(ctx, s.project, s.cache, key); errors.Is(gerr, emulator.ErrNotFound) {
			s.replyUnless(quiet, "NOT_FOUND")
		} else {
			s.replyUnless(quiet, "EXISTS")
		}
	case errors.Is(err, cache.ErrNotStored):
		s.replyUnless(quiet, "NOT_STORED")
	default:
		s.fail(quiet, err)
	}
	return true
}

// skip reads and drops n bytes of a refused data block.
func (s *session) skip(n int64) bool {
	got, err := io.CopyN(io.Discard, s.r, n)
	return err == nil && got == n
}

// authenticate handles the data of "set oauth": "<token> <project> <cache>".
func (s *session) authenticate(data []byte, quiet bool) {
	parts := strings.Fields(string(data))
	if len(parts) != 3 {
		s.replyUnless(quiet, `CLIENT_ERROR oauth needs "<token> <project_id> <cache>"`)
		return
	}
	if err := s.srv.cfg.Access.Check(parts[0], parts[1]); err != nil {
		s.replyUnless(quiet, "CLIENT_ERROR authentication failed: "+message(err))
		return
	}
	s.project, s.cache = parts[1], parts[2]
	s.replyUnless(quiet, "STORED")
}

// expiresIn turns memcached's exptime into the cache's expires_in: 0 never
// expires, up to 30 days counts from now, above that it is a Unix time.
// ok is false for a time already past (a negative exptime included).
func (s *session) expiresIn(exptime int64) (int, bool) {
	switch {
	case exptime == 0:
		return 0, true
	case exptime < 0:
		return 0, false
	case exptime <= relativeLimit:
		return int(exptime), true
	}
	left := time.Unix(exptime, 0).Sub(s.srv.cfg.Clock.Now())
	if left < time.Second {
		return 0, false
	}
	return int(min(left/time.Second, cache.MaxExpiresIn)), true
}

// get handles get/gets <key>*: one VALUE block per live item, then END.
func (s *session) get(ctx context.Context, withCAS bool, keys []string) {
	if len(keys) == 0 {
		s.reply("ERROR")
		return
	}
	if !s.authenticated(false) {
		return
	}
	for _, key := range keys {
		it, err := s.srv.cfg.Cache.GetItem(ctx, s.project, s.cache, key)
		if errors.Is(err, emulator.ErrNotFound) {
			continue
		}
		if err != nil {
			s.fail(false, err)
			return
		}
		data := text(it.Value)
		if withCAS {
			s.reply(fmt.Sprintf("VALUE %s 0 %d %d", key, len(data), it.CAS))
		} else {
			s.reply(fmt.Sprintf("VALUE %s 0 %d", key, len(data)))
		}
		_, _ = s.w.Write(data)
		s.reply("")
	}
	s.reply("END")
}

// text renders an item's JSON value as memcached data: a string's
// contents, or a number's or boolean's literal.
func text(raw json.RawMessage) []byte {
	var str string
	if len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &str) == nil {
		return []byte(str)
	}
	return raw
}

// delete handles delete <key> [0] [noreply].
func (s *session) delete(ctx context.Context, args []string) {
	if len(args) == 0 || len(args) > 3 {
		s.reply("ERROR")
		return
	}
	quiet := args[len(args)-1] == "noreply"
	if !s.authenticated(quiet) {
		return
	}
	err := s.srv.cfg.Cache.DeleteItem(ctx, s.project, s.cache, args[0])
	switch {
	case err == nil:
		s.replyUnless(quiet, "DELETED")
	case errors.Is(err, emulator.ErrNotFound):
		s.replyUnless(quiet, "NOT_FOUND")
	default:
		s.fail(quiet, err)
	}
}

// count handles incr/decr <key> <value> [noreply].
func (s *session) count(ctx context.Context, decr bool, args []string) {
	if len(args) < 2 || len(args) > 3 {
		s.reply("ERROR")
		return
	}
	quiet := noreply(args, 2)
	delta, err := strconv.ParseUint(args[1], 10, 64)
	if err != nil || delta > 1<<63-1 {
		s.replyUnless(quiet, "CLIENT_ERROR invalid numeric delta argument")
		return
	}
	if !s.authenticated(quiet) {
		return
	}
	amount := int64(delta)
	if decr {
		amount = -amount
	}
	v, err := s.srv.cfg.Cache.Count(ctx, s.project, s.cache, args[0], amount, cache.CountMemcached)
	switch {
	case err == nil:
		s.replyUnless(quiet, strconv.FormatInt(v, 10))
	case errors.Is(err, emulator.ErrNotFound):
		s.replyUnless(quiet, "NOT_FOUND")
	default:
		s.fail(quiet, err)
	}
}

// touch handles touch <key> <exptime> [noreply]: the item is stored again
// with its value and a new expiry.
func (s *session) touch(ctx context.Context, args []string) {
	if len(args) < 2 || len(args) > 3 {
		s.reply("ERROR")
		return
	}
	quiet := noreply(args, 2)
	exptime, err := strconv.ParseInt(args[1], 10, 64)
	if err != nil {
		s.replyUnless(quiet, "CLIENT_ERROR bad command line format")
		return
	}
	if !s.authenticated(quiet) {
		return
	}
	expiresIn, ok := s.expiresIn(exptime)
	if !ok {
		s.replyUnless(quiet, "CLIENT_ERROR exptime is in the past: the item would expire at once")
		return
	}
	it, err := s.srv.cfg.Cache.GetItem(ctx, s.project, s.cache, args[0])
	if err == nil {
		cas := it.CAS
		err = s.srv.cfg.Cache.PutItem(ctx, s.project, s.cache, args[0], cache.Put{Value: it.Value, ExpiresIn: expiresIn, CAS: &cas})
	}
	switch {
	case err == nil:
		s.replyUnless(quiet, "TOUCHED")
	case errors.Is(err, emulator.ErrNotFound), errors.Is(err, cache.ErrNotStored):
		s.replyUnless(quiet, "NOT_FOUND")
	default:
		s.fail(quiet, err)
	}
}

// flush handles flush_all [delay] [noreply]: the authenticated cache is
// cleared at once (a delay is not supported).
func (s *session) flush(ctx context.Context, args []string) {
	quiet := len(args) > 0 && args[len(args)-1] == "noreply"
	if n := len(args); n > 2 || n == 2 && !quiet || n >= 1 && args[0] != "noreply" && args[0] != "0" {
		s.replyUnless(quiet, "CLIENT_ERROR flush_all takes no delay here")
		return
	}
	if !s.authenticated(quiet) {
		return
	}
	err := s.srv.cfg.Cache.ClearCache(ctx, s.project, s.cache)
	if err != nil && !errors.Is(err, emulator.ErrNotFound) {
		s.fail(quiet, err)
		return
	}
	s.replyUnless(quiet, "OK")
}

// fail answers a service error: the user's mistakes as CLIENT_ERROR, too
// large as memcached says it, anything else as SERVER_ERROR (logged).
func (s *session) fail(quiet bool, err error) {
	switch {
	case errors.Is(err, emulator.ErrTooLarge):
		s.replyUnless(quiet, "SERVER_ERROR object too large for cache")
	case errors.Is(err, emulator.ErrInvalid), errors.Is(err, emulator.ErrNotFound):
		s.replyUnless(quiet, "CLIENT_ERROR "+message(err))
	default:
		s.srv.log.Error("memcached command", "project", s.project, "cache", s.cache, "err", err)
		s.replyUnless(quiet, "SERVER_ERROR internal error")
	}
}

// message is a domain error's user-facing text on one line.
func message(err error) string {
	msg := err.Error()
	if e, ok := emulator.AsError(err); ok {
		msg = e.Msg
	}
	return strings.Join(strings.Fields(msg), " ")
}
