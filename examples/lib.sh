# lib.sh: shell helpers shared by the examples' run.sh scripts. Source it with
#   . "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# The helpers read the caller's globals at call time (named per helper below).
# shellcheck shell=bash

# step TEXT: prints a step header with the seconds since $START, and records
# the step in $CURRENT for the script's failure message.
step() { CURRENT="$*"; printf '\n==> [%3ds] %s\n' $((SECONDS - ${START:-0})) "$*"; }

# alive PID: the process still exists.
alive() { kill -0 "$1" 2>/dev/null; }

# free_port prints a TCP port nothing listens on (needs ss).
free_port() {
	local p i
	for i in $(seq 1 50); do
		p=$((20000 + RANDOM % 40000))
		ss -Htln "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

# p256_spki_pem: stdin is pkcs11-tool's listing of one EC P-256 public key; prints
# the key as PEM, built from the CKA_EC_POINT shown there. (pkcs11-tool 0.23's
# own --read-object export of EC keys hands OpenSSL freed memory, so it fails
# depending on the heap's layout: seen with gdb, "invalid encoding".)
p256_spki_pem() {
	local hex
	hex=$(sed -n 's/^ *EC_POINT: *\([0-9a-fA-F]*\).*/\1/p' | head -1)
	hex=${hex#0441}
	[ ${#hex} -eq 130 ] && [ "${hex:0:2}" = 04 ] || { echo "no P-256 EC_POINT in pkcs11-tool's listing" >&2; return 1; }
	# shellcheck disable=SC2059 # the format is the key's bytes as \x escapes
	printf "$(printf '3059301306072a8648ce3d020106082a8648ce3d030107034200%s' "$hex" | sed 's/../\\x&/g')" |
		openssl pkey -pubin -inform DER
}

# token_pubkey ec|rsa: the public key as the token holds it, as PEM (read by
# pkcs11-tool, not by libp11). Uses P11 (the pkcs11-tool command), TOKEN,
# KEYID (key type -> CKA_ID) and WORK.
token_pubkey() {
	if [ "$1" = ec ]; then
		"${P11[@]}" --token-label "$TOKEN" --list-objects --type pubkey --id "${KEYID[$1]}" 2>/dev/null | p256_spki_pem
	else
		"${P11[@]}" --token-label "$TOKEN" --read-object --type pubkey --id "${KEYID[$1]}" -o "$WORK/$1-pub.der" >/dev/null 2>&1 &&
			openssl pkey -pubin -inform DER -in "$WORK/$1-pub.der"
	fi
}

# served_pubkey NAME: the public key of the certificate the local TLS server on
# PORT[NAME] presents, as PEM.
served_pubkey() {
	timeout 20 openssl s_client -connect "127.0.0.1:${PORT[$1]}" -servername localhost </dev/null 2>/dev/null |
		openssl x509 -noout -pubkey
}
