#!/usr/bin/env bash
# Brings up a current Docker engine (Debian sid's docker.io, 28.x, API 1.51,
# with the containerd image store) beside the host's, so that the tests can
# prove the proxy and sessions against what users run as well as against
# bookworm's 20.10. The host's dockerd, its docker0 bridge and its objects
# are left alone: the second engine is a privileged container on the host
# engine, in that container's own network namespace.
#
#   bash .ci/current-engine.sh        start it (idempotent; seconds when warm)
#   bash .ci/current-engine.sh stop   stop it (its data volume is kept)
#
# Its socket is $SHIPSHAPE_ENGINE2 (default /tmp/shipshape-engine2/docker.sock);
# tests reach it with DOCKER_HOST=unix://$SHIPSHAPE_ENGINE2. Sessions
# bind-mount host paths under /tmp (proxy sockets, workspaces, test temp
# dirs), so the engine's container sees the host's /tmp at the same path.
#
# Nothing is pulled: the engine's root filesystem comes from the Debian mirror
# in this machine's apt configuration (as in images.sh), and shipshape's local
# images are copied from the host engine with docker save | docker load.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=images.sh
source "$repo/.ci/images.sh" # mirror(), and nothing runs when sourced

name=shipshape-engine2
image=shipshape-ci/engine:sid
data=shipshape-engine2-data
# What the engine's root filesystem holds; procps because `docker top` runs
# the engine host's ps. A change here rebuilds the image.
packages=docker.io,ca-certificates,procps
sock=${SHIPSHAPE_ENGINE2:-/tmp/shipshape-engine2/docker.sock}
dir=$(dirname "$sock")
log() { printf 'current-engine: %s\n' "$*" >&2; }
inner() { DOCKER_HOST="unix://$sock" docker "$@"; }

if [ "${1:-}" = stop ]; then
  # A stop, not a kill: dockerd stops its containers and closes containerd's
  # database, so the kept data volume is consistent for the next start.
  docker stop -t 30 "$name" >/dev/null 2>&1 || true
  docker rm -f "$name" >/dev/null 2>&1 || true
  exit 0
fi

# engine_image: a minbase sid root filesystem with $packages, imported once
# and then found by its tag while its package list is the same. Its docker.io
# version is in a label; `docker image rm shipshape-ci/engine:sid` moves on
# to sid's next one.
engine_image() {
  [ "$(docker image inspect -f '{{index .Config.Labels "org.shipshape.packages"}}' "$image" 2>/dev/null)" = "$packages" ] && return 0
  command -v mmdebstrap >/dev/null || { log "needs mmdebstrap (apt-get install mmdebstrap)"; exit 1; }
  log "building $image with mmdebstrap (about a minute)"
  local hooks=""
  tar=$(mktemp --suffix=.tar)
  trap 'rm -f "$tar" "$tar.log"' EXIT
  [ -d /usr/share/mmdebstrap/hooks/merged-usr ] && hooks=--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr
  # Check-Valid-Until: a mirror may be a dated snapshot whose sid Release
  # has expired; the signature is still checked.
  # shellcheck disable=SC2086
  mmdebstrap --quiet --variant=minbase --include="$packages" \
    --aptopt='Acquire::Check-Valid-Until "false"' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' $hooks \
    sid "$tar" "$(mirror)" >"$tar.log" 2>&1 || { cat "$tar.log" >&2; rm -f "$tar" "$tar.log"; exit 1; }
  local version
  version=$(tar -xOf "$tar" ./var/lib/dpkg/status | awk '$1 == "Package:" {p = $2} $1 == "Version:" && p == "docker.io" {v = $2} END {print v}')
  docker import -c "LABEL org.shipshape.engine=docker.io-$version" -c "LABEL org.shipshape.packages=$packages" \
    "$tar" "$image" >/dev/null
  rm -f "$tar" "$tar.log"
}

# The engine's start, run by /bin/sh inside its container. Where the host's
# own capability bounding set lacks one (CAP_SYS_RESOURCE on this machine),
# runc cannot grant --privileged's "all" and refuses; then the container gets
# every capability but that one, no seccomp, AppArmor or masked /proc paths,
# and remounts /sys and its cgroups read-write itself. The inner
# containers' cgroups nest under its own. On cgroup v2 it moves out of the
# root cgroup (which may not hold processes once controllers are delegated)
# and hands every controller down. Then dockerd with the containerd image
# store, as Docker 29 defaults to. Its data root is a volume: overlay on
# overlay would not mount.
# shellcheck disable=SC2016
init='set -e
mount -o remount,rw /sys
for m in $(awk '"'"'$3 == "cgroup" || $3 == "cgroup2" {print $2}'"'"' /proc/mounts); do
  mount -o remount,bind,rw "$m"
