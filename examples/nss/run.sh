#!/usr/bin/env bash
# run.sh: Mozilla NSS with keys in a PKCS#11 token. In a fresh temporary store
# and a fresh NSS database (sql:):
#   - modutil -add registers the module; modutil -list and certutil -U show it
#     and its token;
#   - certutil -S generates an EC P-256 and an RSA-2048 key pair ON the token
#     (-h nss) and a self-signed server certificate signed by each, stored on
#     the token too; certutil -K/-L list them; certutil -R makes a CSR with a
#     new token key (openssl checks its signature);
#   - the certificates carry the token's public keys (read by pkcs11-tool);
#   - selfserv (NSS's TLS server) serves each key, tstclnt handshakes and
#     verifies the server against the certificate, and strsclnt makes
#     CLIENTS (default 1000) full handshakes (no session reuse) per key.
# selfserv has no option to listen on one address, so as root the script runs
# in its own network namespace (unshare --net, loopback only). Without root it
# exits 77 (SKIP).
#
# Usage: examples/nss/run.sh [module.so]     (default: ./libgohsm.so)
#   examples/nss/run.sh /usr/lib/softhsm/libsofthsm2.so
# Environment: MODULE, CLIENTS, KEEP=1 keeps the work directory.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MODULE=$(realpath "${1:-${MODULE:-$ROOT/libgohsm.so}}")
CLIENTS=${CLIENTS:-1000}

fail() { printf 'nss example: FAIL: %s\n' "$*" >&2; exit 1; }
skip() { printf 'nss example: SKIP: %s\n' "$*"; exit 77; }
[ -f "$MODULE" ] || fail "$MODULE is missing (run 'make' first)"
for tool in modutil certutil selfserv tstclnt strsclnt pkcs11-tool openssl timeout unshare ip; do
	command -v "$tool" >/dev/null || skip "$tool is missing (make deps: libnss3-tools, opensc, iproute2)"
done
[ "$(id -u)" -eq 0 ] || skip "needs root (selfserv listens on every address: the script gives it a private network namespace)"
if [ "${GOHSM_NSS_NETNS:-}" != 1 ]; then
	unshare --net true 2>/dev/null || skip "cannot make a network namespace here (unshare --net: a container without CAP_SYS_ADMIN?)"
	# Re-run inside a new network namespace that has only the loopback device.
	GOHSM_NSS_NETNS=1 exec unshare --net -- "$0" "$MODULE"
fi
ip link set lo up

