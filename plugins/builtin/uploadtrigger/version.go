package uploadtrigger

import ironversion "github.com/ironlocal/ironlocal/internal/version"

// version is the plugin's Info.Version: the release's (internal/version).
var version = ironversion.Version
