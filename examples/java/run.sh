#!/usr/bin/env bash
# run.sh: Java (JDK 17) with token keys through SunPKCS11. In a fresh
# temporary store it makes a token with pkcs11-tool, then with the JDK alone:
#   1. keytool lists the (empty) token as a PKCS11 keystore;
#   2. keytool -genkeypair makes an EC P-256 and an RSA-2048 key pair in the
#      token (with a self-signed certificate each), and lists them;
#   3. SignDemo.java (compiled here with javac) signs with SHA256withECDSA,
#      SHA384withECDSA, SHA256withRSA and RSASSA-PSS through SunPKCS11 and
#      verifies with the JDK's software providers (SunEC, SunRsaSign), then
#      AES-256/GCM in the token (a token key's round trip, a tampered tag
#      refused, and an imported key's ciphertext decrypted by SunJCE);
#   4. pkcs11-tool shows the private keys are sensitive, never extractable,
#      generated in the token (CKA_LOCAL).
# Exits 77 (skipped) when the JDK is missing, non-zero at the first failure.
#
# Usage: examples/java/run.sh [module.so]     (default: ./libgohsm.so)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/examples/java"
MODULE=$(realpath "${1:-${MODULE:-$ROOT/libgohsm.so}}")

fail() { printf 'java example: FAIL: %s\n' "$*" >&2; exit 1; }
[ -f "$MODULE" ] || fail "$MODULE is missing (run 'make' first)"
for tool in java javac keytool; do
	if ! command -v "$tool" >/dev/null; then
		# 77: skipped (scripts/e2e.sh reports SKIP, not FAIL).
		echo "java example: $tool is missing (apt-get install openjdk-17-jdk-headless)"
		exit 77
	fi
done
for tool in pkcs11-tool timeout; do
	command -v "$tool" >/dev/null || fail "$tool is missing (make deps)"
done

START=$SECONDS
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gohsm-java.XXXXXX")
CURRENT=setup
finish() {
	local rc=$?
	if [ $rc -ne 0 ]; then
		printf '\njava example: FAILED (exit %d) at: %s\n' "$rc" "$CURRENT" >&2
		[ -s "$WORK/gohsm.log" ] && { echo "--- gohsm.log ---" >&2; tail -n 40 "$WORK/gohsm.log" >&2; }
	fi
	rm -rf "$WORK"
	exit $rc
}
trap finish EXIT
cd "$WORK"

export GOHSM_DIR="$WORK/store" GOHSM_CONF="$WORK/gohsm.toml"
printf '[log]\nlevel = "warn"\nfile = "%s/gohsm.log"\n' "$WORK" >"$GOHSM_CONF"
export SO_PIN=so-secret USER_PIN=123456
TOKEN=java
P11=(timeout 60 pkcs11-tool --module "$MODULE")

step "initialise token '$TOKEN' and the user PIN (pkcs11-tool)"
"${P11[@]}" --init-token --label "$TOKEN" --so-pin env:SO_PIN >/dev/null
"${P11[@]}" --token-label "$TOKEN" --login --login-type so --so-pin env:SO_PIN --init-pin --pin env:USER_PIN >/dev/null
SLOT=$("${P11[@]}" -L 2>/dev/null | awk -v t="$TOKEN" '/^Slot [0-9]+ /{s=$2} $0 ~ "token label *: "t"$"{print s; exit}')
[ -n "$SLOT" ] || fail "no slot holds token '$TOKEN'"
sed -e "s|@MODULE@|$MODULE|" -e "s|@SLOT@|$SLOT|" "$HERE/java.cfg.in" >java.cfg
grep -v '^#' java.cfg

# keytool adds the provider last: -providerName makes it generate the key pairs
# in the token, not in software (SunEC/SunRsaSign) followed by an import.
KT=(timeout 120 keytool -storetype PKCS11 -providerClass sun.security.pkcs11.SunPKCS11 -providerArg java.cfg
	-providerName SunPKCS11-gohsm -storepass "$USER_PIN")

step "keytool -list: the token as a PKCS11 keystore (empty)"
"${KT[@]}" -list | tee list0.txt
grep -q 'Your keystore contains 0 entries' list0.txt || fail "a fresh token should hold no keystore entries"

step "keytool -genkeypair: EC P-256 and RSA-2048 key pairs in the token, with self-signed certificates"
"${KT[@]}" -genkeypair -alias ec -keyalg EC -groupname secp256r1 -sigalg SHA256withECDSA -dname CN=gohsm-java-ec -validity 30
"${KT[@]}" -genkeypair -alias rsa -keyalg RSA -keysize 2048 -sigalg SHA256withRSA -dname CN=gohsm-java-rsa -validity 30
"${KT[@]}" -list | tee list1.txt
grep -q 'Your keystore contains 2 entries' list1.txt || fail "keytool does not list 2 entries"
for a in ec rsa; do
	grep -q "^$a, PrivateKeyEntry" list1.txt || fail "keytool does not list private key entry '$a'"
done
"${KT[@]}" -list -v -alias ec | grep -E 'Owner|Signature algorithm name|Public Key'

step "SignDemo: signatures through SunPKCS11 verified by SunEC/SunRsaSign; AES/GCM in the token"
timeout 60 javac -d classes "$HERE/SignDemo.java"
timeout 120 java -cp classes SignDemo java.cfg ec=SHA256withECDSA ec=SHA384withECDSA rsa=SHA256withRSA rsa=RSASSA-PSS |
	tee demo.txt
[ "$(grep -c 'verified by Sun' demo.txt)" -eq 4 ] || fail "SignDemo did not verify 4 signatures"
grep -q '^AES/GCM .*decrypted by SunJCE' demo.txt || fail "AES/GCM through SunPKCS11 failed"

step "the private keys keytool made: sensitive, never extractable, generated in the token"
"${P11[@]}" --token-label "$TOKEN" --login --pin env:USER_PIN --list-objects --type privkey 2>/dev/null | tee priv.txt
[ "$(grep -c 'Private Key Object' priv.txt)" -eq 2 ] || fail "expected 2 private keys in the token"
[ "$(grep -c 'Access: *sensitive, always sensitive, never extractable, local' priv.txt)" -eq 2 ] ||
	fail "a private key is extractable or was not generated in the token"

CURRENT=done
[ -s gohsm.log ] && { echo "--- gohsm.log ---"; cat gohsm.log; }
printf '\njava example: PASS in %ds\n' $((SECONDS - START))