done
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  mkdir -p /sys/fs/cgroup/init
  for p in $(cat /sys/fs/cgroup/cgroup.procs); do echo "$p" > /sys/fs/cgroup/init/cgroup.procs 2>/dev/null || true; done
  for c in $(cat /sys/fs/cgroup/cgroup.controllers); do echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true; done
fi
mkdir -p /etc/docker
printf "{\"features\":{\"containerd-snapshotter\":true}}\n" > /etc/docker/daemon.json
rm -f "$SOCK"
exec dockerd --host "unix://$SOCK" --group 0'

start_engine() {
  local want was
  want=$(docker image inspect -f '{{.Id}}' "$image")
  was=$(docker inspect -f '{{.Image}}' "$name" 2>/dev/null || true)
  if [ "$was" = "$want" ] && [ "$(docker inspect -f '{{.State.Running}}' "$name")" = true ] && inner version >/dev/null 2>&1; then
    return 0
  fi
  docker stop -t 30 "$name" >/dev/null 2>&1 || true
  docker rm -f "$name" >/dev/null 2>&1 || true
  # The image this script built before (replaced by a new package list).
  if [ -n "$was" ] && [ "$was" != "$want" ]; then docker image rm "$was" >/dev/null 2>&1 || true; fi
  mkdir -p "$dir"
  log "starting $name ($(docker image inspect -f '{{index .Config.Labels "org.shipshape.engine"}}' "$image"))"
  local priv=(--privileged)
  if ! docker run --rm --privileged "$image" true >/dev/null 2>&1; then
    priv=(--cap-add ALL --cap-drop SYS_RESOURCE --security-opt systempaths=unconfined
      --security-opt seccomp=unconfined --security-opt apparmor=unconfined)
  fi
  # --init: dockerd is no reaper, and as the container's first process
  # it left every containerd-shim that outlived its container a zombie
  # (203 after one verify of the course).
  docker run -d --name "$name" --init "${priv[@]}" \
    --label org.shipshape.ci=engine2 \
    -e SOCK="$sock" \
    -v "$data:/var/lib/docker" \
    -v /tmp:/tmp \
    "$image" /bin/sh -c "$init" >/dev/null
  for _ in $(seq 1 60); do
    inner version >/dev/null 2>&1 && return 0
    [ "$(docker inspect -f '{{.State.Running}}' "$name")" = true ] || break
    sleep 0.5
  done
  log "the engine did not answer on $sock:"
  docker logs --tail 30 "$name" >&2 || true
  exit 1
}

# load_images: the images images.sh builds, copied in when the engine lacks
# them or holds another build of them. The containerd store names an image
# by its manifest, not by the host's ID (its config digest), so a file in
# the data volume records which host ID each tag was loaded from.
load_images() {
  local refs=() ids=() loaded present i
  for i in busybox:latest debian:bookworm python:3.11 nginx:1.22 golang:1.19 redis:7 docker-cli:latest; do
    refs+=("$prefix/$i")
  done
  mapfile -t ids < <(docker image inspect -f '{{.Id}}' "${refs[@]}" 2>/dev/null || true)
  if [ ${#ids[@]} -ne ${#refs[@]} ]; then
    log "the host engine lacks some of ${refs[*]}: run .ci/images.sh first"
    exit 1
  fi
  loaded=$(docker exec "$name" cat /var/lib/docker/shipshape-loaded 2>/dev/null || true)
  present=$(inner image ls --format '{{.Repository}}:{{.Tag}}')
  for i in "${!refs[@]}"; do
    if grep -qxF "${refs[i]}" <<<"$present" && [ "$(awk -v r="${refs[i]}" '$2 == r {id = $1} END {print id}' <<<"$loaded")" = "${ids[i]}" ]; then
      continue
    fi
    log "loading ${refs[i]}"
    docker save "${refs[i]}" | inner load -q >/dev/null
    docker exec "$name" sh -c "echo '${ids[i]} ${refs[i]}' >> /var/lib/docker/shipshape-loaded"
  done
}

t0=$SECONDS
engine_image
start_engine
load_images
log "ready in $((SECONDS - t0))s: $(inner version --format 'engine {{.Server.Version}} (API {{.Server.APIVersion}})') at unix://$sock"
