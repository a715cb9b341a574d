package docker

import _ "embed"

// starterGzip is starter/main.go built for linux/amd64, gzipped (make starter).
//
//go:embed starter/bin/start-linux-amd64.gz
var starterGzip []byte

const starterArch = "amd64"
