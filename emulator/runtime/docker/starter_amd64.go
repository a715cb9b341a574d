package docker

import _ "embed"

// starterGzip is the starter command (starter/) built for linux/amd64, gzipped (make starter).
//
//go:embed starter/bin/start-linux-amd64.gz
var starterGzip []byte

const starterArch = "amd64"
