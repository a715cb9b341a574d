package bench_test

import (
	"context"
	"errors"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/bench"
	"github.com/ironlocal/ironlocal/emulator/server"
)

func durations(ms ...int) []time.Duration {
	out := make([]time.Duration, len(ms))
	for i, m := range ms {
		out[i] = time.Duration(m) * time.Millisecond
	}
	return out
}

func TestPercentile(t *testing.T) {
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"single p0", durations(7), 0, 7 * time.Millisecond},
		{"single p99", durations(7), 99, 7 * time.Millisecond},
		{"1..100 p50", durations(hundred...), 50, 50 * time.Millisecond},
		{"1..100 p90", durations(hundred...), 90, 90 * time.Millisecond},
		{"1..100 p99", durations(hundred...), 99, 99 * time.Millisecond},
		{"1..100 p100", durations(hundred...), 100, 100 * time.Millisecond},
		{"1..100 p0 is the minimum", durations(hundred...), 0, 1 * time.Millisecond},
		{"nearest rank rounds up", durations(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"nearest rank p51 of 4", durations(1, 2, 3, 4), 51, 3 * time.Millisecond},
		{"odd count median", durations(1, 2, 3, 4, 5), 50, 3 * time.Millisecond},
		{"p above 100 clamps", durations(1, 2, 3), 150, 3 * time.Millisecond},
		{"negative p clamps", durations(1, 2, 3), -5, 1 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := bench.Percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("Percentile(%v, %v) = %v, want %v", tt.sorted, tt.p, got, tt.want)
			}
		})
	}
}

func TestRecorder_Summary(t *testing.T) {
	r := bench.NewRecorder(0)
	for _, ms := range []int{9, 3, 7, 1, 5, 10, 2, 8, 4, 6} { // unsorted on purpose
		r.Add(time.Duration(ms) * time.Millisecond)
	}
	other := bench.NewRecorder(0)
	other.Add(100 * time.Millisecond)
	r.Merge(other)
	got := r.Summary()
	want := bench.Summary{N: 11, P50: 6 * time.Millisecond, P90: 10 * time.Millisecond,
		P99: 100 * time.Millisecond, Max: 100 * time.Millisecond}
	if got != want {
		t.Errorf("Summary() = %+v, want %+v", got, want)
	}
}

func TestMedian_DoesNotReorder(t *testing.T) {
	in := durations(30, 10, 20)
	if got := bench.Median(in); got != 20*time.Millisecond {
		t.Errorf("Median = %v, want 20ms", got)
	}
	if in[0] != 30*time.Millisecond {
		t.Errorf("Median sorted its input: %v", in)
	}
}

func TestGoal(t *testing.T) {
	tests := []struct {
		name        string
		goal        bench.Goal
		v           float64
		wantString  string
		wantVerdict string
		wantFormat  string
	}{
		{"below met", bench.Goal{Cmp: bench.Below, Limit: 150, Unit: "ms"}, 41.23, "< 150 ms", "pass (0.27×)", "41.2 ms"},
		{"below equal misses", bench.Goal{Cmp: bench.Below, Limit: 1, Unit: "s"}, 1, "< 1 s", "MISS (1.00×)", "1.00 s"},
		{"at most equal passes", bench.Goal{Cmp: bench.AtMost, Limit: 2, Unit: "×"}, 2, "≤ 2×", "pass (1.00×)", "2.00×"},
		{"at least met", bench.Goal{Cmp: bench.AtLeast, Limit: 50_000, Unit: "msgs/s"}, 63_149, "≥ 50k msgs/s", "pass (1.26×)", "63.1k msgs/s"},
		{"at least missed", bench.Goal{Cmp: bench.AtLeast, Limit: 20_000, Unit: "ops/s"}, 9_870, "≥ 20k ops/s", "MISS (0.49×)", "9870 ops/s"},
		{"megabytes", bench.Goal{Cmp: bench.Below, Limit: 40, Unit: "MB"}, 23.456, "< 40 MB", "pass (0.59×)", "23.5 MB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.goal.String(); got != tt.wantString {
				t.Errorf("String() = %q, want %q", got, tt.wantString)
			}
			if got := tt.goal.Verdict(tt.v); got != tt.wantVerdict {
				t.Errorf("Verdict(%v) = %q, want %q", tt.v, got, tt.wantVerdict)
			}
			if got := tt.goal.Format(tt.v); got != tt.wantFormat {
				t.Errorf("Format(%v) = %q, want %q", tt.v, got, tt.wantFormat)
			}
		})
	}
}

