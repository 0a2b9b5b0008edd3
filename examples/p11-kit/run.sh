#!/usr/bin/env bash
# run.sh: gohsm behind p11-kit, without installing anything system-wide.
#   1. A module config (gohsm.module) in a private ~/.config/pkcs11/modules
#      makes `p11-kit list-modules` show the module and its token.
#   2. p11-kit-proxy.so (what GnuTLS and other p11-kit users load) offers the
#      token; pkcs11-tool signs through it and openssl verifies.
#   3. Out of process: `p11-kit server --provider <module>` holds the keys, and
#      pkcs11-tool talks to it through p11-kit-client.so (P11_KIT_SERVER_ADDRESS):
#      slots, login, ECDSA and RSA PKCS#1 signatures checked by openssl.
# The server is stopped by its own pid. p11-kit ignores user configuration in
# programs running as root, so as root the p11-kit steps run as "nobody".
#
# Usage: examples/p11-kit/run.sh [module.so]     (default: ./libgohsm.so)
#   MODULE=/usr/lib/softhsm/libsofthsm2.so examples/p11-kit/run.sh
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MODULE=$(realpath "${1:-${MODULE:-$ROOT/libgohsm.so}}")
PROXY=${PROXY:-$(ls /usr/lib/*/p11-kit-proxy.so 2>/dev/null | head -1)}
CLIENT=${CLIENT:-$(ls /usr/lib/*/pkcs11/p11-kit-client.so 2>/dev/null | head -1)}

fail() { printf 'p11-kit example: FAIL: %s\n' "$*" >&2; exit 1; }
[ -f "$MODULE" ] || fail "$MODULE is missing (run 'make' first)"
[ -n "$PROXY" ] || fail "p11-kit-proxy.so is missing (apt-get install p11-kit-modules)"
[ -n "$CLIENT" ] || fail "p11-kit-client.so is missing (apt-get install p11-kit-modules)"
for tool in p11-kit pkcs11-tool openssl timeout setpriv; do
	command -v "$tool" >/dev/null || fail "$tool is missing (make deps)"
done

START=$SECONDS
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gohsm-p11kit.XXXXXX")
SERVER_PID=""
CURRENT=setup
finish() {
	local rc=$?
	if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -TERM "$SERVER_PID" 2>/dev/null || true
	fi
	if [ $rc -ne 0 ]; then
		printf '\np11-kit example: FAILED (exit %d) at: %s\n' "$rc" "$CURRENT" >&2
		[ -s "$WORK/server.log" ] && { echo "--- p11-kit server output ---" >&2; tail -n 20 "$WORK/server.log" >&2; }
		[ -s "$WORK/gohsm.log" ] && { echo "--- gohsm.log ---" >&2; tail -n 40 "$WORK/gohsm.log" >&2; }
	fi
	rm -rf "$WORK"
	exit $rc
}
trap finish EXIT
chmod 0755 "$WORK"
cd "$WORK"
mkdir -p home/.config/pkcs11/modules

# The whole example runs as one user: "nobody" when started as root.
AS=(env -i PATH="$PATH" HOME="$WORK/home")
if [ "$(id -u)" -eq 0 ]; then
	AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups "${AS[@]}")
fi
case "$(basename "$MODULE")" in
libsofthsm2.so)
	MOD="$MODULE"
	mkdir -p store
	printf 'directories.tokendir = %s/store\nobjectstore.backend = file\nlog.level = ERROR\n' "$WORK" >softhsm2.conf
	AS+=(SOFTHSM2_CONF="$WORK/softhsm2.conf")
	STORE_ENV=()
	RESERVED=""
	;;
*)
	# A private copy that the unprivileged user can read.
	cp "$MODULE" "$WORK/"
	MOD="$WORK/$(basename "$MODULE")"
	chmod 0755 "$MOD"
	printf '[log]\nlevel = "warn"\nfile = "%s/gohsm.log"\n' "$WORK" >gohsm.toml
	AS+=(GOHSM_CONF="$WORK/gohsm.toml")
	# Direct use and the server name the store with GOHSM_DIR; the module config
	# names it with x-init-reserved, so proxy users need no environment at all.
	STORE_ENV=(GOHSM_DIR="$WORK/store")
	RESERVED="x-init-reserved: gohsm:dir=$WORK/store"
	;;
