// Command redis runs ironlocal's built-in redis trigger plugin
// (plugins/builtin/redistrigger) as an executable of its own, for a plugins
// directory.
package main

import (
	"github.com/ironlocal/ironlocal/plugins/builtin/redistrigger"
	"github.com/ironlocal/ironlocal/plugins/sdk"
)

func main() { sdk.Serve(redistrigger.New()) }
