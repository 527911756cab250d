#!/usr/bin/env bash
# Builds the site image from the root Dockerfile without any registry, then
# smoke-tests it: runs it read-only and asks its health check.
#
#   .ci/site-image.sh [tag]        (default shipshape/site:latest)
#
# The build stage needs Go 1.26: a local image shipshape/go:local is made
# from this machine's Go toolchain on top of shipshape/debian:bookworm
# (.ci/images.sh), and the build context gets vendored modules from the
# local module cache, so nothing is downloaded.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tag=${1:-shipshape/site:latest}
goimg=shipshape/go:local
work=$(mktemp -d)
name=shipshape-site-smoke-$$
cleanup() { docker rm -f "$name" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

if ! docker image inspect "$goimg" >/dev/null 2>&1; then
  echo "site-image: making $goimg from $(go env GOROOT)" >&2
  mkdir "$work/go-image"
  cp -a "$(go env GOROOT)" "$work/go-image/go"
  printf 'FROM shipshape/debian:bookworm\nCOPY go /usr/local/go\nENV PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n' \
    > "$work/go-image/Dockerfile"
  docker build -q -t "$goimg" "$work/go-image" >/dev/null
  rm -rf "$work/go-image"
fi

echo "site-image: build context with vendored modules" >&2
mkdir "$work/ctx"
(cd "$root" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -c) | tar -x -C "$work/ctx"
# Modules come from the module cache, or the Go module proxy for those no
# build on this machine needed yet (Windows-only ones such as go-winio).
(cd "$work/ctx" && GOFLAGS=-mod=mod go mod vendor)

docker build --build-arg GO_IMAGE="$goimg" -t "$tag" "$work/ctx"
# the build stage is no ancestor of the final image: prune its images now
docker image prune -f --filter label=org.shipshape.stage=build >/dev/null

echo "site-image: smoke test" >&2
docker run -d --read-only --name "$name" "$tag" >/dev/null
for _ in $(seq 1 50); do
  if docker exec "$name" /shipshape health http://127.0.0.1:8080/ >/dev/null 2>&1; then
    user=$(docker inspect --format '{{.Config.User}}' "$tag")
    size=$(docker image inspect --format '{{.Size}}' "$tag")
    echo "site-image: $tag serves its site read-only as user $user ($((size / 1000000)) MB)" >&2
    exit 0
  fi
  sleep 0.2
done
docker logs "$name" >&2 || true
echo "site-image: $tag did not answer its health check" >&2
exit 1