esac
[ "$(id -u)" -eq 0 ] && chown -R nobody:nogroup "$WORK"
run() { "${AS[@]}" "$@"; }
export SO_PIN=so-secret USER_PIN=123456
AS+=(SO_PIN="$SO_PIN" USER_PIN="$USER_PIN")
TOKEN=kit

# p11 MODULE ARGS...: pkcs11-tool on the token, bounded.
p11() { local m=$1; shift; run "${STORE_ENV[@]}" timeout 60 pkcs11-tool --module "$m" "$@"; }

step "set up token '$TOKEN' with EC P-256 and RSA-2048 key pairs (the module directly)"
p11 "$MOD" --init-token --label "$TOKEN" --so-pin env:SO_PIN >/dev/null
p11 "$MOD" --token-label "$TOKEN" --login --login-type so --so-pin env:SO_PIN --init-pin --pin env:USER_PIN >/dev/null
p11 "$MOD" --token-label "$TOKEN" --login --pin env:USER_PIN --keypairgen --key-type EC:prime256v1 --label ec --id 01 >/dev/null
p11 "$MOD" --token-label "$TOKEN" --login --pin env:USER_PIN --keypairgen --key-type RSA:2048 --label rsa --id 02 >/dev/null
p11 "$MOD" --token-label "$TOKEN" --list-objects --type pubkey --id 01 | p256_spki_pem >pub01.pem
p11 "$MOD" --token-label "$TOKEN" --read-object --type pubkey --id 02 -o pub02.der >/dev/null
run openssl pkey -pubin -inform DER -in pub02.der -out pub02.pem
echo "a message for p11-kit" >msg
run openssl dgst -sha256 -binary -out msg.sha256 msg

step "register the module with a user module config (~/.config/pkcs11/modules/gohsm.module)"
{
	echo "module: $MOD"
	[ -n "$RESERVED" ] && echo "$RESERVED"
} >home/.config/pkcs11/modules/gohsm.module
[ "$(id -u)" -eq 0 ] && chown nobody:nogroup home/.config/pkcs11/modules/gohsm.module
cat home/.config/pkcs11/modules/gohsm.module

step "p11-kit list-modules shows the module and its token"
run timeout 60 p11-kit list-modules >modules.txt 2>&1 || { cat modules.txt >&2; fail "p11-kit list-modules"; }
sed -n '/^gohsm: /,/^[^ ]/p' modules.txt | sed '$d' | head -20
grep -q "^gohsm: $MOD\$" modules.txt || fail "module 'gohsm' not listed"
sed -n '/^gohsm: /,/^[^ ]/p' modules.txt | grep -q "token: $TOKEN\$" || fail "token '$TOKEN' not listed under gohsm"

step "the token through p11-kit-proxy.so: slots, objects, SHA256-RSA-PKCS signature verified by openssl"
run timeout 60 pkcs11-tool --module "$PROXY" -L >proxy-slots.txt || { cat proxy-slots.txt >&2; fail "pkcs11-tool -L through the proxy"; }
grep -q "token label *: $TOKEN\$" proxy-slots.txt || { cat proxy-slots.txt >&2; fail "token not offered by the proxy"; }
grep -B1 -A2 "token label *: $TOKEN\$" proxy-slots.txt
run timeout 60 pkcs11-tool --module "$PROXY" --token-label "$TOKEN" --login --pin env:USER_PIN --list-objects | grep -c 'Object;' |
	{ read -r n; echo "$n objects"; [ "$n" -ge 4 ] || fail "expected 4 objects through the proxy"; }
# The proxy runs the module in-process: hash-and-sign mechanisms pass, unlike
# over p11-kit's RPC below.
run timeout 60 pkcs11-tool --module "$PROXY" --token-label "$TOKEN" --login --pin env:USER_PIN --sign \
	--mechanism SHA256-RSA-PKCS --id 02 -i msg -o proxy.sig
run openssl dgst -sha256 -verify pub02.pem -signature proxy.sig msg

