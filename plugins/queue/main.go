// Command queue runs ironlocal's built-in queue trigger plugin
// (plugins/builtin/queuetrigger) as an executable of its own, for a plugins
// directory.
package main

import (
	"github.com/ironlocal/ironlocal/plugins/builtin/queuetrigger"
	"github.com/ironlocal/ironlocal/plugins/sdk"
)

func main() { sdk.Serve(queuetrigger.New()) }
