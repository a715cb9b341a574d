# ironlocal — run `make help` for the targets.
SHELL := /bin/bash
GO ?= go
BIN := bin
export LANG ?= en_US.UTF-8

.PHONY: help run serve build starter app package screenshots test testbin test-short test-gui fuzz bench fixtures deps lint clean image plugins proto release release-daemon release-check third-party

# Every package but the desktop app's main package, which needs cgo (Fyne's
# OpenGL driver): everything else builds and tests with CGO_ENABLED=0.
ROOT_PKG := github.com/ironlocal/ironlocal
PKGS = $(shell $(GO) list ./... | grep -vx '$(ROOT_PKG)')
# SLOW_PKGS hold the suite's longest packages (the release build with its
# cgo cross builds, the Docker runtime, the app's screens, the server's
# end-to-end tests); make test starts them first so they run beside the
# many short ones instead of after them.
SLOW_PKGS := $(addprefix $(ROOT_PKG)/,test/release emulator/runtime/docker app emulator/server tcironlocal test)
TEST_PKGS = $(SLOW_PKGS) $(filter-out $(SLOW_PKGS),$(PKGS))
FYNE_TOOL := fyne.io/tools/cmd/fyne@v1.7.4
FYNE ?= $(GO) run $(FYNE_TOOL)

# VERSION is stamped into the one variable internal/version.Version that
# ironlocald --version, GET /version (server.Version), the app's About box,
# the built-in trigger plugins' Info and the image's
# org.opencontainers.image.version label report. Unset, a build reports the
# module version `go install` recorded, else version.Dev (0.0.0-dev).
VERSION ?=
VERSION_LDFLAGS := $(if $(VERSION),-X github.com/ironlocal/ironlocal/internal/version.Version=$(VERSION))

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

