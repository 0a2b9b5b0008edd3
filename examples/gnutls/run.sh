#!/usr/bin/env bash
# run.sh: GnuTLS with keys in a PKCS#11 token, the module loaded with
# --provider (no p11-kit configuration needed). In a fresh temporary store:
#   - p11tool --list-tokens shows the token;
#   - p11tool --generate-privkey makes an ECDSA P-256 and an RSA-2048 key pair
#     on it, and --test-sign signs and verifies with each;
#   - certtool makes a self-signed certificate with each token key, carrying
#     the token's public key (p11tool --export-pubkey);
#   - gnutls-serv serves TLS with each key given as a pkcs11: URI, and
#     CLIENTS (default 200) gnutls-cli handshakes per key verify the server
#     against that certificate (each handshake a signature by the token).
# gnutls-serv has no option to listen on one address, so as root the script
# runs in its own network namespace (unshare --net, loopback only): nothing
# outside can reach the server. Without root it exits 77 (SKIP).
#
# Usage: examples/gnutls/run.sh [module.so]     (default: ./libgohsm.so)
#   examples/gnutls/run.sh /usr/lib/softhsm/libsofthsm2.so
# Environment: MODULE, CLIENTS, KEEP=1 keeps the work directory.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/examples/gnutls"
MODULE=$(realpath "${1:-${MODULE:-$ROOT/libgohsm.so}}")
CLIENTS=${CLIENTS:-200}

fail() { printf 'gnutls example: FAIL: %s\n' "$*" >&2; exit 1; }
skip() { printf 'gnutls example: SKIP: %s\n' "$*"; exit 77; }
[ -f "$MODULE" ] || fail "$MODULE is missing (run 'make' first)"
for tool in p11tool certtool gnutls-serv gnutls-cli pkcs11-tool openssl timeout unshare ip; do
	command -v "$tool" >/dev/null || skip "$tool is missing (make deps: gnutls-bin, opensc, iproute2)"
done
[ "$(id -u)" -eq 0 ] || skip "needs root (gnutls-serv listens on every address: the script gives it a private network namespace)"
if [ "${GOHSM_GNUTLS_NETNS:-}" != 1 ]; then
	unshare --net true 2>/dev/null || skip "cannot make a network namespace here (unshare --net: a container without CAP_SYS_ADMIN?)"
	# Re-run inside a new network namespace that has only the loopback device.
	GOHSM_GNUTLS_NETNS=1 exec unshare --net -- "$0" "$MODULE"
fi
ip link set lo up

START=$SECONDS
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gohsm-gnutls.XXXXXX")
SERVER=""
CURRENT=setup
finish() {
	local rc=$?
	if [ -n "$SERVER" ] && kill -0 "$SERVER" 2>/dev/null; then
		kill -TERM "$SERVER" 2>/dev/null || true
		for i in $(seq 1 50); do kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$SERVER" 2>/dev/null || true
	fi
	if [ $rc -ne 0 ]; then
		printf '\ngnutls example: FAILED (exit %d) after %ds at: %s\n' "$rc" $((SECONDS - START)) "$CURRENT" >&2
		for f in "$WORK"/serv-*.log; do [ -s "$f" ] && { echo "--- $(basename "$f") (last 20 lines) ---" >&2; tail -n 20 "$f" >&2; }; done
		[ -s "$WORK/gohsm.log" ] && { echo "--- gohsm.log (last 40 lines) ---" >&2; tail -n 40 "$WORK/gohsm.log" >&2; }
	fi
	if [ "${KEEP:-0}" = 1 ]; then echo "work directory kept: $WORK" >&2; else rm -rf "$WORK"; fi
	exit $rc
}
trap finish EXIT
trap 'exit 130' INT TERM
cd "$WORK"

case "$(basename "$MODULE")" in
libsofthsm2.so)
	export SOFTHSM2_CONF="$WORK/softhsm2.conf"
	mkdir -p "$WORK/store"
	printf 'directories.tokendir = %s/store\nobjectstore.backend = file\nlog.level = ERROR\n' "$WORK" >"$SOFTHSM2_CONF"
	;;
