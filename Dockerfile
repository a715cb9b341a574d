# ironlocal/ironlocal: the headless ironlocal daemon (ironlocald) in an image
# with nothing else in it. No base image is pulled: `make image` builds a
# static binary (CGO_ENABLED=0) on the host and assembles the build context:
#
#   linux-<arch>/ironlocald   the binary, one directory per architecture
#   linux-<arch>/plugins/     the built-in trigger plugins (upload, http, redis, queue):
#                             links to /ironlocald, which serves the plugin it is named as
#   passwd, group             from docker/ (root, nobody, ironlocal=65532)
#   data/                     an empty directory: the store, owned by ironlocal
#   tmp/                      an empty directory: the temp dir, owned by ironlocal
#   licenses/                 LICENSE (ironlocal's, Apache-2.0) and THIRD_PARTY.md (the
#                             licences and notices of the modules linked into ironlocald)
#
# BuildKit sets TARGETARCH per platform (multi-arch builds, see the README);
# the classic builder gets it from `--build-arg TARGETARCH=<arch>`.
FROM scratch
ARG TARGETARCH
# The version stamped into the binary (make image passes it; see the Makefile's VERSION).
ARG VERSION
COPY passwd group /etc/
COPY --chown=65532:65532 data /data
COPY --chown=65532:65532 tmp /tmp
COPY linux-${TARGETARCH}/ironlocald /ironlocald
# The built-in trigger plugins, found next to the binary (/plugins).
COPY linux-${TARGETARCH}/plugins/ /plugins/
# The licences the binary's dependencies (BSD, MIT, MPL …) require to ship with it.
COPY licenses/ /licenses/
USER 65532:65532
WORKDIR /data
ENV HOME=/data
# Task containers (siblings started through a mounted Docker socket) reach the
# daemon through this port; with --docker-network container:self they share
# this container's network and use 127.0.0.1:4766.
EXPOSE 4766
ENTRYPOINT ["/ironlocald"]
CMD ["--listen", "0.0.0.0:4766", "--data-dir", "/data"]
LABEL org.opencontainers.image.title="ironlocal" \
      org.opencontainers.image.description="Local, offline emulator of Iron.io (IronMQ v3, IronWorker v2, IronCache v1)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
