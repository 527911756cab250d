# The course site in a minimal image: build the binary, build the site with
# it, then serve the result with `shipshape serve --static` from scratch.
#
#   docker build -t shipshape/site .
#   docker run --rm -p 8080:8080 --read-only shipshape/site
#
# GO_IMAGE is any image with Go 1.26 on PATH. Without network access, build
# from a context with vendored modules and a local Go image; the README's
# "Site" section shows how.
ARG GO_IMAGE=golang:1.26-bookworm

FROM ${GO_IMAGE} AS build
# marks the build stage's images, so that they can be pruned after the build
LABEL org.shipshape.stage=build
WORKDIR /src
ENV CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-trimpath
COPY go.mod go.sum ./
COPY . .
RUN go build -ldflags "-s -w" -o /out/shipshape ./cmd/shipshape
# the site itself: fails the image build on content errors or broken links
RUN /out/shipshape build --out /out/public
RUN mkdir -p /out/etc && \
    echo 'shipshape:x:65532:65532:shipshape:/:/shipshape' > /out/etc/passwd && \
    echo 'shipshape:x:65532:' > /out/etc/group

FROM scratch
COPY --from=build /out/etc/ /etc/
COPY --from=build /out/shipshape /shipshape
COPY --from=build --chown=65532:65532 /out/public /public
USER 65532:65532
WORKDIR /
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 \
    CMD ["/shipshape", "health", "http://127.0.0.1:8080/"]
ENTRYPOINT ["/shipshape", "serve", "--static", "--out", "/public", "--bind", "0.0.0.0", "--port", "8080"]
