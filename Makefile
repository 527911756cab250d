# Every target is a command a person could type.
GO      ?= go
BIN     := bin/shipshape

.PHONY: build serve test test-remote verify check dockercli-spec bench bench-build images image lint golden site clean

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

test:
	$(GO) test -count=1 -timeout 30m ./...
	$(MAKE) test-remote

# the whole course verified by shipshape in a container that has only the
# engine's socket: sessions work without a path shared with the engine
test-remote:
	bash .ci/verify-in-container.sh

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
