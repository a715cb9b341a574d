#!/usr/bin/env bash
# Installs (as root) or names (otherwise) what the test suite needs.
set -euo pipefail
# The desktop app (Fyne, cgo): a C compiler and the OpenGL/X11 headers; its
# smoke test and `make screenshots`: Xvfb, xdotool and ImageMagick's import.
APT_PACKAGES=(gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev
  libxi-dev libxxf86vm-dev xvfb xauth xdotool imagemagick)
# Other systems bring their own (macOS: Xcode command line tools; Windows: a
# gcc such as MSYS2's, see the README).
if [[ $(uname -s) != Linux ]] || ! command -v dpkg >/dev/null; then APT_PACKAGES=(); fi
# `deps.sh gui` (make run, make screenshots) checks only these;
# `deps.sh release` (make release, make release-check) adds the MinGW-w64
# cross compiler the Windows desktop app is built with, and xz for fyne's
# Linux tarball.
GUI_ONLY=false
[[ "${1:-}" == gui ]] && GUI_ONLY=true
if [[ "${1:-}" == release ]]; then
  GUI_ONLY=true
  ((${#APT_PACKAGES[@]})) && APT_PACKAGES+=(gcc-mingw-w64-x86-64 xz-utils)
fi
# The full test run adds what its tests run: the runnable docs examples and
# the copy-as-code tests use curl and python3.
if ! $GUI_ONLY && ((${#APT_PACKAGES[@]})); then APT_PACKAGES+=(curl python3); fi

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
$GUI_ONLY && exit 0
command -v go >/dev/null || { echo "deps: Go 1.26+ is required (https://go.dev/dl)" >&2; exit 1; }
if ! docker info >/dev/null 2>&1; then
  if [[ "${IRONLOCAL_REQUIRE_DOCKER:-}" == 1 ]]; then
    echo "deps: IRONLOCAL_REQUIRE_DOCKER=1 but no Docker engine is reachable (DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock})" >&2
    exit 1
  fi
  echo "deps: no Docker engine reachable: Docker tests will skip" >&2
fi
