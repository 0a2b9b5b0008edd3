# gohsm build. `make` builds libgohsm.so and the gohsm CLI.
GO      ?= go
PREFIX  ?= /usr/local
LIB     := libgohsm.so
CLI     := gohsm

.PHONY: all build clean FORCE
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
