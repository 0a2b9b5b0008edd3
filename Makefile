# gohsm build. `make` builds libgohsm.so and the gohsm CLI.
GO      ?= go
PREFIX  ?= /usr/local
LIB     := libgohsm.so
CLI     := gohsm
FUZZTIME ?= 30s

# Go may be installed in /usr/local/go without being on PATH (a fresh Debian 12).
export PATH := $(PATH):/usr/local/go/bin

.PHONY: all build clean deps demo test e2e fuzz bench install uninstall FORCE
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

# e2e runs the real-client examples alone (NGINX, Apache, OpenSSL, Java, NSS,
# GnuTLS, p11-kit, pkcs11-tool, Oracle TDE's pattern, make install); make test runs them too.
e2e: deps
	$(MAKE) build
	scripts/e2e.sh $(CURDIR)/$(LIB)

# fuzz runs every Go fuzz target for FUZZTIME each (make test runs their seed corpora).
fuzz: build
	scripts/fuzz.sh $(FUZZTIME)

# bench compares libgohsm.so with SoftHSMv2 and Go's own crypto (quick run,
# about 5 minutes); `scripts/bench.sh` alone runs the full table (BENCH.md).
BENCHFLAGS ?= -quick
bench: deps build
	scripts/bench.sh $(BENCHFLAGS)

# install puts libgohsm.so in the system's PKCS#11 module directory, gohsm in
# $(PREFIX)/bin, and a p11-kit module config (gohsm.module) in p11-kit's config
# directory, so that p11-kit-proxy.so, GnuTLS and `p11-kit list-modules` find the
# module with no configuration. Both directories come from p11-kit's pkg-config
# file, else $(PREFIX)/lib/pkcs11 and $(PREFIX)/share/p11-kit/modules. DESTDIR is
# honoured; uninstall removes exactly these three files. It installs what `make`
# built (run `make` first: root often has no Go on its PATH).
PKG_CONFIG     ?= pkg-config
P11_MODULE_DIR ?= $(or $(shell $(PKG_CONFIG) --variable=p11_module_path p11-kit-1 2>/dev/null),$(PREFIX)/lib/pkcs11)
P11_CONFIG_DIR ?= $(or $(shell $(PKG_CONFIG) --variable=p11_module_configs p11-kit-1 2>/dev/null),$(PREFIX)/share/p11-kit/modules)
BINDIR         ?= $(PREFIX)/bin
INSTALLED_LIB  := $(DESTDIR)$(P11_MODULE_DIR)/libgohsm.so
INSTALLED_CLI  := $(DESTDIR)$(BINDIR)/gohsm
INSTALLED_CONF := $(DESTDIR)$(P11_CONFIG_DIR)/gohsm.module

install:
	@test -f $(LIB) && test -f $(CLI) || { echo "make install: $(LIB) or $(CLI) is missing: run make first" >&2; exit 1; }
	install -d $(DESTDIR)$(P11_MODULE_DIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(P11_CONFIG_DIR)
	install -m 0755 $(LIB) $(INSTALLED_LIB)
	install -m 0755 $(CLI) $(INSTALLED_CLI)
	printf '# gohsm, installed by make install (removed by make uninstall)\nmodule: %s\n' \
		'$(P11_MODULE_DIR)/libgohsm.so' >$(INSTALLED_CONF)
	chmod 0644 $(INSTALLED_CONF)

uninstall:
	rm -f $(INSTALLED_LIB) $(INSTALLED_CLI) $(INSTALLED_CONF)