*)
	export GOHSM_DIR="$WORK/store" GOHSM_CONF="$WORK/gohsm.toml"
	printf '[log]\nlevel = "warn"\nfile = "%s/gohsm.log"\n' "$WORK" >"$GOHSM_CONF"
	;;
esac
# GnuTLS's tools read the PINs from these in batch mode.
export GNUTLS_PIN=123456 GNUTLS_SO_PIN=so-secret
TOKEN="pkcs11:token=gnutls"
P11T=(timeout 60 p11tool --provider "$MODULE")

printf 'gnutls example: %s, module %s, work %s\n' "$(gnutls-cli --version | head -1)" "$MODULE" "$WORK"

step "initialise token 'gnutls' and the user PIN (pkcs11-tool)"
timeout 60 pkcs11-tool --module "$MODULE" --init-token --label gnutls --so-pin "$GNUTLS_SO_PIN" >/dev/null
timeout 60 pkcs11-tool --module "$MODULE" --token-label gnutls --login --login-type so --so-pin "$GNUTLS_SO_PIN" \
	--init-pin --pin "$GNUTLS_PIN" >/dev/null

step "p11tool --list-tokens"
"${P11T[@]}" --list-tokens >tokens.txt
grep -E '^Token|URL:|Label:|Manufacturer:' tokens.txt
grep -q 'Label: gnutls' tokens.txt || fail "p11tool does not list the token 'gnutls'"

step "p11tool --generate-privkey ECDSA (secp256r1) and RSA (2048)"
"${P11T[@]}" --login --generate-privkey ECDSA --curve secp256r1 --label ec --id 01 "$TOKEN" >/dev/null
"${P11T[@]}" --login --generate-privkey RSA --bits 2048 --label rsa --id 02 "$TOKEN" >/dev/null
"${P11T[@]}" --login --list-privkeys "$TOKEN" >privkeys.txt
grep -E 'Label|Type' privkeys.txt
[ "$(grep -c '^Object' privkeys.txt)" -eq 2 ] || fail "expected exactly 2 private keys"

