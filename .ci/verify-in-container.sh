#!/usr/bin/env bash
# Verifies the whole course with shipshape inside a container that has only
# the engine's socket and a copy of the project: no path of this machine
# is shared with the engine, as with an engine on another machine
# (DOCKER_HOST=tcp://…, a forwarded socket, a CI service). Page sessions then work
# only through the API: their folder is a volume written through it, and
# their docker CLI reaches shipshape's proxy through the relay.
#
# Usage: .ci/verify-in-container.sh [verify flags]   (default: --force -j 4)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
sock=/var/run/docker.sock
case "${DOCKER_HOST:-}" in
  "") ;;
  unix://*) sock=${DOCKER_HOST#unix://} ;;
  *) echo "verify-in-container: needs the engine's unix socket on this machine (DOCKER_HOST=$DOCKER_HOST)" >&2; exit 2 ;;
esac
if ! docker info >/dev/null 2>&1; then
  [ "${CI:-}" = true ] && { echo "verify-in-container: no Docker engine answers (needed in CI)" >&2; exit 1; }
  echo "verify-in-container: skipped, no Docker engine answers"
  exit 0
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
CGO_ENABLED=0 go build -trimpath -o "$dir/shipshape" ./cmd/shipshape
mkdir "$dir/site"
cp -r content examples shipshape.toml "$dir/site/"
rm -f "$dir/site/content/.shipshape-results.json"
# Pages with network=bridge need a firewall rule on the engine's host,
# which a container with its own network cannot add: let them run.
sed -i '/^\[verify\]/a allow_host = true' "$dir/site/shipshape.toml"
grep -q '^allow_host = true' "$dir/site/shipshape.toml" || printf '\n[verify]\nallow_host = true\n' >>"$dir/site/shipshape.toml"
printf '%s\n' 'FROM shipshape/debian:bookworm' 'COPY shipshape /usr/local/bin/shipshape' 'COPY site /site' \
  'WORKDIR /site' 'ENTRYPOINT ["shipshape"]' >"$dir/Dockerfile"
tag=shipshape/verifier:local
DOCKER_BUILDKIT=0 docker build -q -t "$tag" "$dir" >/dev/null
trap 'rm -rf "$dir"; docker rm -f shipshape-verifier >/dev/null 2>&1 || true; docker image rm "$tag" >/dev/null 2>&1 || true' EXIT
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--force -j 4)
echo "verify-in-container: shipshape verify ${args[*]} (only $sock mounted)"
docker run --rm --name shipshape-verifier -v "$sock:/var/run/docker.sock" "$tag" verify "${args[@]}"
