// Command http runs ironlocal's built-in http trigger plugin
// (plugins/builtin/httptrigger) as an executable of its own, for a plugins
// directory.
package main

import (
	"github.com/ironlocal/ironlocal/plugins/builtin/httptrigger"
	"github.com/ironlocal/ironlocal/plugins/sdk"
)

func main() { sdk.Serve(httptrigger.New()) }