func TestSig3(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{0, "0.000"}, {0.4821, "0.482"}, {1.5, "1.50"}, {41.23, "41.2"}, {512.4, "512"},
		{9870, "9870"}, {10_000, "10.0k"}, {63_149, "63.1k"}, {250_000, "250k"}, {1_250_000, "1.25M"},
	}
	for _, tt := range tests {
		if got := bench.Sig3(tt.v); got != tt.want {
			t.Errorf("Sig3(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestCompact(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{1, "1"}, {150, "150"}, {1000, "1k"}, {50_000, "50k"}, {100_000, "100k"}, {1_000_000, "1M"},
		{1_500_000, "1.5M"}, {1234, "1234"}, {2.5, "2.5"},
	}
	for _, tt := range tests {
		if got := bench.Compact(tt.v); got != tt.want {
			t.Errorf("Compact(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestTable_Write(t *testing.T) {
	tests := []struct {
		name  string
		table bench.Table
		want  string
	}{
		{
			name: "padded columns with preamble and notes",
			table: bench.Table{
				Preamble: []string{"## title", "2 cores"},
				Columns:  []string{"figure", "target", "measured"},
				Rows: [][]string{
					{"start", "< 150 ms", "41.2 ms"},
					{"post, batches of 100", "≥ 50k msgs/s", "63.1k msgs/s"},
				},
				Notes: []string{"note one"},
			},
			want: "## title\n2 cores\n\n" +
				"| figure               | target       | measured     |\n" +
				"| -------------------- | ------------ | ------------ |\n" +
				"| start                | < 150 ms     | 41.2 ms      |\n" +
				"| post, batches of 100 | ≥ 50k msgs/s | 63.1k msgs/s |\n" +
				"\nnote one\n",
		},
		{
			name: "pipes escaped, newlines flattened, short and long rows",
			table: bench.Table{
				Columns: []string{"a", "b"},
				Rows:    [][]string{{"x|y"}, {"1\n2", "z", "dropped"}},
			},
			want: "| a    | b   |\n" +
				"| ---- | --- |\n" +
				"| x\\|y |     |\n" +
				"| 1 2  | z   |\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := tt.table.Write(&b); err != nil {
				t.Fatalf("Write: %v", err)
			}
			if got := b.String(); got != tt.want {
				t.Errorf("Write() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestParseVmRSS(t *testing.T) {
	tests := []struct {
		name    string
		status  string
		want    int64
		wantErr bool
	}{
		{"present", "Name:\tironlocald\nVmPeak:\t  812 kB\nVmRSS:\t   23456 kB\nThreads:\t9\n", 23456 * 1024, false},
		{"last line without newline", "Name:\tx\nVmRSS:\t12 kB", 12 * 1024, false},
		{"missing", "Name:\tx\nThreads:\t1\n", 0, true},
		{"bad unit", "VmRSS:\t12 MB\n", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := bench.ParseVmRSS([]byte(tt.status))
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("ParseVmRSS = %d, %v; want %d, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestMessagesBody(t *testing.T) {
	got := string(bench.MessagesBody(2, `say "hi"`))
	want := `{"messages":[{"body":"say \"hi\""},{"body":"say \"hi\""}]}`
	if got != want {
		t.Errorf("MessagesBody = %s, want %s", got, want)
	}
	if got, want := string(bench.CacheItemBody("v")), `{"value":"v"}`; got != want {
		t.Errorf("CacheItemBody = %s, want %s", got, want)
	}
}

func TestLoad_Run(t *testing.T) {
	t.Run("op count bound", func(t *testing.T) {
		var calls atomic.Int64
		res, err := bench.Load{Workers: 4, Ops: 1000}.Run(context.Background(), func(context.Context, int) (int, error) {
			calls.Add(1)
			return 3, nil
		})
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		if res.Ops != 1000 || res.Items != 3000 || calls.Load() != 1000 || res.Latency.Len() != 1000 {
			t.Errorf("ops %d, items %d, calls %d, samples %d; want 1000, 3000, 1000, 1000",
				res.Ops, res.Items, calls.Load(), res.Latency.Len())
		}
	})
	t.Run("duration bound", func(t *testing.T) {
		res, err := bench.Load{Workers: 2, Duration: 20 * time.Millisecond}.Run(context.Background(), func(context.Context, int) (int, error) {
			time.Sleep(time.Millisecond)
			return 1, nil
		})
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		if res.Ops == 0 || res.Elapsed < 20*time.Millisecond || res.ItemsPerSec() <= 0 {
			t.Errorf("ops %d, elapsed %v, rate %v", res.Ops, res.Elapsed, res.ItemsPerSec())
		}
	})
	t.Run("ErrDone stops a worker, not the run", func(t *testing.T) {
		var left atomic.Int64
		left.Store(10)
		res, err := bench.Load{Workers: 3, Duration: 10 * time.Second}.Run(context.Background(), func(context.Context, int) (int, error) {
			if left.Add(-1) < 0 {
				return 0, bench.ErrDone
			}
			return 1, nil
		})
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		if !res.Drained || res.Items != 10 {
			t.Errorf("drained %v, items %d; want true, 10", res.Drained, res.Items)
		}
	})
	t.Run("first error stops every worker", func(t *testing.T) {
		boom := errors.New("boom")
		_, err := bench.Load{Workers: 4, Duration: 10 * time.Second}.Run(context.Background(), func(ctx context.Context, w int) (int, error) {
			if w == 0 {
				return 0, boom
			}
			<-ctx.Done()
			return 0, ctx.Err()
		})
		if !errors.Is(err, boom) {
			t.Errorf("Run error = %v, want boom", err)
		}
	})
	t.Run("no bound is refused", func(t *testing.T) {
		if _, err := (bench.Load{Workers: 1}).Run(context.Background(), nil); err == nil {
			t.Error("Run without a bound: want an error")
		}
	})
}

// The micro-benchmarks below run the HTTP path against an in-process,
// in-memory emulator (no subprocess, no disk): useful with -cpuprofile.
// `go test -run=^$ -bench=. ./bench/`

func benchClient(b *testing.B) *bench.Client {
	s := server.RunT(b, server.Options{})
	hc := bench.NewHTTPClient(8)
	b.Cleanup(hc.CloseIdleConnections)
	c, err := bench.NewClient(hc, s.URL(), "000000000000000000000001", "t")
	require.NoError(b, err)
	return c
}

func BenchmarkPostBatch100(b *testing.B) {
	c := benchClient(b)
	payload := bench.MessagesBody(100, strings.Repeat("x", 64))
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := c.PostMessages(ctx, "q", payload); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkSingleCycle is the single figure's op: post one message,
// reserve it, delete it, from parallel clients on one queue.
func BenchmarkSingleCycle(b *testing.B) {
	c := benchClient(b)
	payload := bench.MessagesBody(1, strings.Repeat("x", 64))
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := c.PostMessages(ctx, "single", payload); err != nil {
				b.Error(err)
				return
			}
			msgs, err := c.Reserve(ctx, "single", 1, 60)
			if err != nil || len(msgs) != 1 {
				b.Errorf("reserve: %v, %d messages", err, len(msgs))
				return
			}
			if err := c.DeleteMessage(ctx, "single", msgs[0]); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

func BenchmarkCachePutGet(b *testing.B) {
	c := benchClient(b)
	payload := bench.CacheItemBody(strings.Repeat("x", 64))
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := c.CachePut(ctx, "c", "k", payload); err != nil {
				b.Error(err)
				return
			}
			if err := c.CacheGet(ctx, "c", "k"); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N*2)/b.Elapsed().Seconds(), "ops/s")
}

func BenchmarkRecorderPercentile(b *testing.B) {
	r := bench.NewRecorder(100_000)
	for i := range 100_000 {
		r.Add(time.Duration(i*7919%100_000) * time.Microsecond)
	}
	for b.Loop() {
		r.Add(time.Microsecond) // forces a re-sort, as a fresh run would
		_ = r.Summary()
	}
}

func TestParseContextSwitches(t *testing.T) {
	status := "Name:\tironlocald\nThreads:\t9\nvoluntary_ctxt_switches:\t1500\nnonvoluntary_ctxt_switches:\t42\n"
	got, err := bench.ParseContextSwitches([]byte(status))
	require.NoError(t, err)
	require.Equal(t, int64(1542), got)

	_, err = bench.ParseContextSwitches([]byte("Name:\tx\nvoluntary_ctxt_switches:\t1\n"))
	require.Error(t, err, "one of the two counts is missing")
	_, err = bench.ParseContextSwitches([]byte("voluntary_ctxt_switches:\tmany\nnonvoluntary_ctxt_switches:\t1\n"))
	require.Error(t, err)

	if runtime.GOOS != "linux" {
		return // the counts come from Linux's /proc; the rest above holds anywhere
	}
	self, err := os.ReadFile("/proc/self/status")
	require.NoError(t, err)
	_, err = bench.ParseContextSwitches(self)
	require.NoError(t, err, "this kernel's own status file")
}

func TestParseStatCPU(t *testing.T) {
	tests := []struct {
		name    string
		stat    string
		want    time.Duration
		wantErr bool
	}{
		{"plain", "4242 (ironlocald) S 1 4242 4242 0 -1 4194560 1234 0 0 0 150 25 0 0 20 0 9 0", 1750 * time.Millisecond, false},
		{"name with spaces and parens", "7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0", 70 * time.Millisecond, false},
		{"truncated", "7 (x) R 1 7", 0, true},
		{"no name", "garbage", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := bench.ParseStatCPU([]byte(tt.stat))
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("ParseStatCPU = %v, %v; want %v, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}
