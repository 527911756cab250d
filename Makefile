# Every target is a command a person could type.
GO      ?= go
BIN     := bin/shipshape

.PHONY: build serve test test-remote test-current-engine verify check dockercli-spec bench bench-build images image lint golden site clean

build:
	$(GO) build -o $(BIN) ./cmd/shipshape

site: build
	$(BIN) build

serve: build
	$(BIN) serve

verify: build
	$(BIN) verify

check: build
	$(BIN) check

# regenerate the docker CLI grammar from docker/cli (a separate module)
dockercli-spec:
	cd internal/check/dockercli/gen && $(GO) run . > ../spec.json

images:
	bash .ci/images.sh

image:
	bash .ci/site-image.sh

# make test also runs test-current-engine when that engine is up (CI starts
# it; without it, CI=true fails, and a developer's run verifies the course
# from a container on the host engine instead)
test:
	$(GO) test -count=1 -timeout 30m ./...
	@if DOCKER_HOST=unix://$(ENGINE2) docker version >/dev/null 2>&1; then $(MAKE) --no-print-directory test-current-engine; \
	elif [ "$$CI" = true ]; then echo "CI=true: no current engine at $(ENGINE2) (bash .ci/current-engine.sh)" >&2; exit 1; \
	else echo "make test: no current engine at $(ENGINE2) (bash .ci/current-engine.sh starts one)"; $(MAKE) --no-print-directory test-remote; fi

# the whole course verified by shipshape in a container that has only the
# engine's socket: sessions work without a path shared with the engine
test-remote:
	bash .ci/verify-in-container.sh

# A current Docker engine beside the host's (.ci/current-engine.sh): the
# proxy's and runner's engine tests again, and the whole course verified on
# it by shipshape in a container holding only that engine's socket (so also
# with no path shared). Its own run dir: claims of names are per machine,
# and the two engines' namespaces are not shared.
ENGINE2  ?= /tmp/shipshape-engine2/docker.sock
ON_E2    := DOCKER_HOST=unix://$(ENGINE2) SHIPSHAPE_RUN_DIR=/tmp/shipshape-runs-engine2

test-current-engine: build
	SHIPSHAPE_ENGINE2=$(ENGINE2) bash .ci/current-engine.sh
	$(ON_E2) SHIPSHAPE_EXPECT_BUILDKIT_BOUND=1 $(GO) test -count=1 -timeout 30m -skip TestVerifyUnderUsernsRemap ./internal/proxy/... ./internal/runner/...
	DOCKER_HOST=unix://$(ENGINE2) bash .ci/verify-in-container.sh

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# a 1000-page synthetic course, and the CLI build timed over it with hyperfine
bench-build: build
	$(GO) run ./internal/corpus/gen -n 1000 -o /tmp/shipshape-corpus
	hyperfine -w 1 -r 5 '$(BIN) build --source /tmp/shipshape-corpus/content --out /tmp/shipshape-corpus/public --no-link-errors'

ACTIONLINT ?= github.com/rhysd/actionlint/cmd/actionlint@v1.7.12

lint:
	$(GO) vet ./... && test -z "$$(gofmt -l .)" && $(GO) run $(ACTIONLINT) .github/workflows/*.yml

golden:
	$(GO) test ./... -update

clean:
	rm -rf bin public
