#!/usr/bin/env bash
# install-deps.sh installs, with apt-get, every Debian package that gohsm's
# build, demo and tests need. It is quick and quiet when everything is already
# installed (checked with dpkg-query first), so `make test` can always run it.
# Go itself is not a Debian package here: the script checks it and says so.
set -euo pipefail

# What each package is for:
#   gcc libc6-dev make pkg-config binutils  cgo build, C tests, nm -D symbol check
#   ca-certificates                         fetching Go modules on a fresh machine
#   sqlite3                                  inspecting the store in tests (integrity_check)
#   opensc                                   pkcs11-tool: demo and black-box tests
#   openssl                                  verifying the demo's signature
#   softhsm2                                 a reference module to compare behaviour with
#   p11-kit p11-kit-modules libp11-kit-dev   p11-kit client/remote (fork helper), pkcs11.h
#   gnutls-bin                               p11tool: a second PKCS#11 client
#   libengine-pkcs11-openssl                 libp11's OpenSSL engine (what NGINX/Apache use)
#   nginx                                    end-to-end TLS test (examples/nginx, scripts/e2e.sh)
#   procps iproute2                          pgrep/ps and ss in examples/nginx (not in a minimal Debian)
#   apache2                                  end-to-end TLS test with mod_ssl, prefork (examples/apache)
#   libnss3-tools                            modutil, certutil, selfserv, tstclnt, strsclnt (examples/nss)
#   util-linux                               unshare: private network namespace (examples/nss, examples/gnutls)
#   openjdk-17-jdk-headless                  examples/java (SunPKCS11, keytool, javac), unless a JDK is on PATH
PACKAGES=(
	gcc libc6-dev make pkg-config binutils ca-certificates
	sqlite3 opensc openssl softhsm2
	p11-kit p11-kit-modules libp11-kit-dev
	gnutls-bin libengine-pkcs11-openssl
	nginx procps iproute2
	apache2 libnss3-tools util-linux
	# libcrypto headers: tests/interop builds small EVP programs (AEAD checks, batch ECDSA/EdDSA)
	libssl-dev
)
command -v javac >/dev/null 2>&1 || PACKAGES+=(openjdk-17-jdk-headless)

say() { printf 'install-deps: %s\n' "$*" >&2; }

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH="/usr/local/go/bin:$PATH"
fi
if ! command -v go >/dev/null 2>&1; then
	say "Go is missing: install Go 1.26 or newer (e.g. in /usr/local/go) and put it on PATH."
	exit 1
fi
say "$(go version)"

missing=()
for p in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	say "all ${#PACKAGES[@]} Debian packages are installed"
	exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		say "need root (or sudo) to install: ${missing[*]}"
		exit 1
	fi
	SUDO=(sudo)
fi

say "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q </dev/null
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	"${missing[@]}" </dev/null
say "done"
