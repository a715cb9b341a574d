package docker

import _ "embed"

// starterGzip is starter/main.go built for linux/arm64, gzipped (make starter).
//
//go:embed starter/bin/start-linux-arm64.gz
var starterGzip []byte

const starterArch = "arm64"