START=$SECONDS
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gohsm-nss.XXXXXX")
CURRENT=setup
stop_server() {
	local p
	p=$(cat "$WORK/selfserv.pid" 2>/dev/null) || return 0
	if kill -0 "$p" 2>/dev/null; then
		kill -TERM "$p" 2>/dev/null || true
		for i in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null || true
	fi
	rm -f "$WORK/selfserv.pid"
}
finish() {
	local rc=$?
	stop_server
	if [ $rc -ne 0 ]; then
		printf '\nnss example: FAILED (exit %d) after %ds at: %s\n' "$rc" $((SECONDS - START)) "$CURRENT" >&2
		for f in "$WORK"/selfserv-*.log; do [ -s "$f" ] && { echo "--- $(basename "$f") (last 20 lines) ---" >&2; tail -n 20 "$f" >&2; }; done
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
SO_PIN=so-secret USER_PIN=123456
# NSS tools read the token's PIN from a file (-f); the database itself has none.
printf '%s\n' "$USER_PIN" >pin.txt
head -c 64 /dev/urandom >noise.bin
DB=sql:$WORK/db
CDB=sql:$WORK/client
mkdir -p db client
P11=(timeout 60 pkcs11-tool --module "$MODULE")
NSS=(timeout 60)

printf 'nss example: module %s, work %s\n' "$MODULE" "$WORK"

step "initialise token 'nss' and the user PIN (pkcs11-tool)"
"${P11[@]}" --init-token --label nss --so-pin "$SO_PIN" >/dev/null
"${P11[@]}" --token-label nss --login --login-type so --so-pin "$SO_PIN" --init-pin --pin "$USER_PIN" >/dev/null

step "a fresh NSS database; modutil -add gohsm"
"${NSS[@]}" certutil -N -d "$DB" --empty-password
"${NSS[@]}" modutil -dbdir "$DB" -add gohsm -libfile "$MODULE" -force
"${NSS[@]}" modutil -dbdir "$DB" -list gohsm >modutil.txt
grep -E 'Name|Library file|Token Name|Manufacturer' modutil.txt
grep -Eq 'Token Name: *nss' modutil.txt || fail "modutil does not list the token 'nss'"
"${NSS[@]}" certutil -U -d "$DB" >tokens.txt
grep 'token=nss' tokens.txt || fail "certutil -U does not list the token 'nss'"

declare -A KEYARGS=([ec]="-k ec -q nistp256" [rsa]="-k rsa -g 2048")
# NSS clients want keyEncipherment in an RSA server certificate whatever the
# cipher suite. SoftHSMv2's RSA keys cannot serve such a certificate in
# selfserv (SSL_ConfigServerCert: SEC_ERROR_NO_MEMORY), so with SoftHSMv2 the
# RSA certificate allows signatures only and the clients override (-o) that
# one key-usage complaint. gohsm's keys get the full usage and full checks,
# and an RSA key exchange (the token decrypts the premaster secret) too.
declare -A USAGE=([ec]=digitalSignature [rsa]=digitalSignature,keyEncipherment)
declare -A OVERRIDE=([ec]="" [rsa]="")
if [ "$(basename "$MODULE")" = libsofthsm2.so ]; then
	USAGE[rsa]=digitalSignature
	OVERRIDE[rsa]=-o
fi
declare -A PORT=([ec]=$((20000 + RANDOM % 20000)) [rsa]=$((40000 + RANDOM % 20000)))
serial=1
for k in ec rsa; do
	step "certutil -S: $k key pair on the token and a self-signed server certificate"
	serial=$((serial + 1))
	# shellcheck disable=SC2086 # KEYARGS holds several words
	"${NSS[@]}" certutil -S -d "$DB" -h nss -f pin.txt -z noise.bin -x -n "$k-server" -s "CN=localhost" \
		${KEYARGS[$k]} -t ",," -m "$serial" -v 1 -8 localhost --keyUsage "${USAGE[$k]}" \
		--extKeyUsage serverAuth >certutil-S-$k.txt 2>&1 || { cat certutil-S-$k.txt >&2; fail "certutil -S ($k)"; }
	"${NSS[@]}" certutil -L -d "$DB" -h nss -f pin.txt -n "nss:$k-server" -a >$k.crt || fail "certutil -L cannot read nss:$k-server"
	openssl verify -CAfile $k.crt -purpose sslserver $k.crt >/dev/null || fail "$k.crt: the self-signature does not verify"
	echo "certificate: $(openssl x509 -in $k.crt -noout -subject -ext subjectAltName | tr '\n' ' ')"
done

step "certutil -K and -L list the keys and certificates on the token"
"${NSS[@]}" certutil -K -d "$DB" -h nss -f pin.txt | tee keys.txt
[ "$(grep -c 'nss:.*-server' keys.txt)" -eq 2 ] || fail "certutil -K does not list both keys"
"${NSS[@]}" certutil -L -d "$DB" -h nss -f pin.txt | tee certs.txt
[ "$(grep -c 'nss:.*-server' certs.txt)" -eq 2 ] || fail "certutil -L does not list both certificates"

step "the certificates carry the token's public keys (pkcs11-tool reads them)"
"${P11[@]}" --token-label nss --login --pin "$USER_PIN" --list-objects --type pubkey >pubkeys.txt 2>&1 || true
"${P11[@]}" --token-label nss --login --pin "$USER_PIN" --list-objects --type privkey >privkeys.txt 2>&1
[ "$(grep -c '^Private Key Object' privkeys.txt)" -eq 2 ] || { cat privkeys.txt >&2; fail "expected 2 private keys on the token"; }
# NSS names a key by its certificate's nickname and gives key and certificate
# the same CKA_ID; the certificate's public key must be the one on the token.
for k in ec rsa; do
	id=$("${P11[@]}" --token-label nss --list-objects --type cert 2>/dev/null |
		awk -v l="$k-server" '/^Certificate Object/ {c=0} $1=="label:" && $2==l {c=1} c && $1=="ID:" {print $2; exit}')
	[ -n "$id" ] || fail "no certificate object labelled $k-server on the token"
	grep -A12 '^Private Key Object' privkeys.txt | grep -q "ID: *$id" || fail "no private key with the certificate's CKA_ID $id"
	if [ $k = ec ]; then
		awk -v id="$id" '/^Public Key Object/ {b=""} {b=b $0 "\n"} $1=="ID:" && $2==id {print b; exit}' pubkeys.txt |
			p256_spki_pem >$k-token.pem || true
		if [ ! -s $k-token.pem ]; then
			# NSS may keep no public key object: derive it from the private key's.
			"${P11[@]}" --token-label nss --login --pin "$USER_PIN" --read-object --type privkey --id "$id" -o /dev/null 2>/dev/null || true
		fi
	else
		"${P11[@]}" --token-label nss --read-object --type pubkey --id "$id" -o $k-pub.der >/dev/null 2>&1 &&
			openssl pkey -pubin -inform DER -in $k-pub.der >$k-token.pem || true
	fi
	if [ -s $k-token.pem ]; then
		diff <(openssl x509 -in $k.crt -noout -pubkey) $k-token.pem >/dev/null || fail "$k.crt does not carry the token's public key"
		echo "$k: certificate public key = token public key (CKA_ID $id)"
	else
		fail "no public key object with CKA_ID $id on the token to compare $k.crt with"
	fi
done

step "certutil -R: a CSR with a new RSA-2048 key made on the token"
"${NSS[@]}" certutil -R -d "$DB" -h nss -f pin.txt -z noise.bin -k rsa -g 2048 -s "CN=csr.example" -a -o req.csr \
	>certutil-R.txt 2>&1 || { cat certutil-R.txt >&2; fail "certutil -R"; }
openssl req -in req.csr -noout -verify -subject 2>&1 | tee req.txt
grep -q 'verify OK' req.txt || fail "the CSR's signature does not verify"

step "client database trusting the two certificates"
"${NSS[@]}" certutil -N -d "$CDB" --empty-password
for k in ec rsa; do "${NSS[@]}" certutil -A -d "$CDB" -n "$k" -t "P,," -i $k.crt; done

for k in ec rsa; do
	step "selfserv with nss:$k-server (port ${PORT[$k]}, loopback only, no session cache)"
	if [ $k = ec ]; then NICK=(-e "nss:$k-server"); else NICK=(-n "nss:$k-server"); fi
	timeout 300 selfserv -d "$DB" -f pin.txt -p "${PORT[$k]}" "${NICK[@]}" -N -i "$WORK/selfserv.pid" \
		-V tls1.2:tls1.3 >selfserv-$k.log 2>&1 &
	for i in $(seq 1 100); do
		kill -0 $! 2>/dev/null || { cat selfserv-$k.log >&2; fail "selfserv exited"; }
		timeout 5 tstclnt -h localhost -4 -p "${PORT[$k]}" -d "$CDB" -q -t 1 >/dev/null 2>&1 && break
		sleep 0.1
	done
	[ -s "$WORK/selfserv.pid" ] || { cat selfserv-$k.log >&2; fail "selfserv did not start"; }

	step "tstclnt: TLS 1.3 and 1.2 handshakes verify the $k server against its certificate"
	# (tstclnt reads the request from a file: with a pipe it does not exit.)
	printf 'GET / HTTP/1.0\r\n\r\n' >request.txt
	for v in tls1.3 tls1.2; do
		# shellcheck disable=SC2086 # OVERRIDE is empty or one word
		timeout 20 tstclnt -h localhost -4 -p "${PORT[$k]}" -d "$CDB" ${OVERRIDE[$k]} -V $v:$v -f -v \
			<request.txt >tstclnt-$k-$v.txt 2>&1 || { tail -n 20 tstclnt-$k-$v.txt >&2; fail "tstclnt $v ($k)"; }
		grep -q 'Generated by NSS selfserv\|^HTTP/1.0 200' tstclnt-$k-$v.txt || { tail -n 20 tstclnt-$k-$v.txt >&2; fail "no answer from selfserv ($k, $v)"; }
		echo "$v: $(grep -m1 -o 'Signature Scheme: .*' tstclnt-$k-$v.txt), server certificate verified${OVERRIDE[$k]:+ (key usage overridden)}"
	done

	if [ $k = rsa ]; then
		# TLS 1.3 signs with RSA-PSS; make the server sign with PKCS#1 v1.5 too.
		timeout 20 tstclnt -h localhost -4 -p "${PORT[$k]}" -d "$CDB" ${OVERRIDE[$k]} -V tls1.2:tls1.2 -J rsa_pkcs1_sha256 -f -v \
			<request.txt >tstclnt-$k-v15.txt 2>&1 || { tail -n 20 tstclnt-$k-v15.txt >&2; fail "tstclnt rsa_pkcs1_sha256"; }
		grep -q 'Signature Scheme: rsa_pkcs1_sha256' tstclnt-$k-v15.txt || { tail -n 20 tstclnt-$k-v15.txt >&2; fail "expected an rsa_pkcs1_sha256 handshake"; }
		echo "tls1.2: $(grep -m1 -o 'Signature Scheme: .*' tstclnt-$k-v15.txt), server certificate verified${OVERRIDE[$k]:+ (key usage overridden)}"
		if [ -z "${OVERRIDE[$k]}" ]; then
			# TLS_RSA_WITH_AES_128_GCM_SHA256: the token decrypts (CKM_RSA_PKCS).
			timeout 20 tstclnt -h localhost -4 -p "${PORT[$k]}" -d "$CDB" -V tls1.2:tls1.2 -c :009C -f -v \
				<request.txt >tstclnt-$k-kx.txt 2>&1 || { tail -n 20 tstclnt-$k-kx.txt >&2; fail "tstclnt RSA key exchange"; }
			grep -q '^HTTP/1.0 200' tstclnt-$k-kx.txt && grep -q 'Key Exchange: 2048-bit RSA' tstclnt-$k-kx.txt ||
				{ tail -n 20 tstclnt-$k-kx.txt >&2; fail "no answer over an RSA key exchange"; }
			echo "tls1.2: RSA key exchange (TLS_RSA_WITH_AES_128_GCM_SHA256), server certificate verified"
		fi
	fi

	# strsclnt speaks TLS 1.2 at most; it verifies every server certificate.
	step "strsclnt: $CLIENTS full TLS 1.2 handshakes (no session reuse) with the $k key"
	t0=$SECONDS
	# shellcheck disable=SC2086
	timeout 120 strsclnt -d "$CDB" -p "${PORT[$k]}" ${OVERRIDE[$k]} -c "$CLIENTS" -N -V tls1.2:tls1.2 -4 localhost >strsclnt-$k.txt 2>&1 ||
		{ grep -v 'Certificate Validated' strsclnt-$k.txt | tail -n 20 >&2; fail "strsclnt ($k)"; }
	grep -v 'Certificate Validated' strsclnt-$k.txt | tail -n 3
	grep -q "0 cache hits; $CLIENTS cache misses" strsclnt-$k.txt || fail "expected $CLIENTS full handshakes ($k)"
	grep -q "NoReuse - $CLIENTS server certificates tested" strsclnt-$k.txt || fail "strsclnt did not test $CLIENTS server certificates ($k)"
	[ -n "${OVERRIDE[$k]}" ] || [ "$(grep -c 'Server Certificate Validated' strsclnt-$k.txt)" -ge "$CLIENTS" ] ||
		fail "not every server certificate was validated ($k)"
	echo "$CLIENTS handshakes in $((SECONDS - t0))s"
	stop_server
done
[ -s "$WORK/gohsm.log" ] && { echo "--- gohsm.log ---"; cat "$WORK/gohsm.log"; }
printf '\nnss example: PASS with %s in %ds\n' "$(basename "$MODULE")" $((SECONDS - START))
