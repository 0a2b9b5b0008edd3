#!/usr/bin/env bash
# p11tool.sh: GnuTLS's p11tool with the module registered for p11-kit (a user
# module config, as `make install` does system-wide): list tokens, list and
# generate keys (EC P-256, RSA-2048), and --test-sign with each key.
# p11-kit skips user configuration for root, so as root it runs as "nobody".
#
# Usage: tests/e2e/p11tool.sh [module.so]     (default: ./libgohsm.so)
#   tests/e2e/p11tool.sh /usr/lib/softhsm/libsofthsm2.so   (the harness on SoftHSMv2)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MODULE=$(realpath "${1:-${MODULE:-$ROOT/libgohsm.so}}")
SPY=$(ls /usr/lib/*/pkcs11/pkcs11-spy.so 2>/dev/null | head -1)
fail() { printf 'p11tool: FAIL: %s\n' "$*" >&2; exit 1; }
[ -f "$MODULE" ] || fail "$MODULE is missing (run 'make' first)"
for tool in p11tool pkcs11-tool setpriv timeout; do
	command -v "$tool" >/dev/null || fail "$tool is missing (make deps)"
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/gohsm-p11tool.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
chmod 0755 "$WORK"
cd "$WORK"
mkdir -p home/.config/pkcs11/modules store
AS=(env -i PATH="$PATH" HOME="$WORK/home")
[ "$(id -u)" -eq 0 ] && AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups "${AS[@]}")
case "$(basename "$MODULE")" in
libsofthsm2.so)
	MOD="$MODULE"
	printf 'directories.tokendir = %s/store\nobjectstore.backend = file\nlog.level = ERROR\n' "$WORK" >softhsm2.conf
	AS+=(SOFTHSM2_CONF="$WORK/softhsm2.conf")
	RESERVED=""
	DIRECT=()
	;;
*)
	cp "$MODULE" "$WORK/" && MOD="$WORK/$(basename "$MODULE")" && chmod 0755 "$MOD"
	printf '[log]\nlevel = "warn"\nfile = "%s/gohsm.log"\n' "$WORK" >gohsm.toml
	# GnuTLS initialises modules with its own arguments, so the module
	# config's x-init-reserved never reaches gohsm: GOHSM_DIR names the store.
	AS+=(GOHSM_CONF="$WORK/gohsm.toml" GOHSM_DIR="$WORK/store")
	RESERVED=""
	DIRECT=()
	;;
esac
{
	echo "module: $MOD"
	[ -n "$RESERVED" ] && echo "$RESERVED"
} >home/.config/pkcs11/modules/gohsm.module
[ "$(id -u)" -eq 0 ] && chown -R nobody:nogroup "$WORK"
AS+=(GNUTLS_PIN=123456 GNUTLS_SO_PIN=so-secret)
run() { "${AS[@]}" "$@"; }
P11T=(timeout 60 p11tool)
TOKEN="pkcs11:token=gnutls"

echo "==> token with EC P-256 and RSA-2048 key pairs (pkcs11-tool, directly)"
P11=(timeout 60 pkcs11-tool --module "$MOD")
run "${DIRECT[@]}" "${P11[@]}" --init-token --label gnutls --so-pin so-secret >/dev/null
run "${DIRECT[@]}" "${P11[@]}" --token-label gnutls --login --login-type so --so-pin so-secret --init-pin --pin 123456 >/dev/null
run "${DIRECT[@]}" "${P11[@]}" --token-label gnutls --login --pin 123456 --keypairgen --key-type EC:prime256v1 --label ec --id 01 >/dev/null
run "${DIRECT[@]}" "${P11[@]}" --token-label gnutls --login --pin 123456 --keypairgen --key-type RSA:2048 --label rsa --id 02 >/dev/null

echo "==> p11tool --list-token-urls"
run "${P11T[@]}" --list-token-urls >tokens.txt 2>&1 || true
cat tokens.txt
if ! grep -q 'token=gnutls' tokens.txt; then
	# Say which call failed: run the same listing through OpenSC's pkcs11-spy.
	if [ -n "$SPY" ]; then
		cp "$SPY" "$WORK/spy.so" && chmod 0755 "$WORK/spy.so"
		sed -i "s|^module: .*|module: $WORK/spy.so|" home/.config/pkcs11/modules/gohsm.module
		run PKCS11SPY="$MOD" PKCS11SPY_OUTPUT="$WORK/spy.log" "${P11T[@]}" --list-token-urls >/dev/null 2>&1 || true
		echo "--- the module's C_Initialize as GnuTLS calls it (pkcs11-spy) ---" >&2
		grep -A8 'C_Initialize' "$WORK/spy.log" | grep -E 'C_Initialize|flags|CKF_|Returned' >&2 || true
		# GnuTLS passes CKF_LIBRARY_CANT_CREATE_OS_THREADS|CKF_OS_LOCKING_OK: a
		# module that answers CKR_NEED_TO_CREATE_THREADS is silently left out.
	fi
	fail "p11tool does not list the token (GnuTLS through p11-kit)"
fi

echo "==> p11tool --list-privkeys"
run "${P11T[@]}" --login --list-privkeys "$TOKEN" | tee privkeys.txt | grep -E 'URL|Type|Label'
[ "$(grep -c '^Object' privkeys.txt)" -ge 2 ] || fail "expected 2 private keys"

echo "==> p11tool --generate-privkey ECDSA and RSA"
run "${P11T[@]}" --login --generate-privkey ECDSA --curve secp256r1 --label gen-ec "$TOKEN" >/dev/null
run "${P11T[@]}" --login --generate-privkey RSA --bits 2048 --label gen-rsa "$TOKEN" >/dev/null
run "${P11T[@]}" --login --list-privkeys "$TOKEN" | grep -c '^Object' | {
	read -r n
	echo "$n private keys"
	[ "$n" -ge 4 ] || fail "expected 4 private keys after generation"
}

for k in ec rsa gen-ec gen-rsa; do
	echo "==> p11tool --test-sign object=$k"
	run "${P11T[@]}" --login --test-sign "$TOKEN;object=$k" >sign.txt 2>&1 || { cat sign.txt >&2; fail "test-sign $k"; }
	grep -i 'verif' sign.txt
	grep -qi 'Verifying against public key in the token... ok' sign.txt || { cat sign.txt >&2; fail "test-sign $k did not verify"; }
done
echo "p11tool: PASS with $(basename "$MODULE")"
