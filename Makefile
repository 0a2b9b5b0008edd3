# gohsm build. `make` builds libgohsm.so and the gohsm CLI.
GO      ?= go
PREFIX  ?= /usr/local
LIB     := libgohsm.so
CLI     := gohsm
FUZZTIME ?= 30s

# Go may be installed in /usr/local/go without being on PATH (a fresh Debian 12).
export PATH := $(PATH):/usr/local/go/bin

.PHONY: all build clean deps demo test fuzz bench FORCE
all: build
build: $(LIB) $(CLI)

# The library exports only the C_* symbols (cexport/exports.map): a c-shared Go
# library would otherwise export the bundled SQLite's sqlite3_* symbols too.
$(LIB): FORCE
	$(GO) build -buildmode=c-shared \
		-ldflags '-extldflags "-Wl,--version-script=$(CURDIR)/cexport/exports.map"' \
		-o $(LIB) ./cexport
	rm -f libgohsm.h

$(CLI): FORCE
	$(GO) build -o $(CLI) ./cmd/gohsm

clean:
	rm -f $(LIB) libgohsm.h $(CLI)
	rm -rf build

# deps installs the Debian packages the build, demo and tests need (apt-get);
# it is quick when they are all there already.
deps:
	scripts/install-deps.sh

# demo: a token, a key pair and a signature made through libgohsm.so with
# pkcs11-tool, verified by openssl.
# (build runs after deps even under make -j: it needs gcc.)
demo: deps
	$(MAKE) build
	scripts/demo.sh $(CURDIR)/$(LIB) $(CURDIR)/$(CLI)

# test runs the whole default suite (what .ci/run runs) and fails if any part fails.
test: deps
	$(MAKE) build
	scripts/test.sh $(CURDIR)/$(LIB) $(CURDIR)/$(CLI)

# fuzz runs every Go fuzz target for FUZZTIME each (make test runs their seed corpora).
fuzz: build
	scripts/fuzz.sh $(FUZZTIME)

# bench compares libgohsm.so with SoftHSMv2 and Go's own crypto (quick run,
# about 5 minutes); `scripts/bench.sh` alone runs the full table (BENCH.md).
BENCHFLAGS ?= -quick
bench: deps build
	scripts/bench.sh $(BENCHFLAGS)
