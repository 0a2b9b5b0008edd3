#!/usr/bin/env bash
# run.sh: the openssl command line with token keys, through libp11's PKCS#11
# engine (libengine-pkcs11-openssl). In a fresh temporary store it makes EC
# P-256 and RSA-2048 key pairs with pkcs11-tool, then with openssl and the
# engine: a CSR and a self-signed certificate per key, file signatures
# (ECDSA, RSA PKCS#1 v1.5, RSA-PSS) checked by openssl in software with the
# certificate's public key, and decryption with the RSA token key of data
# encrypted in software (PKCS#1 v1.5 and OAEP). Exits non-zero at the first
# failure.
#
# Usage: examples/openssl/run.sh [module.so]     (default: ./libgohsm.so)
#   MODULE=/usr/lib/softhsm/libsofthsm2.so examples/openssl/run.sh
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/examples/openssl"
MODULE=$(realpath "${1:-${MODULE:-$ROOT/libgohsm.so}}")
ENGINE=${ENGINE:-$(ls /usr/lib/*/engines-3/pkcs11.so 2>/dev/null | head -1)}

fail() { printf 'openssl example: FAIL: %s\n' "$*" >&2; exit 1; }
[ -f "$MODULE" ] || fail "$MODULE is missing (run 'make' first)"
[ -n "$ENGINE" ] || fail "libp11's engine is missing (apt-get install libengine-pkcs11-openssl)"
for tool in openssl pkcs11-tool timeout; do
	command -v "$tool" >/dev/null || fail "$tool is missing (make deps)"
done

START=$SECONDS
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gohsm-openssl.XXXXXX")
finish() {
	local rc=$?
	[ $rc -ne 0 ] && printf '\nopenssl example: FAILED (exit %d) at: %s\n' "$rc" "$CURRENT" >&2
	[ $rc -ne 0 ] && [ -s "$WORK/gohsm.log" ] && { echo "--- gohsm.log ---" >&2; tail -n 40 "$WORK/gohsm.log" >&2; }
	rm -rf "$WORK"
	exit $rc
}
CURRENT=setup
trap finish EXIT
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
export SO_PIN=so-secret USER_PIN=123456
TOKEN=openssl
sed -e "s|@MODULE@|$MODULE|" -e "s|@ENGINE@|$ENGINE|" "$HERE/openssl.cnf.in" >openssl.cnf

P11=(timeout 60 pkcs11-tool --module "$MODULE")
# Engine commands read openssl.cnf; the "Engine set" chatter is dropped.
ossl() {
	local out rc=0
	out=$(OPENSSL_CONF="$WORK/openssl.cnf" timeout 60 openssl "$@" 2>&1) || rc=$?
	printf '%s\n' "$out" | grep -v '^Engine "pkcs11" set\.$' | grep . || true
	return $rc
}
ENG=(-engine pkcs11)

step "initialise token '$TOKEN' and the user PIN; generate EC P-256 and RSA-2048 key pairs (pkcs11-tool)"
"${P11[@]}" --init-token --label "$TOKEN" --so-pin env:SO_PIN >/dev/null
"${P11[@]}" --token-label "$TOKEN" --login --login-type so --so-pin env:SO_PIN --init-pin --pin env:USER_PIN >/dev/null
"${P11[@]}" --token-label "$TOKEN" --login --pin env:USER_PIN --keypairgen --key-type EC:prime256v1 --label ec --id 01 >/dev/null
"${P11[@]}" --token-label "$TOKEN" --login --pin env:USER_PIN --keypairgen --key-type RSA:2048 --label rsa --id 02 >/dev/null
"${P11[@]}" --token-label "$TOKEN" --login --pin env:USER_PIN --list-objects | grep -E 'Object;|label:'

uri() { echo "pkcs11:token=$TOKEN;object=$1;type=private?pin-value=$USER_PIN"; }
echo "a file to sign, $(date -u)" >file.txt

for k in ec rsa; do
	KEY=(-keyform engine -key "$(uri $k)")
	step "$k: certificate signing request with the token key"
	ossl req -new "${ENG[@]}" "${KEY[@]}" -subj "/CN=gohsm $k example" -sha256 -out "$k.csr"
	ossl req -in "$k.csr" -noout -verify
	step "$k: self-signed certificate with the token key"
	ossl req -new -x509 -days 2 "${ENG[@]}" "${KEY[@]}" -subj "/CN=gohsm $k example" -sha256 -out "$k.crt"
	openssl verify -CAfile "$k.crt" "$k.crt"
	openssl x509 -in "$k.crt" -noout -pubkey >"$k-pub.pem"
	# The certificate carries the token's public key (read by pkcs11-tool).
	if [ $k = ec ]; then
		"${P11[@]}" --token-label "$TOKEN" --list-objects --type pubkey --id 01 | p256_spki_pem >"$k-token.pem"
	else
		"${P11[@]}" --token-label "$TOKEN" --read-object --type pubkey --id 02 -o "$k-token.der" >/dev/null
		openssl pkey -pubin -inform DER -in "$k-token.der" >"$k-token.pem"
	fi
	diff "$k-token.pem" "$k-pub.pem" >/dev/null || fail "$k.crt's public key differs from the token's"
	openssl req -in "$k.csr" -noout -pubkey | diff - "$k-pub.pem" >/dev/null ||
		fail "$k.csr's public key differs from the token's"
	echo "certificate and CSR carry the token's public key"

	step "$k: sign a file with the token key (openssl dgst -sha256 -sign), verify in software"
	ossl dgst -sha256 "${ENG[@]}" -keyform engine -sign "$(uri $k)" -out "$k.sig" file.txt
	openssl dgst -sha256 -verify "$k-pub.pem" -signature "$k.sig" file.txt
	echo "tampered" >>file.txt
	if openssl dgst -sha256 -verify "$k-pub.pem" -signature "$k.sig" file.txt >/dev/null 2>&1; then
		fail "a signature verified over a changed file"
	fi
	sed -i '$d' file.txt
done

step "rsa: RSA-PSS file signature with the token key"
ossl dgst -sha256 "${ENG[@]}" -keyform engine -sign "$(uri rsa)" -sigopt rsa_padding_mode:pss \
	-sigopt rsa_pss_saltlen:32 -out rsa-pss.sig file.txt
openssl dgst -sha256 -verify rsa-pub.pem -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 \
	-signature rsa-pss.sig file.txt

head -c 32 /dev/urandom >secret.bin
for pad in pkcs1 oaep; do
	step "rsa: decrypt with the token key ($pad padding; encrypted in software with the certificate's key)"
	openssl pkeyutl -encrypt -pubin -inkey rsa-pub.pem -pkeyopt rsa_padding_mode:$pad -in secret.bin -out "secret.$pad"
	ossl pkeyutl -decrypt "${ENG[@]}" -keyform engine -inkey "$(uri rsa)" -pkeyopt rsa_padding_mode:$pad \
		-in "secret.$pad" -out "secret.$pad.out"
	cmp secret.bin "secret.$pad.out"
	echo "decrypted the 32-byte secret"
done

CURRENT=done
[ -s "$WORK/gohsm.log" ] && { echo "--- gohsm.log ---"; cat "$WORK/gohsm.log"; }
printf '\nopenssl example: PASS with %s in %ds\n' "$(basename "$MODULE")" $((SECONDS - START))