declare -A PORT=([ec]=$((20000 + RANDOM % 20000)) [rsa]=$((40000 + RANDOM % 20000)))
for k in ec rsa; do
	KEY="$TOKEN;object=$k;type=private"
	step "p11tool --test-sign ($k)"
	"${P11T[@]}" --login --test-sign "$KEY" >sign-$k.txt 2>&1 || { cat sign-$k.txt >&2; fail "test-sign $k"; }
	grep -i 'verif' sign-$k.txt
	grep -qi 'Verifying against public key in the token... ok' sign-$k.txt || { cat sign-$k.txt >&2; fail "test-sign $k did not verify"; }

	step "certtool: self-signed certificate with the $k token key"
	"${P11T[@]}" --login --export-pubkey "$KEY" >$k-token.pem 2>/dev/null || fail "p11tool --export-pubkey $k"
	timeout 60 certtool --provider "$MODULE" --generate-self-signed --load-privkey "$KEY" \
		--template "$HERE/cert.tmpl" --outfile $k.crt 2>certtool-$k.txt || { cat certtool-$k.txt >&2; fail "certtool $k"; }
	diff <(openssl x509 -in $k.crt -noout -pubkey) <(openssl pkey -pubin -in $k-token.pem) >/dev/null ||
		fail "$k.crt does not carry the token's public key"
	openssl verify -CAfile $k.crt $k.crt >/dev/null || fail "$k.crt's self-signature does not verify"
	echo "certificate $(openssl x509 -in $k.crt -noout -subject), public key = token's, self-signature verifies"

	step "gnutls-serv with the $k key as a pkcs11: URI (port ${PORT[$k]}, loopback only)"
	timeout 300 gnutls-serv --provider "$MODULE" -p "${PORT[$k]}" --echo -a \
		--x509certfile $k.crt --x509keyfile "$KEY?pin-value=$GNUTLS_PIN" >serv-$k.log 2>&1 &
	SERVER=$!
	for i in $(seq 1 100); do
		grep -q 'Echo Server listening' serv-$k.log 2>/dev/null && break
		kill -0 "$SERVER" 2>/dev/null || { cat serv-$k.log >&2; fail "gnutls-serv exited"; }
		sleep 0.1
	done
	grep -q 'Echo Server listening' serv-$k.log || fail "gnutls-serv did not listen within 10s"

	step "$CLIENTS gnutls-cli handshakes against the $k key"
	t0=$SECONDS
	# Four clients at a time: a gnutls-cli spends most of its time waiting.
	for ((i = 1; i <= CLIENTS; i += 4)); do
		pids=()
		for ((j = i; j < i + 4 && j <= CLIENTS; j++)); do
			# Full handshake each time (a new process has no session to resume);
			# the certificate must verify for the name localhost.
			echo "hello $j" | timeout 20 gnutls-cli --x509cafile $k.crt --verify-hostname localhost \
				-p "${PORT[$k]}" 127.0.0.1 >cli-$((j % 4)).txt 2>&1 &
			pids+=($!)
		done
		for ((j = 0; j < ${#pids[@]}; j++)); do
			wait "${pids[j]}" || { tail -n 15 cli-$(((i + j) % 4)).txt >&2; fail "gnutls-cli handshake $((i + j)) ($k)"; }
		done
	done
	cp cli-$((CLIENTS % 4)).txt cli.txt
	grep -E 'Description|Certificate type|- Status' cli.txt | head -3
	grep -q "The certificate is trusted" cli.txt || { cat cli.txt >&2; fail "the server certificate was not trusted"; }
	grep -q "hello $CLIENTS" cli.txt || { cat cli.txt >&2; fail "no echo"; }
	n=$(grep -c '^- Description:' serv-$k.log || true)
	[ "$n" -ge "$CLIENTS" ] || fail "gnutls-serv logged $n handshakes, expected $CLIENTS"
	echo "$CLIENTS handshakes in $((SECONDS - t0))s ($n logged by gnutls-serv)"
	if [ $k = rsa ]; then
		# TLS 1.2 with RSA PKCS#1 v1.5 signatures (TLS 1.3 uses RSA-PSS).
		for i in $(seq 1 20); do
			echo "v15 $i" | timeout 20 gnutls-cli --x509cafile $k.crt --verify-hostname localhost \
				--priority "NORMAL:-VERS-TLS1.3:-SIGN-ALL:+SIGN-RSA-SHA256" \
				-p "${PORT[$k]}" 127.0.0.1 >cli.txt 2>&1 || { tail -n 15 cli.txt >&2; fail "gnutls-cli TLS 1.2 handshake $i"; }
		done
		grep -q '(TLS1.2-X.509)-(ECDHE-SECP256R1)-(RSA-SHA256)' cli.txt || { grep Description cli.txt >&2; fail "expected a TLS 1.2 RSA-SHA256 (PKCS#1 v1.5) handshake"; }
		echo "20 TLS 1.2 handshakes signed with RSA PKCS#1 v1.5: $(grep -o '(TLS1.2-X.509)[^ ]*' cli.txt)"
	fi
	kill -0 "$SERVER" || fail "gnutls-serv died"
	kill -TERM "$SERVER"
	wait "$SERVER" 2>/dev/null || true
	SERVER=""
	grep -iE 'error|fail' serv-$k.log | grep -v 'Error in handshake: The TLS connection was non-properly terminated' | head -5 || true
done
[ -s "$WORK/gohsm.log" ] && { echo "--- gohsm.log ---"; cat "$WORK/gohsm.log"; }
printf '\ngnutls example: PASS with %s in %ds\n' "$(basename "$MODULE")" $((SECONDS - START))
