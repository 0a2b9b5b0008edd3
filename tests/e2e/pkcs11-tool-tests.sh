#!/usr/bin/env bash
# pkcs11-tool-tests.sh: OpenSC's own built-in tests against the module, in a
# fresh store: --test (every key and mechanism it knows, with EC and RSA key
# pairs present), --test-ec (generate, sign, change attributes, delete; needs
# --session-rw, as with any module, because it makes token objects), and
# --test-fork (C_Initialize in a forked child must succeed).
#
# Usage: tests/e2e/pkcs11-tool-tests.sh [libgohsm.so]   (scripts/e2e.sh runs it)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MODULE=$(realpath "${1:-$ROOT/libgohsm.so}")
[ -f "$MODULE" ] || { echo "pkcs11-tool tests: $MODULE is missing (run 'make' first)" >&2; exit 1; }
command -v pkcs11-tool >/dev/null || { echo "pkcs11-tool is missing (make deps)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/gohsm-p11tests.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export GOHSM_DIR="$WORK/store" GOHSM_CONF="$WORK/gohsm.toml"
printf '[log]\nlevel = "warn"\n' >"$GOHSM_CONF"
export SO_PIN=so-secret USER_PIN=123456
P11=(timeout 120 pkcs11-tool --module "$MODULE")
U=(--token-label tests --login --pin env:USER_PIN)

"${P11[@]}" --init-token --label tests --so-pin env:SO_PIN >/dev/null
"${P11[@]}" --token-label tests --login --login-type so --so-pin env:SO_PIN --init-pin --pin env:USER_PIN >/dev/null
"${P11[@]}" "${U[@]}" --keypairgen --key-type EC:prime256v1 --label ec --id 01 >/dev/null
"${P11[@]}" "${U[@]}" --keypairgen --key-type RSA:2048 --label rsa --id 02 >/dev/null

echo "==> pkcs11-tool --test"
"${P11[@]}" "${U[@]}" --test >"$WORK/test.txt" 2>&1 || { cat "$WORK/test.txt"; exit 1; }
grep -q '^No errors$' "$WORK/test.txt" || { cat "$WORK/test.txt"; echo "FAIL: --test reported errors"; exit 1; }
grep -E '^ *(testing key|[A-Z0-9-]+: OK)' "$WORK/test.txt" | head -20 || true
echo "No errors"

echo "==> pkcs11-tool --test-ec"
"${P11[@]}" "${U[@]}" --session-rw --test-ec --id 03 --key-type EC:prime256v1 >"$WORK/test-ec.txt" 2>&1 ||
	{ cat "$WORK/test-ec.txt"; exit 1; }
grep -q '==> OK' "$WORK/test-ec.txt" || { cat "$WORK/test-ec.txt"; echo "FAIL: --test-ec"; exit 1; }
grep '^\*\*\*' "$WORK/test-ec.txt"
echo "==> OK"

echo "==> pkcs11-tool --test-fork (C_Initialize in a forked child)"
"${P11[@]}" "${U[@]}" --test-fork
echo "child exited 0"

echo "pkcs11-tool tests: PASS"
