#!/usr/bin/env bash
# Installs (as root) or names (otherwise) what the test suite needs.
set -euo pipefail
APT_PACKAGES=()   # none yet; the GUI issue adds Fyne's cgo packages and Xvfb here

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) == 0 ]]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  else
    echo "deps: run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
command -v go >/dev/null || { echo "deps: Go 1.26+ is required (https://go.dev/dl)" >&2; exit 1; }
if ! docker info >/dev/null 2>&1; then
  if [[ "${IRONLOCAL_REQUIRE_DOCKER:-}" == 1 ]]; then
    echo "deps: IRONLOCAL_REQUIRE_DOCKER=1 but no Docker engine is reachable (DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock})" >&2
    exit 1
  fi
  echo "deps: no Docker engine reachable: Docker tests will skip" >&2
fi
