// Command docgen rewrites the generated tables of docs/ (the daemon's flags
// in docs/configuration.md, the HTTP routes in docs/control-plane.md) from
// the code: `make docs`. With -check it changes nothing and exits 1 when a
// page is stale.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/ironlocal/ironlocal/internal/docgen"
)

func main() {
	check := flag.Bool("check", false, "change nothing; exit 1 when a generated table is stale")
	flag.Parse()
	root, err := docgen.ModuleRoot(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, "docgen:", err)
		os.Exit(1)
	}
	stale, err := docgen.Update(root, !*check)
	if err != nil {
		fmt.Fprintln(os.Stderr, "docgen:", err)
		os.Exit(1)
	}
	for _, p := range stale {
		if *check {
			fmt.Printf("%s is stale: run make docs\n", p)
		} else {
			fmt.Printf("rewrote %s\n", p)
		}
	}
	if *check && len(stale) > 0 {
		os.Exit(1)
	}
}
