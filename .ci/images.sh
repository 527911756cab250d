#!/usr/bin/env bash
# Builds the local base images that the course's examples run on, from Debian
# packages only: no image registry is needed or contacted. Each image is built
# only when it is missing. The Debian mirror is read from this machine's apt
# configuration, never written here.
set -euo pipefail

# Every timestamp (file times, the image's created date) is this one, so
# that the same Debian package versions give the same image IDs on every
# machine, and results verified on one machine stay valid on the next.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
# SHIPSHAPE_IMAGE_PREFIX builds under other names (to compare two builds).
prefix=${SHIPSHAPE_IMAGE_PREFIX:-shipshape}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

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

# reproducible_tar DIR OUT: DIR as a tar whose bytes depend only on the
# files: sorted names, fixed times and owners.
reproducible_tar() {
  tar -C "$1" --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
    --format=gnu -cf "$2" .
}

# load_layer TAG TAR CONFIG: a one-layer image from a root filesystem tar,
# loaded as an image archive written here, so that its ID (the digest of
# its configuration) depends only on the layer, CONFIG (the JSON of
# Env, Cmd, ...) and SOURCE_DATE_EPOCH. `docker import` would stamp the
# current time into the image and change its ID on every build.
load_layer() {
  local tag=$1 layer=$2 cfg=$3 dir created diff id
  dir=$(mktemp -d)
  ln -s "$(realpath "$layer")" "$dir/layer.tar"
  created=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
  diff=$(sha256sum "$layer" | cut -d' ' -f1)
  printf '{"architecture":"%s","os":"linux","created":"%s","config":%s,"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"%s","created_by":"shipshape .ci/images.sh"}]}' \
    "$(dpkg --print-architecture 2>/dev/null || echo amd64)" "$created" "$cfg" "$diff" "$created" > "$dir/config.json"
  id=$(sha256sum "$dir/config.json" | cut -d' ' -f1)
  mv "$dir/config.json" "$dir/$id.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["layer.tar"]}]' "$id" "$tag" > "$dir/manifest.json"
  tar -C "$dir" --dereference -c manifest.json "$id.json" layer.tar | docker load -q >/dev/null
  rm -rf "$dir"
}

busybox_image() {
  local tag=$prefix/busybox:latest
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
  reproducible_tar "$root" "$root.tar"
  load_layer "$tag" "$root.tar" '{"Env":["PATH=/bin"],"WorkingDir":"/work","Cmd":["sh"],"Labels":{"org.shipshape.base":"busybox"}}'
  rm -rf "$root" "$root.tar"
}

