# Every target is a command a person could type.
GO      ?= go
BIN     := bin/shipshape

.PHONY: build serve test verify check dockercli-spec bench images image lint golden site clean

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
	$(GO) test -count=1 ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

lint:
	$(GO) vet ./... && test -z "$$(gofmt -l .)"

golden:
	$(GO) test ./... -update

clean:
	rm -rf bin public