step "out of process: p11-kit server --provider $(basename "$MOD")"
SOCK="$WORK/server.sock"
: >server.log
run "${STORE_ENV[@]}" timeout 300 p11-kit server -f -n "$SOCK" --provider "$MOD" "pkcs11:token=$TOKEN" >server.log 2>&1 &
for i in $(seq 1 100); do
	SERVER_PID=$(sed -n 's/^P11_KIT_SERVER_PID=\([0-9]*\);.*/\1/p' server.log)
	[ -S "$SOCK" ] && [ -n "$SERVER_PID" ] && break
	sleep 0.1
done
[ -S "$SOCK" ] && [ -n "$SERVER_PID" ] || fail "p11-kit server did not start within 10s"
cat server.log
CLI=(env P11_KIT_SERVER_ADDRESS="unix:path=$SOCK" timeout 60 pkcs11-tool --module "$CLIENT")

step "pkcs11-tool through p11-kit-client.so: slots and objects (no module, no store in this process)"
run "${CLI[@]}" -L | tee client-slots.txt | grep -A1 "token label"
grep -q "token label *: $TOKEN\$" client-slots.txt || fail "token not offered by the server"
run "${CLI[@]}" --token-label "$TOKEN" --login --pin env:USER_PIN --list-objects >client-objects.txt
grep -c 'Object;' client-objects.txt | { read -r n; echo "$n objects"; [ "$n" -ge 4 ] || fail "expected 4 objects through the server"; }

step "ECDSA signature of a SHA-256 digest in the server, verified by openssl"
run "${CLI[@]}" --token-label "$TOKEN" --login --pin env:USER_PIN --sign --mechanism ECDSA --id 01 \
	--signature-format openssl -i msg.sha256 -o server-ec.sig
run openssl dgst -sha256 -verify pub01.pem -signature server-ec.sig msg

step "RSA PKCS#1 v1.5 signature in the server, checked by openssl"
run "${CLI[@]}" --token-label "$TOKEN" --login --pin env:USER_PIN --sign --mechanism RSA-PKCS --id 02 \
	-i msg.sha256 -o server-rsa.sig
run openssl pkeyutl -verifyrecover -pubin -inkey pub02.pem -in server-rsa.sig -out recovered
cmp recovered msg.sha256 && echo "signature recovers the signed digest"

step "mechanisms offered through p11-kit's RPC (what a forked child of an application sees too)"
run "${STORE_ENV[@]}" timeout 60 pkcs11-tool --module "$MOD" -M 2>/dev/null | sed -n 's/^  \([^ ,]*\).*/\1/p' >mech-direct.txt
run "${CLI[@]}" -M 2>/dev/null | sed -n 's/^  \([^ ,]*\).*/\1/p' >mech-rpc.txt
echo "$(wc -l <mech-direct.txt) mechanisms directly, $(wc -l <mech-rpc.txt) through the RPC:"
tr '\n' ' ' <mech-rpc.txt | fold -s -w 100
echo
for m in ECDSA RSA-PKCS RSA-PKCS-PSS RSA-PKCS-OAEP; do
	grep -qx -- "$m" mech-rpc.txt || fail "$m is not offered through the RPC"
done

# Informational: which hash-and-sign mechanisms this p11-kit's RPC carries
# (Debian 12's 0.24.1 carries none; a newer p11-kit may).
step "measure: hash-and-sign mechanisms over p11-kit's RPC (informational)"
for m in ECDSA-SHA256:01 SHA256-RSA-PKCS:02 SHA256-RSA-PKCS-PSS:02; do
	if run "${CLI[@]}" --token-label "$TOKEN" --login --pin env:USER_PIN --sign --mechanism "${m%%:*}" \
		--id "${m##*:}" -i msg -o /dev/null >rpc-$m.txt 2>&1; then
		echo "${m%%:*}: carried"
	else
		echo "${m%%:*}: not carried ($(grep -o 'CKR_[A-Z_]*' rpc-$m.txt | head -1))"
	fi
done

step "stop the server by its pid ($SERVER_PID)"
kill -TERM "$SERVER_PID"
for i in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$SERVER_PID" 2>/dev/null && fail "p11-kit server $SERVER_PID still running 5s after TERM"
wait || true
SERVER_PID=""

CURRENT=done
[ -s gohsm.log ] && { echo "--- gohsm.log ---"; cat gohsm.log; }
printf '\np11-kit example: PASS with %s in %ds\n' "$(basename "$MODULE")" $((SECONDS - START))
