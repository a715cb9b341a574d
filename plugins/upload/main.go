// Command upload runs ironlocal's built-in upload trigger plugin
// (plugins/builtin/uploadtrigger) as an executable of its own, for a plugins
// directory.
package main

import (
	"github.com/ironlocal/ironlocal/plugins/builtin/uploadtrigger"
	"github.com/ironlocal/ironlocal/plugins/sdk"
)

func main() { sdk.Serve(uploadtrigger.New()) }