# debian_image TAG BASE PACKAGES...: a minimal Debian bookworm root
# filesystem with PACKAGES, made by mmdebstrap, which with SOURCE_DATE_EPOCH
# writes the same bytes for the same package versions (apt lists and caches
# are left out). Without mmdebstrap: debootstrap and docker import, whose
# image IDs differ on every build.
debian_image() {
  local tag=$1 base=$2; shift 2
  have "$tag" && return 0
  local cfg=${image_cfg:-'{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/bin/bash"],"Labels":{"org.shipshape.base":"'"$base"'"}}'}
  local inc=""
  [ $# -gt 0 ] && inc="--include=$(IFS=,; echo "$*")"
  if command -v mmdebstrap >/dev/null; then
    log "building $tag with mmdebstrap${inc:+ ($inc)}"
    local tar; tar=$(mktemp --suffix=.tar)
    # The merged-usr hook makes the /usr symlinks itself; otherwise the
    # usrmerge package is installed and pulls in perl (47 MB).
    local hooks=""
    [ -d /usr/share/mmdebstrap/hooks/merged-usr ] && hooks=--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr
    # shellcheck disable=SC2086
    mmdebstrap --quiet --variant=minbase $inc $hooks \
      --customize-hook='rm -f "$1"/etc/hostname "$1"/etc/resolv.conf "$1"/var/cache/ldconfig/aux-cache' \
      --customize-hook='find "$1/usr" -name __pycache__ -prune -exec rm -rf {} +' \
      ${image_hook:+--customize-hook="$image_hook"} \
      bookworm "$tar" "$(mirror)" >"$tar.log" 2>&1 || { cat "$tar.log" >&2; exit 1; }
    rm -f "$tar.log"
    load_layer "$tag" "$tar" "$cfg"
    rm -f "$tar"
    return 0
  fi
  if [ "$tag" != "$prefix/debian:bookworm" ]; then
    apt_image "$tag" "$@"
    return 0
  fi
  log "building $tag with debootstrap (about a minute; install mmdebstrap for reproducible IDs)"
  local root; root=$(mktemp -d)
  debootstrap --variant=minbase bookworm "$root" "$(mirror)" >/dev/null
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" --numeric-owner -c . | docker import \
    -c 'CMD ["/bin/bash"]' -c 'LABEL org.shipshape.base=debian' - "$tag" >/dev/null
  rm -rf "$root"
}

# apt_image TAG PACKAGES...: the Debian image plus packages, cleaned in the
# same layer (the fallback without mmdebstrap).
apt_image() {
  local tag=$1; shift
  have "$tag" && return 0
  log "building $tag (+ $*)"
  printf 'FROM %s/debian:bookworm\nRUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends %s && apt-get clean && rm -rf /var/lib/apt/lists/*\n' "$prefix" "$*" |
    docker build -q -t "$tag" - >/dev/null
}

# compose_version: the Compose release that the grammar generator's module
# pins, so that the flags `check` knows and the plugin sessions run agree.
compose_version() {
  awk '$1 == "github.com/docker/compose/v5" {print $2; exit}' "$repo/internal/check/dockercli/gen/go.mod"
}

# buildx_version: the buildx release that .ci/buildx/go.mod pins.
buildx_version() {
  awk '$1 == "github.com/docker/buildx" {print $2; exit}' "$repo/.ci/buildx/go.mod"
}

# docker_cli_image: the Debian image plus this host's docker CLI and the real
# Compose and buildx CLI plugins (built from their Go modules with
# -trimpath, so the same bytes on every machine), for page sessions whose
# commands drive the engine through shipshape's filtering proxy. Rebuilt
# when a pinned version changes (the image's org.shipshape.compose and
# org.shipshape.buildx labels name them).
docker_cli_image() {
  local tag=$prefix/docker-cli:latest
  local compose; compose=$(compose_version)
  [ -n "$compose" ] || { log "no Compose version in internal/check/dockercli/gen/go.mod"; exit 1; }
  local buildx; buildx=$(buildx_version)
  [ -n "$buildx" ] || { log "no buildx version in .ci/buildx/go.mod"; exit 1; }
  local dir; dir=$(mktemp -d)
  # shipshape-relay carries the session's docker CLI to shipshape's proxy
  # (internal/relay); the image is rebuilt when it changes.
  (cd "$repo" && CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags "-s -w" -o "$dir/shipshape-relay" ./cmd/shipshape-relay)
  local relay; relay=$(sha256sum "$dir/shipshape-relay" | cut -c1-16)
  if have "$tag"; then
    if [ "$(docker image inspect -f '{{index .Config.Labels "org.shipshape.compose"}} {{index .Config.Labels "org.shipshape.buildx"}} {{index .Config.Labels "org.shipshape.relay"}}' "$tag")" = "$compose $buildx $relay" ]; then
      rm -rf "$dir"
      return 0
    fi
    # A container still using it keeps the old image, untagged.
    docker image rm "$tag" >/dev/null 2>&1 || docker image rm -f "$tag" >/dev/null
  fi
  local cli; cli=$(command -v docker)
  [ -x /usr/bin/docker ] && cli=/usr/bin/docker
  log "building the Compose plugin $compose from its Go module (a few minutes when the module cache is cold)"
  (cd "$repo/internal/check/dockercli/gen" && CGO_ENABLED=0 go build -trimpath -buildvcs=false \
    -ldflags "-s -w -X github.com/docker/compose/v5/internal.Version=$compose" \
    -o "$dir/docker-compose" github.com/docker/compose/v5/cmd)
  log "building the buildx plugin $buildx from its Go module"
  (cd "$repo/.ci/buildx" && CGO_ENABLED=0 go build -trimpath -buildvcs=false \
    -ldflags "-s -w -X github.com/docker/buildx/version.Version=$buildx" \
    -o "$dir/docker-buildx" github.com/docker/buildx/cmd/buildx)
  cp "$cli" "$dir/docker"
  if command -v mmdebstrap >/dev/null; then
    image_hook="mkdir -p \"\$1/work\" \"\$1/usr/local/lib/docker/cli-plugins\" && cp $dir/docker \"\$1/usr/local/bin/docker\" && cp $dir/docker-compose \"\$1/usr/local/lib/docker/cli-plugins/docker-compose\" && cp $dir/docker-buildx \"\$1/usr/local/lib/docker/cli-plugins/docker-buildx\" && cp $dir/shipshape-relay \"\$1/usr/local/bin/shipshape-relay\"" \
      image_cfg='{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"WorkingDir":"/work","Cmd":["sleep","infinity"],"Labels":{"org.shipshape.base":"docker-cli","org.shipshape.compose":"'"$compose"'","org.shipshape.buildx":"'"$buildx"'","org.shipshape.relay":"'"$relay"'"}}' \
      debian_image "$tag" docker-cli
  else
    log "building $tag with $cli and Compose $compose"
    printf '%s\n' "FROM $prefix/debian:bookworm" \
      'COPY docker /usr/local/bin/docker' \
      'COPY docker-compose /usr/local/lib/docker/cli-plugins/docker-compose' \
      'COPY docker-buildx /usr/local/lib/docker/cli-plugins/docker-buildx' \
      'COPY shipshape-relay /usr/local/bin/shipshape-relay' \
      'WORKDIR /work' 'LABEL org.shipshape.base=docker-cli' \
      "LABEL org.shipshape.compose=$compose" "LABEL org.shipshape.buildx=$buildx" "LABEL org.shipshape.relay=$relay" 'CMD ["sleep", "infinity"]' > "$dir/Dockerfile"
    docker build -q -t "$tag" "$dir" >/dev/null
  fi
  rm -rf "$dir"
}

# Sourced (to build one image, or compare two builds), define only.
[ "${BASH_SOURCE[0]}" = "$0" ] || return 0

busybox_image
debian_image "$prefix/debian:bookworm" debian
debian_image "$prefix/python:3.11" python python3
debian_image "$prefix/nginx:1.22" nginx nginx-light
debian_image "$prefix/golang:1.19" golang golang-go ca-certificates
debian_image "$prefix/redis:7" redis redis-server
docker_cli_image
log "ready: $(docker image ls --format '{{.Repository}}:{{.Tag}} {{.ID}}' "$prefix/*" | sort | tr '\n' ' ')"
