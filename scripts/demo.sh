#!/usr/bin/env bash
# demo.sh is `make demo`: in a fresh store it creates a token, sets the user
# PIN, generates an EC P-256 key pair through libgohsm.so with pkcs11-tool,
# signs a message with ECDSA-SHA256, exports the public key with GnuTLS's
# p11tool, and verifies the signature with openssl.
# Every step is printed before it runs; the first failure stops the demo with
# a non-zero exit code.
#
# Usage: scripts/demo.sh [path/to/libgohsm.so [path/to/gohsm]]
# The demo's passwords are fixed here on purpose; real tokens take them from a
# terminal or a file (see `gohsm token init --help`).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LIB=$(realpath "${1:-$ROOT/libgohsm.so}")
GOHSM=$(realpath "${2:-$ROOT/gohsm}")
for f in "$LIB" "$GOHSM"; do
	[ -f "$f" ] || { echo "demo: $f is missing: run 'make' first" >&2; exit 1; }
done
for tool in pkcs11-tool p11tool openssl; do
	command -v "$tool" >/dev/null || { echo "demo: $tool is missing: run 'make deps'" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/gohsm-demo.XXXXXX")
finish() {
	rc=$?
	if [ $rc -ne 0 ]; then
		printf '\ngohsm demo: FAILED at step %d (exit %d)\n' "$step" "$rc" >&2
		[ -s "$WORK/gohsm.log" ] && { echo "--- gohsm.log ---" >&2; cat "$WORK/gohsm.log" >&2; }
	fi
	rm -rf "$WORK"
	exit $rc
}
step=0
trap finish EXIT
cd "$WORK"

# The demo's own configuration (so that /etc/gohsm/gohsm.toml plays no part),
# store and secrets. A bare PIN logs in the token's default user.
export GOHSM_CONF="$WORK/gohsm.toml"
export GOHSM_DIR="$WORK/store"
export GOHSM_CO_PASSWORD="demo-co-password"
export GOHSM_USER_PIN="123456"
export GNUTLS_PIN="$GOHSM_USER_PIN" # p11tool reads the PIN from here
cat >"$GOHSM_CONF" <<TOML
max_login_failures = 5
[log]
level = "warn"
file = "$WORK/gohsm.log"
TOML

run() {
	step=$((step + 1))
	printf '\n==> %d. %s\n' "$step" "$1"
	shift
	printf '    $ %s\n' "$*"
	"$@"
}
P11=(pkcs11-tool --module "$LIB" --token-label demo)
write_message() { echo "Hello from gohsm" >msg && cat msg; }

printf 'gohsm demo in %s (GOHSM_DIR=%s)\n' "$WORK" "$GOHSM_DIR"
run "Create token 'demo' (Crypto Officer 'admin', password from GOHSM_CO_PASSWORD)" \
	"$GOHSM" token init --label demo
run "Set the default user's PIN (from GOHSM_USER_PIN)" \
	"$GOHSM" token init-pin --label demo
run "List the slots through libgohsm.so" \
	pkcs11-tool --module "$LIB" --list-slots
run "Generate an EC P-256 key pair on the token" \
	"${P11[@]}" --login --pin env:GOHSM_USER_PIN --keypairgen --key-type EC:prime256v1 --label demo --id 01
run "Write a message to the file msg" \
	write_message
run "Sign it with ECDSA-SHA256 inside the token" \
	"${P11[@]}" --login --pin env:GOHSM_USER_PIN --sign --mechanism ECDSA-SHA256 --id 01 \
	--signature-format openssl -i msg -o sig
# Debian 12's pkcs11-tool (OpenSC 0.23 with OpenSSL 3) cannot be trusted to
# export an EC public key: its --read-object reads freed memory (OpenSC issue
# 3200) and fails with "cannot create EVP_PKEY" depending on the heap. GnuTLS's
# p11tool exports it through libgohsm.so instead.
run "Export the public key (GnuTLS p11tool, through libgohsm.so)" \
	p11tool --provider "$LIB" --export-pubkey --outfile pub.pem \
	"pkcs11:token=demo;id=%01;type=public"
run "Show it" \
	openssl pkey -pubin -in pub.pem -noout -text
run "Verify the signature with openssl" \
	openssl dgst -sha256 -verify pub.pem -signature sig msg

if [ -s "$WORK/gohsm.log" ]; then
	printf '\n--- gohsm.log (warnings) ---\n'
	cat "$WORK/gohsm.log"
fi
printf '\ngohsm demo: all %d steps passed.\n' "$step"
