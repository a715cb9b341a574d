package docker

import _ "embed"

// starterGzip is the starter command (starter/) built for linux/arm64, gzipped (make starter).
//
//go:embed starter/bin/start-linux-arm64.gz
var starterGzip []byte

const starterArch = "arm64"
