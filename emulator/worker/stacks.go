package worker

import (
	"maps"
	"slices"
)

// LegacyStacks stand for the language stacks Iron.io offered old-style zip
// packages (GET /2/stacks, spec §3.1: "ruby-2.1", "python-2.7", …); the
// list is ironlocal's reconstruction, not a copy of Iron's. A code package
// may name any stack; on the process runtime its runtime's interpreter runs
// it, on Docker the image mapped with --stack-image does.
var LegacyStacks = []string{
	"ruby-1.9", "ruby-2.1", "ruby-2.2", "ruby-2.3",
	"python-2.7", "python-3.2", "python-3.4", "python-3.5",
	"node-0.10", "node-0.12", "node-4", "node-6",
	"php-5.4", "php-5.5", "php-5.6", "php-7.0",
	"java-1.7", "java-1.8",
	"mono-3.6", "mono-4.0",
	"go-1.4", "go-1.5",
	"scala-2.9", "ffmpeg-2.3", "phantomjs-1.9",
}

// Stacks lists the stacks GET /2/stacks answers: the legacy ones plus every
// stack mapped to a local image (--stack-image), sorted.
func (s *Service) Stacks() []string {
	set := map[string]bool{}
	for _, st := range LegacyStacks {
		set[st] = true
	}
	for st := range s.cfg.StackImages {
		set[st] = true
	}
	return slices.Sorted(maps.Keys(set))
}
