#!/usr/bin/env bash
# Builds the local base images that the course's examples run on, from Debian
# packages only: no image registry is needed or contacted. Each image is built
# only when it is missing. The Debian mirror is read from this machine's apt
# configuration, never written here.
set -euo pipefail
cd "$(dirname "$0")/.."

have() { docker image inspect "$1" >/dev/null 2>&1; }
log() { printf 'images: %s\n' "$*" >&2; }

mirror() {
  local uri
  uri=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)
  if [ -z "$uri" ]; then
    uri=$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | grep -v security | awk '{print $2}' | head -n1 || true)
  fi
  [ -n "$uri" ] || { log "no Debian mirror found in the apt configuration"; exit 1; }
  printf '%s\n' "$uri"
}

busybox_image() {
  local tag=shipshape/busybox:latest
  have "$tag" && return 0
  log "building $tag from busybox-static"
  local root; root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/root" "$root/proc" "$root/sys" "$root/dev" "$root/work"
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  for app in $(/bin/busybox --list); do
    [ "$app" = busybox ] || ln -s busybox "$root/bin/$app"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
  tar -C "$root" --numeric-owner -c . | docker import \
    -c 'ENV PATH=/bin' -c 'WORKDIR /work' -c 'CMD ["sh"]' \
    -c 'LABEL org.shipshape.base=busybox' - "$tag" >/dev/null
  rm -rf "$root"
}

debian_image() {
  local tag=shipshape/debian:bookworm
  have "$tag" && return 0
  log "building $tag with debootstrap (about a minute)"
  local root; root=$(mktemp -d)
  debootstrap --variant=minbase bookworm "$root" "$(mirror)" >/dev/null
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" --numeric-owner -c . | docker import \
    -c 'CMD ["/bin/bash"]' -c 'LABEL org.shipshape.base=debian' - "$tag" >/dev/null
  rm -rf "$root"
}

# apt_image TAG PACKAGES...: the Debian image plus packages, cleaned in the same layer.
apt_image() {
  local tag=$1; shift
  have "$tag" && return 0
  log "building $tag (+ $*)"
  printf 'FROM shipshape/debian:bookworm\nRUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends %s && apt-get clean && rm -rf /var/lib/apt/lists/*\n' "$*" |
    docker build -q -t "$tag" - >/dev/null
}

# compose_version: the Compose release that the grammar generator's module
# pins, so that the flags `check` knows and the plugin sessions run agree.
compose_version() {
  awk '$1 == "github.com/docker/compose/v5" {print $2; exit}' internal/check/dockercli/gen/go.mod
}

# docker_cli_image: the Debian image plus this host's docker CLI and the real
# Compose CLI plugin (built from its Go module, nothing downloaded but
# modules), for page sessions whose commands drive the engine through
# shipshape's filtering proxy. Rebuilt when the pinned Compose version changes.
docker_cli_image() {
  local tag=shipshape/docker-cli:latest
  local compose; compose=$(compose_version)
  [ -n "$compose" ] || { log "no Compose version in internal/check/dockercli/gen/go.mod"; exit 1; }
  if have "$tag" && [ "$(docker image inspect -f '{{index .Config.Labels "org.shipshape.compose"}}' "$tag")" = "$compose" ]; then
    return 0
  fi
  local cli; cli=$(command -v docker)
  [ -x /usr/bin/docker ] && cli=/usr/bin/docker
  local dir; dir=$(mktemp -d)
  log "building the Compose plugin $compose from its Go module (a few minutes when the module cache is cold)"
  (cd internal/check/dockercli/gen && CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X github.com/docker/compose/v5/internal.Version=$compose" \
    -o "$dir/docker-compose" github.com/docker/compose/v5/cmd)
  log "building $tag with $cli and Compose $compose"
  cp "$cli" "$dir/docker"
  printf '%s\n' 'FROM shipshape/debian:bookworm' \
    'COPY docker /usr/local/bin/docker' \
    'COPY docker-compose /usr/local/lib/docker/cli-plugins/docker-compose' \
    'WORKDIR /work' 'LABEL org.shipshape.base=docker-cli' \
    "LABEL org.shipshape.compose=$compose" 'CMD ["sleep", "infinity"]' > "$dir/Dockerfile"
  docker build -q -t "$tag" "$dir" >/dev/null
  rm -rf "$dir"
}

busybox_image
debian_image
apt_image shipshape/python:3.11 python3
apt_image shipshape/nginx:1.22 nginx-light
apt_image shipshape/golang:1.19 golang-go ca-certificates
apt_image shipshape/redis:7 redis-server
docker_cli_image
log "ready: $(docker image ls --format '{{.Repository}}:{{.Tag}}' 'shipshape/*' | sort | tr '\n' ' ')"
