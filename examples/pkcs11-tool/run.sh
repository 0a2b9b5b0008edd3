#!/usr/bin/env bash
# run.sh sets a token up and uses it with pkcs11-tool alone (no gohsm CLI):
# --init-token, --init-pin, key generation, object listing, signing, and a
# signature check with openssl. It exits non-zero at the first failure.
# Usage: examples/pkcs11-tool/run.sh [path/to/libgohsm.so]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LIB=$(realpath "${1:-$ROOT/libgohsm.so}")
[ -f "$LIB" ] || { echo "run.sh: $LIB is missing: run 'make' first" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/gohsm-example.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
export GOHSM_DIR="$WORK/store"
export GOHSM_CONF="$WORK/gohsm.toml"
printf '[log]\nlevel = "error"\n' >"$GOHSM_CONF"
export SO_PIN=co-secret USER_PIN=123456

p11() { pkcs11-tool --module "$LIB" "$@"; }
step() { printf '\n==> %s\n' "$*"; }

step "slots before any token"
p11 --list-slots
step "initialise a token in the free slot"
p11 --init-token --label example --so-pin env:SO_PIN
step "set the user PIN as the Crypto Officer"
p11 --token-label example --login --login-type so --so-pin env:SO_PIN --init-pin --pin env:USER_PIN
step "token and mechanisms"
p11 --token-label example --list-token-slots
p11 --token-label example --list-mechanisms
step "generate an EC P-256 key pair"
p11 --token-label example --login --pin env:USER_PIN --keypairgen --key-type EC:prime256v1 --label ex --id 02
step "list the objects (public only, then as the user)"
p11 --token-label example --list-objects
p11 --token-label example --login --pin env:USER_PIN --list-objects | tee objects.txt
grep -q "Private Key Object; EC" objects.txt
step "sign and verify"
echo "example message" >msg
p11 --token-label example --login --pin env:USER_PIN --sign --mechanism ECDSA-SHA256 --id 02 \
	--signature-format openssl -i msg -o sig
# The public key for openssl: pkcs11-tool's own --read-object of an EC key is
# unreliable on Debian 12 (OpenSC 0.23 reads freed memory with OpenSSL 3,
# OpenSC issue 3200), so GnuTLS's p11tool exports it through the library.
GNUTLS_PIN=$USER_PIN p11tool --provider "$LIB" --export-pubkey --outfile pub.pem \
	"pkcs11:token=example;id=%02;type=public"
openssl dgst -sha256 -verify pub.pem -signature sig msg
step "random bytes"
p11 --token-label example --generate-random 32 | od -An -tx1 | head -2
printf '\npkcs11-tool example: all steps passed\n'
