package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseEpochRealtime(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"1712345678.123456", time.Unix(1712345678, 123456000), false},
		{"1712345678,123456\n", time.Unix(1712345678, 123456000), false}, // a locale with a decimal comma
		{"1712345678", time.Unix(1712345678, 0), false},
		{"1712345678.1234567891", time.Unix(1712345678, 123456789), false},
		{"", time.Time{}, true},
		{"1712345678.x", time.Time{}, true},
		{"-1.5", time.Time{}, true},
	}
	for _, tt := range tests {
		got, err := parseEpochRealtime(tt.in)
		if (err != nil) != tt.wantErr || !got.Equal(tt.want) {
			t.Errorf("parseEpochRealtime(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestDispatchOrder(t *testing.T) {
	tests := []struct {
		name  string
		prios []int
		n     int
		want  []int
	}{
		{"priority first, then FIFO", []int{0, 2, 1, 2, 0, 1}, 6, []int{1, 3, 2, 5, 0, 4}},
		{"first n only", []int{0, 2, 1, 2, 0, 1}, 3, []int{1, 3, 2}},
		{"n above the count", []int{1, 0}, 5, []int{0, 1}},
		{"empty", nil, 3, []int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := dispatchOrder(tt.prios, tt.n); !slices.Equal(got, tt.want) {
				t.Errorf("dispatchOrder(%v, %d) = %v, want %v", tt.prios, tt.n, got, tt.want)
			}
		})
	}
}

func TestTaskListPriorities(t *testing.T) {
	p := taskListPriorities(10_000)
	count := map[int]int{}
	for _, v := range p {
		count[v]++
	}
	if count[2] != 20 || count[1] != 20 || count[0] != 9960 {
		t.Errorf("priority counts %v, want 20 × 2, 20 × 1, 9960 × 0", count)
	}
	// The first 50 to start cross every level: 20 of priority 2, 20 of 1, 10 of 0.
	first := dispatchOrder(p, 50)
	if p[first[19]] != 2 || p[first[20]] != 1 || p[first[39]] != 1 || p[first[40]] != 0 || first[40] != 0 {
		t.Errorf("first 50 in dispatch order: %v", first)
	}
}

func TestSpreadTimes(t *testing.T) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	got := spreadTimes(base, 5*time.Second, 1000)
	if len(got) != 1000 || !got[0].Equal(base) || got[1].Sub(got[0]) != 5*time.Millisecond ||
		!got[999].Equal(base.Add(4995*time.Millisecond)) {
		t.Errorf("spreadTimes: first %v, second %v, last %v", got[0], got[1], got[len(got)-1])
	}
}

func TestAgeAndSignedMS(t *testing.T) {
	for d, want := range map[time.Duration]string{
		40 * time.Second: "40s", 12 * time.Minute: "12m", 3 * time.Hour: "3h", 5 * 24 * time.Hour: "5d",
	} {
		if got := age(d); got != want {
			t.Errorf("age(%v) = %q, want %q", d, got, want)
		}
	}
	if got := signedMS(27 * time.Millisecond); got != "+27.0 ms" {
		t.Errorf("signedMS(27ms) = %q", got)
	}
	if got := signedMS(-3100 * time.Microsecond); got != "−3.10 ms" {
		t.Errorf("signedMS(-3.1ms) = %q", got)
	}
}

func TestUniformPPM(t *testing.T) {
	ppm := func(px ...byte) []byte { return append([]byte("P6\n2 1\n255\n"), px...) }
	for _, tc := range []struct {
		name    string
		in      []byte
		want    bool
		wantErr bool
	}{
		{"one colour", ppm(0, 0, 0, 0, 0, 0), true, false},
		{"two colours", ppm(0, 0, 0, 0, 0, 1), false, false},
		{"a comment-free header with other spacing", []byte("P6 2 1 255\n\x01\x02\x03\x01\x02\x03"), true, false},
		{"short", ppm(0, 0, 0), false, true},
		{"not a PPM", []byte("\x89PNG"), false, true},
	} {
		got, err := uniformPPM(tc.in)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("%s: uniformPPM = %v, %v; want %v, error %v", tc.name, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestAppFiguresSkipWithoutXTools(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no Xvfb, xdotool, import or gcc
	for _, fig := range []func(context.Context, *env) (outcome, error){figAppStart, figAppRSS, figAppUI} {
		out, err := fig(context.Background(), &env{})
		if err != nil || !strings.Contains(out.skip, "Xvfb not found") || !strings.Contains(out.skip, "deps.sh gui") {
			t.Errorf("outcome %+v, error %v; want skipped for want of Xvfb, saying how to install it", out, err)
		}
	}
}
