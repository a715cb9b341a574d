package journal_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator/journal"
)

func TestJournal_boundsAndBegin(t *testing.T) {
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	j := journal.New(3, 0)
	j.Begin(at, true, "/seed.json")
	for i := range 5 {
		j.Add(journal.Entry{Method: "POST", Path: "/x", Body: []byte{byte('a' + i)}})
	}
	info, entries := j.Read()
	require.Equal(t, journal.Info{StartedAt: at, Clean: true, SeedFile: "/seed.json", Dropped: 2}, info)
	require.Len(t, entries, 3)
	require.Equal(t, []uint64{3, 4, 5}, []uint64{entries[0].Seq, entries[1].Seq, entries[2].Seq})
	require.Equal(t, "c", string(entries[0].Body))

	// By bytes: one big entry pushes the others out, but itself stays.
	small := journal.New(100, 1000)
	small.Begin(at, true, "")
	small.Add(journal.Entry{Body: make([]byte, 100)})
	small.Add(journal.Entry{Body: make([]byte, 5000)})
	info, entries = small.Read()
	require.Len(t, entries, 1)
	require.EqualValues(t, 1, info.Dropped)

	j.Begin(at.Add(time.Hour), false, "")
	info, entries = j.Read()
	require.Empty(t, entries)
	require.False(t, info.Clean)
	require.Zero(t, info.Dropped)
	require.False(t, j.Recording(), "a journal it could not export keeps nothing")
	j.Add(journal.Entry{Path: "/x"})
	_, entries = j.Read()
	require.Empty(t, entries)

	off := journal.New(-1, 0)
	off.Add(journal.Entry{})
	_, entries = off.Read()
	require.Empty(t, entries)
	require.False(t, off.Enabled())
}

// The ring wraps: after many more adds than it holds, it holds the last
// ones in order.
func TestJournal_wraps(t *testing.T) {
	j := journal.New(100, 0)
	j.Begin(time.Now(), true, "")
	for i := range 1000 {
		j.Add(journal.Entry{Path: string(rune('a' + i%26))})
	}
	info, entries := j.Read()
	require.EqualValues(t, 900, info.Dropped)
	require.Len(t, entries, 100)
	for i, e := range entries {
		require.EqualValues(t, 901+i, e.Seq)
	}
}

func BenchmarkJournal_AddFull(b *testing.B) {
	j := journal.New(journal.DefaultMaxEntries, 0)
	j.Begin(time.Now(), true, "")
	body := make([]byte, 200)
	for b.Loop() {
		j.Add(journal.Entry{Method: "POST", Path: "/3/projects/p/queues/q/messages", Body: body})
	}
}

func TestIDsOf(t *testing.T) {
	require.Equal(t, []string{"m1", "m2"}, journal.IDsOf([]byte(`{"ids":["m1","m2"],"msg":"Messages put on queue."}`)))
	require.Equal(t, []string{"7", "r7", "8", "r8"}, journal.IDsOf([]byte(
		`{"messages":[{"reservation_id":"r7","id":"7","body":"{\"id\":\"not this\"}"},{"id":"8","reservation_id":"r8"}]}`)),
		"objects in key order, whatever order the bytes hold")
	require.Equal(t, []string{"e1", "t1"}, journal.IDsOf([]byte(`{"task_id":"t1","id":"e1","binding_id":"b"}`)))
	require.Nil(t, journal.IDsOf([]byte(`not json`)))
	require.Nil(t, journal.IDsOf([]byte(`{"msg":"Deleted"}`)))
	require.Equal(t, []string{"x"}, journal.IDsOf([]byte(`{"tasks":[{"id":"x"}]}`)), "an id key at any depth")
}

// IDsFrom lists a short answer's ids when the entry is first read, a long
// one's at once; either way a read sees the ids IDsOf lists, and the byte
// bound holds.
func TestEntry_IDsFrom(t *testing.T) {
	short := []byte(`{"messages":[{"reservation_id":"r7","id":"7","body":"b"}]}`)
	long := []byte(`{"ids":["` + strings.Repeat("x", 2000) + `"],"msg":"Messages put on queue."}`)
	j := journal.New(10, 0)
	j.Begin(time.Now(), true, "")
	for _, answer := range [][]byte{short, long, []byte(`{"msg":"Deleted"}`)} {
		e := journal.Entry{Method: "POST", Path: "/x"}
		e.IDsFrom(answer)
		j.Add(e)
	}
	short[len(short)-5] = 'X' // the journal keeps its own copy
	// The second read finds the ids the first listed.
	for range 2 {
		_, entries := j.Read()
		require.Len(t, entries, 3)
		require.Equal(t, []string{"7", "r7"}, entries[0].IDs)
		require.Equal(t, []string{strings.Repeat("x", 2000)}, entries[1].IDs)
		require.Nil(t, entries[2].IDs)
	}

	// Bytes are counted for the kept answer, then for the listed ids.
	info, entries := keptAnswers(600, short).Read()
	require.EqualValues(t, 1, info.Dropped, "three kept answers are over 600 bytes")
	require.Len(t, entries, 2)

	// Listed ids can count for more than the answer they came from: the
	// read that lists them drops the oldest entries to keep the bound.
	// 61 ids in 253 bytes: three kept answers fit in 1500, two listings do not.
	many := []byte(`{"ids":["` + strings.Repeat(`a","`, 60) + `a"]}`)
	info, entries = keptAnswers(1500, many).Read()
	require.Len(t, entries, 1, "an entry's 61 listed ids count 61*17 bytes")
	require.EqualValues(t, 2, info.Dropped)
	require.Len(t, entries[0].IDs, 61)
	require.EqualValues(t, 3, entries[0].Seq, "the newest stays")
}

// keptAnswers is a journal of at most maxBytes holding three entries that
// each kept answer to list its ids when first read (IDsFrom).
func keptAnswers(maxBytes int, answer []byte) *journal.Journal {
	j := journal.New(100, maxBytes)
	j.Begin(time.Now(), true, "")
	for range 3 {
		e := journal.Entry{Path: "/x"}
		e.IDsFrom(answer)
		j.Add(e)
	}
	return j
}
