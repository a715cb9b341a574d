package main

import (
	"slices"
	"testing"

	"github.com/ironlocal/ironlocal/bench"
)

func TestFigures_NamesUniqueAndComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range figures {
		if f.name == "" || f.title == "" || f.run == nil || f.goal.Unit == "" {
			t.Errorf("figure %q is incomplete: %+v", f.name, f)
		}
		if seen[f.name] {
			t.Errorf("figure name %q used twice", f.name)
		}
		seen[f.name] = true
	}
}

func TestSelectFigures(t *testing.T) {
	tests := []struct {
		name    string
		only    string
		want    []string
		wantErr bool
	}{
		{"all by default", "", figureNames(), false},
		{"table order kept", "cache, post", []string{"post", "cache"}, false},
		{"duplicates and empties ignored", "rss,,rss", []string{"rss"}, false},
		{"unknown name", "post,nope", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := selectFigures(tt.only)
			if (err != nil) != tt.wantErr {
				t.Fatalf("selectFigures(%q) error = %v, want error %v", tt.only, err, tt.wantErr)
			}
			var names []string
			for _, f := range got {
				names = append(names, f.name)
			}
			if !slices.Equal(names, tt.want) {
				t.Errorf("selectFigures(%q) = %v, want %v", tt.only, names, tt.want)
			}
		})
	}
}

func TestEnv_Title(t *testing.T) {
	e := &env{workers: 8, depth: 100_000}
	if got, want := e.title("reserve p50 at {depth} deep, {workers} clients"), "reserve p50 at 100k deep, 8 clients"; got != want {
		t.Errorf("title = %q, want %q", got, want)
	}
	if got, want := thousands(1_000_000), "1,000,000"; got != want {
		t.Errorf("thousands = %q, want %q", got, want)
	}
}

func TestCeilingCell(t *testing.T) {
	f := figure{goal: bench.Goal{Cmp: bench.AtLeast, Limit: 5000, Unit: "msgs/s"}, share: 0.35}
	if got := ceilingCell(f, outcome{value: 4000}); got != "—" {
		t.Errorf("no ceiling measured: got %q, want —", got)
	}
	got := ceilingCell(f, outcome{value: 4000, ceiling: &ceiling{rate: 10_000, detail: "d"}})
	if want := "0.40 of 10.0k msgs/s (goal ≥ 0.35: pass; bare d)"; got != want {
		t.Errorf("ceilingCell = %q, want %q", got, want)
	}
	got = ceilingCell(f, outcome{value: 3000, ceiling: &ceiling{rate: 10_000, detail: "d"}})
	if want := "0.30 of 10.0k msgs/s (goal ≥ 0.35: MISS; bare d)"; got != want {
		t.Errorf("ceilingCell = %q, want %q", got, want)
	}
	// With -floor the store floor follows, the verdict still the ceiling's.
	got = ceilingCell(f, outcome{value: 3000, ceiling: &ceiling{rate: 10_000, detail: "d", floor: 8000, floorDetail: "fd"}})
	if want := "0.30 of 10.0k msgs/s (goal ≥ 0.35: MISS; bare d); store floor 8000 msgs/s, 0.80 of the ceiling, ironlocal 0.38 of it (floor fd)"; got != want {
		t.Errorf("ceilingCell with a floor = %q, want %q", got, want)
	}
}
