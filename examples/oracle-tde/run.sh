#!/usr/bin/env bash
# run.sh: the PKCS#11 pattern of an Oracle TDE HSM keystore, replayed against
# gohsm by tde_pattern.c (built here with gcc); no Oracle database is needed.
# In a fresh temporary store:
#   1. pkcs11-tool makes the token and, as the Crypto Officer, the named Crypto
#      Users "tdeuser" (Oracle's) and "other" with C_InitPIN("name:password");
#   2. process 1 logs in with C_Login("tdeuser:password") and makes the AES-256
#      master key ORACLE.TDE.HSM.MK.<hex id> (token, private, sensitive,
#      non-extractable, encrypt/decrypt/wrap/unwrap);
#   3. process 2 finds it by label and encrypts 5 random 32-byte table keys with
#      CKM_AES_CBC_PAD; process 3 decrypts them: the same keys;
#   4. rekey: a new master key, the table keys re-encrypted under it; both the
#      new blobs (new key) and the old ones (old key, kept for old backups)
#      decrypt to the same table keys; the old key does not open the new blobs;
#   5. the master key's CKA_VALUE is unreadable, C_WrapKey is refused,
#      CKA_EXTRACTABLE cannot be set; a wrong password is refused; another
#      Crypto User does not see the key.
# Exits non-zero at the first failure (77 when gcc is missing).
#
# Usage: examples/oracle-tde/run.sh [module.so]     (default: ./libgohsm.so)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/examples/oracle-tde"
MODULE=$(realpath "${1:-${MODULE:-$ROOT/libgohsm.so}}")

fail() { printf 'oracle-tde example: FAIL: %s\n' "$*" >&2; exit 1; }
[ -f "$MODULE" ] || fail "$MODULE is missing (run 'make' first)"
if ! command -v gcc >/dev/null; then
	echo "oracle-tde example: gcc is missing (make deps)"
	exit 77
fi
for tool in pkcs11-tool timeout cmp; do
	command -v "$tool" >/dev/null || fail "$tool is missing (make deps)"
done

START=$SECONDS
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gohsm-tde.XXXXXX")
CURRENT=setup
finish() {
	local rc=$?
	if [ $rc -ne 0 ]; then
		printf '\noracle-tde example: FAILED (exit %d) at: %s\n' "$rc" "$CURRENT" >&2
		[ -s "$WORK/gohsm.log" ] && { echo "--- gohsm.log ---" >&2; tail -n 40 "$WORK/gohsm.log" >&2; }
	fi
	rm -rf "$WORK"
	exit $rc
}
trap finish EXIT
cd "$WORK"

export GOHSM_DIR="$WORK/store" GOHSM_CONF="$WORK/gohsm.toml"
printf '[log]\nlevel = "warn"\nfile = "%s/gohsm.log"\n' "$WORK" >"$GOHSM_CONF"
export SO_PIN=so-secret
TOKEN=tde
TDE_USER=tdeuser:tde-password # what ADMINISTER KEY MANAGEMENT ... IDENTIFIED BY gets
OTHER_USER=other:other-password
P11=(timeout 60 pkcs11-tool --module "$MODULE")
# tde USER STEP ARGS...: one step of the pattern, in its own process.
tde() { timeout 60 ./tde_pattern "$MODULE" "$TOKEN" "$@"; }

step "build tde_pattern.c"
gcc -std=gnu11 -O2 -Wall -Werror -I"$ROOT/cexport/include" -o tde_pattern "$HERE/tde_pattern.c" -ldl

step "token '$TOKEN'; Crypto Users 'tdeuser' and 'other' made by the Crypto Officer with C_InitPIN(name:password)"
"${P11[@]}" --init-token --label "$TOKEN" --so-pin env:SO_PIN >/dev/null
for u in "$TDE_USER" "$OTHER_USER"; do
	"${P11[@]}" --token-label "$TOKEN" --login --login-type so --so-pin env:SO_PIN --init-pin --pin "$u" >/dev/null 2>&1 ||
		fail "C_InitPIN ${u%%:*}"
done

step "process 1: C_Login(tdeuser:password), C_GenerateKey of the AES-256 master key"
MK=$(tde "$TDE_USER" genmk)
echo "$MK"
[[ "$MK" =~ ^ORACLE\.TDE\.HSM\.MK\.[0-9A-F]{32}$ ]] || fail "unexpected master key label '$MK'"

step "process 2: find the master key by label, CKM_AES_CBC_PAD encrypt 5 table keys"
tde "$TDE_USER" encrypt "$MK" keys.txt blobs-old.txt
wc -l <blobs-old.txt | { read -r n; [ "$n" -eq 5 ] || fail "expected 5 encrypted table keys, got $n"; }
head -1 blobs-old.txt | cut -c1-48 | sed 's/$/... (IV || ciphertext)/'

step "process 3: decrypt the table keys"
tde "$TDE_USER" decrypt "$MK" blobs-old.txt >decrypted.txt
cmp keys.txt decrypted.txt && echo "the 5 table keys decrypt to the keys encrypted"

step "rekey: a new master key, the table keys re-encrypted under it"
MK2=$(tde "$TDE_USER" rekey "$MK" blobs-old.txt blobs-new.txt)
echo "$MK2"
[[ "$MK2" =~ ^ORACLE\.TDE\.HSM\.MK\.[0-9A-F]{32}$ ]] && [ "$MK2" != "$MK" ] || fail "rekey made no new master key"
tde "$TDE_USER" decrypt "$MK2" blobs-new.txt | cmp - keys.txt && echo "new master key: the same table keys"
tde "$TDE_USER" decrypt "$MK" blobs-old.txt | cmp - keys.txt && echo "old master key (old backups): the same table keys"
if tde "$TDE_USER" decrypt "$MK" blobs-new.txt 2>&1 | cmp -s - keys.txt; then
	fail "the old master key decrypts the table keys re-encrypted under the new one"
fi
echo "the old master key does not open the new blobs"

step "the master keys are sensitive and non-extractable"
tde "$TDE_USER" check "$MK"
tde "$TDE_USER" check "$MK2"

step "a wrong password is refused; another Crypto User does not see the master key"
tde "$TDE_USER" login-fails wrong-password && echo "tdeuser:wrong-password refused (CKR_PIN_INCORRECT)"
tde "$OTHER_USER" hidden "$MK" && echo "'other' finds no $MK"

CURRENT=done
[ -s gohsm.log ] && { echo "--- gohsm.log ---"; cat gohsm.log; }
printf '\noracle-tde example: PASS in %ds\n' $((SECONDS - START))