run: ## run ironlocal: the desktop app when a display is available, else the headless daemon (says which)
	@if [ "$$(uname -s)" != Linux ] || [ -n "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then \
		echo "make run: a display is available: starting the desktop app (bin/ironlocal)"; \
		./.ci/deps.sh gui && $(MAKE) --no-print-directory app && $(BIN)/ironlocal $(ARGS); \
	else \
		echo "make run: no display (DISPLAY/WAYLAND_DISPLAY unset): starting the headless daemon (bin/ironlocald)"; \
		$(MAKE) --no-print-directory serve; \
	fi

serve: build plugins ## run the headless daemon ironlocald on 127.0.0.1:4766 with a durable store (and the built-in trigger plugins)
	$(BIN)/ironlocald $(ARGS)

build: ## build bin/ironlocald (static, CGO_ENABLED=0)
	CGO_ENABLED=0 $(GO) build -ldflags '$(VERSION_LDFLAGS)' -o $(BIN)/ironlocald ./emulator/cmd/ironlocald

PLUGINS := upload http redis queue
plugins: ## build the built-in trigger plugins into bin/plugins/ (static, CGO_ENABLED=0), where bin/ironlocald finds them
	CGO_ENABLED=0 $(GO) build -ldflags '$(VERSION_LDFLAGS)' -o $(BIN)/plugins/ $(addprefix ./plugins/,$(PLUGINS))

proto: ## regenerate plugins/sdk's gRPC code from trigger.proto (needs protoc, protoc-gen-go, protoc-gen-go-grpc; the output is committed)
	cd plugins/sdk/internal/pb && protoc --go_out=paths=source_relative:. --go-grpc_out=paths=source_relative:. trigger.proto

STARTER := emulator/runtime/docker/starter
starter: ## rebuild the warm-start task starter embedded in the Docker runtime (static, per engine architecture; the output is committed)
	cd $(STARTER) && for arch in amd64 arm64; do \
	  CGO_ENABLED=0 GOOS=linux GOARCH=$$arch $(GO) build -trimpath -buildvcs=false \
	    -ldflags "-s -w -X main.Source=$$(cat $$(ls *.go | grep -v '_test\.go$$' | LC_ALL=C sort) | sha256sum | cut -c1-64)" -o bin/start-linux-$$arch . || exit 1; \
	  gzip -9nf bin/start-linux-$$arch || exit 1; \
	done

app: ## build the desktop app bin/ironlocal (cgo: needs a C compiler and the GL/X11 headers, see make deps)
	CGO_ENABLED=1 $(GO) build -ldflags '$(VERSION_LDFLAGS)' -o $(BIN)/ironlocal .

package: ## package the desktop app for this OS with fyne package (Linux: a tarball with the .desktop file and icon; macOS: ironlocal.app); VERSION=x.y.z stamps it
	$(if $(VERSION),GOFLAGS=-ldflags=-X=github.com/ironlocal/ironlocal/internal/version.Version=$(VERSION)) $(FYNE) package --release --src . --icon assets/icon.png $(if $(VERSION),--app-version $(VERSION))

screenshots: ## regenerate the desktop app's screenshots (assets/screenshots/*.png, shown in docs/desktop-app.md) from the real app under Xvfb
	@./.ci/deps.sh gui
	IRONLOCAL_SCREENSHOTS=$(CURDIR)/assets/screenshots CGO_ENABLED=0 $(GO) test -count=1 -run TestScreenshots -v ./test/gui

deps: ## check/install what the tests need (Docker engine reachable; apt packages when root)
	@./.ci/deps.sh

lint: ## gofmt, go vet, go mod tidy check
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	CGO_ENABLED=0 $(GO) vet $(PKGS)
	CGO_ENABLED=1 $(GO) vet .
	$(GO) mod tidy -diff

# TESTBIN holds the programs tests run (internal/testbin): built once here
# and shared by every package instead of linked again by each. -parallel 4:
# the Docker cases that wait on the engine overlap four at a time. -timeout
# 45m is per package: on a new machine test/release compiles ironlocald and
# the plugins for six platforms from a cold cache beside the other
# packages, which took 1194 s of its package once (2026-12-07).
TESTBIN ?= $(CURDIR)/$(BIN)/test
testbin: ## build the programs the tests run (ironlocald, the built-in plugins, the SDK's example plugin) into TESTBIN (default bin/test)
	CGO_ENABLED=0 $(GO) build -o $(TESTBIN)/daemon/ ./emulator/cmd/ironlocald
	CGO_ENABLED=0 $(GO) build -o $(TESTBIN)/plugins/ $(addprefix ./plugins/,$(PLUGINS))
	CGO_ENABLED=0 $(GO) build -C plugins/examples/ticker -o $(TESTBIN)/examples/ticker .

test: deps lint fixtures testbin ## install what tests need, then run every test (unit, API, Docker, black-box, GUI screens, Xvfb smoke test of the app) and a short fuzz; prints the ten slowest tests
	set -o pipefail; IRONLOCAL_TEST_BIN=$(TESTBIN) CGO_ENABLED=0 $(GO) test -count=1 -parallel 4 -timeout 45m -json $(TEST_PKGS) | CGO_ENABLED=0 $(GO) run ./internal/cmd/testreport
	$(MAKE) fuzz FUZZTIME=10s

test-gui: ## the desktop app's screen tests and the Xvfb smoke test of the real binary (CI=true: missing tools fail)
	CGO_ENABLED=0 $(GO) test -count=1 ./app ./test/gui

test-short: ## unit and API tests only (no Docker, no black-box)
	CGO_ENABLED=0 $(GO) test -short ./emulator/...

FUZZTIME ?= 30s
fuzz: ## fuzz the HTTP decoders/handlers, the hand-written answer encoders, body decoders, queue-record encoder and journal id lister against encoding/json, and the message codec's round trip, for FUZZTIME each (default 30s)
	CGO_ENABLED=0 $(GO) test -run '^$$' -fuzz FuzzAPI -fuzztime $(FUZZTIME) ./emulator/httpapi
	CGO_ENABLED=0 $(GO) test -run '^$$' -fuzz FuzzAppendJSON -fuzztime $(FUZZTIME) ./wire
	CGO_ENABLED=0 $(GO) test -run '^$$' -fuzz FuzzScanJSON -fuzztime $(FUZZTIME) ./wire
	CGO_ENABLED=0 $(GO) test -run '^$$' -fuzz FuzzAppendQueueJSON -fuzztime $(FUZZTIME) ./emulator/store/badger
	CGO_ENABLED=0 $(GO) test -run '^$$' -fuzz FuzzMessageCodec -fuzztime $(FUZZTIME) ./emulator/store/badger
	CGO_ENABLED=0 $(GO) test -run '^$$' -fuzz FuzzIDsOf -fuzztime $(FUZZTIME) ./emulator/journal

fixtures: ## build the fixture job image(s) locally (FROM scratch, no registry)
	@if docker info >/dev/null 2>&1; then ./fixtures/build.sh; else echo "fixtures: no Docker engine reachable, skipping image build"; fi

IMAGE ?= ironlocal/ironlocal:latest
image: ## build the container image IMAGE (default ironlocal/ironlocal:latest) FROM scratch: nothing pulled; LICENSE and THIRD_PARTY.md in /licenses
	@set -eu; ctx=$$(mktemp -d); trap 'rm -rf "$$ctx"' EXIT; \
	arch=$${GOARCH:-$$(docker version --format '{{.Server.Arch}}')}; \
	CGO_ENABLED=0 GOOS=linux GOARCH=$$arch $(GO) build -trimpath -buildvcs=false -tags timetzdata,grpcnotrace -ldflags='-s -w $(VERSION_LDFLAGS)' \
		-o "$$ctx/linux-$$arch/ironlocald" ./emulator/cmd/ironlocald; \
	mkdir -p "$$ctx/linux-$$arch/plugins"; \
	for p in $(PLUGINS); do ln -s /ironlocald "$$ctx/linux-$$arch/plugins/$$p"; done; \
	cp docker/passwd docker/group "$$ctx/"; mkdir "$$ctx/data" "$$ctx/tmp" "$$ctx/licenses"; \
	cp LICENSE THIRD_PARTY.md "$$ctx/licenses/"; \
	old=$$(docker image inspect --format '{{.Id}}' $(IMAGE) 2>/dev/null || true); \
	version='$(VERSION)'; [ -n "$$version" ] || version=$$(sed -n 's/^const Dev = "\(.*\)"$$/\1/p' internal/version/version.go); \
	docker build --quiet --build-arg TARGETARCH=$$arch --build-arg VERSION="$$version" -f Dockerfile -t $(IMAGE) "$$ctx" >/dev/null; \
	if [ -n "$$old" ] && [ "$$old" != "$$(docker image inspect --format '{{.Id}}' $(IMAGE))" ]; then \
		docker image rm "$$old" >/dev/null 2>&1 || true; fi; \
	echo "built $(IMAGE) (linux/$$arch, version $$version)"

DIST := dist
release: ## build release VERSION=x.y.z into dist/: ironlocald and the plugins for linux/darwin/windows × amd64/arm64 (static, reproducible), the desktop app for linux/amd64 and windows/amd64, archives, SHA256SUMS; then the image ironlocal/ironlocal:VERSION; refuses a VERSION without its section in CHANGELOG.md
	@[ -n "$(VERSION)" ] || { echo "make release: say which version: make release VERSION=x.y.z" >&2; exit 2; }
	@$(GO) run ./internal/cmd/release -version '$(VERSION)' -check
	@./.ci/deps.sh release
	$(GO) run ./internal/cmd/thirdparty -check
	$(GO) run ./internal/cmd/release -version '$(VERSION)' -dist $(DIST) -app -fyne $(FYNE_TOOL)
	@if docker info >/dev/null 2>&1; then $(MAKE) --no-print-directory image IMAGE=ironlocal/ironlocal:$(VERSION) VERSION=$(VERSION); \
	else echo "release: no Docker engine reachable: the image ironlocal/ironlocal:$(VERSION) was not built" >&2; [ "$${IRONLOCAL_REQUIRE_DOCKER:-}" != 1 ]; fi

release-daemon: ## build a daemon-only release VERSION=x.y.z into dist/ for packagers: ironlocald and the plugins for linux/darwin/windows × amd64/arm64 (static, reproducible), archives, SHA256SUMS; no desktop app, no apt packages, no image
	@[ -n "$(VERSION)" ] || { echo "make release-daemon: say which version: make release-daemon VERSION=x.y.z" >&2; exit 2; }
	@$(GO) run ./internal/cmd/release -version '$(VERSION)' -check
	$(GO) run ./internal/cmd/thirdparty -check
	$(GO) run ./internal/cmd/release -version '$(VERSION)' -dist $(DIST)

release-check: ## the release's slow checks (make test runs the others): package the desktop app for linux/amd64 and windows/amd64 (cgo, MinGW) and check the packages
	@./.ci/deps.sh release
	IRONLOCAL_RELEASE_APP=1 CGO_ENABLED=0 $(GO) test -count=1 -timeout 40m -run TestAppPackages -v ./test/release

third-party: ## regenerate THIRD_PARTY.md: the modules the shipped binaries link, with their licences (fails on one an Apache-2.0 release may not ship)
	$(GO) run ./internal/cmd/thirdparty

.PHONY: docs
docs: ## rewrite the generated tables of docs/ (flags, routes) from the code; make test fails when they are stale
	CGO_ENABLED=0 $(GO) run ./internal/cmd/docgen

bench: ## run the benchmark harness and print the results table (BENCH_ARGS=-quick for a short run)
	CGO_ENABLED=0 $(GO) run ./bench/cmd/ironbench $(BENCH_ARGS)

clean: ## remove build output
	rm -rf $(BIN) $(DIST) ironlocal.tar.xz ironlocal.app ironlocal.exe
