#!/bin/sh
# Regenerates secp256k1.txt with the openssl command line (run from
# mechanisms/testdata): keys, SHA-256 ECDSA signatures (DER) and ECDH
# shared secrets made by openssl, which gohsm must accept and reproduce.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
hexof() { xxd -p "$1" | tr -d '\n'; }
keyparts() { # d and the uncompressed point of a PEM key, as hex
	openssl ec -in "$1" -text -noout 2>/dev/null | awk '/^priv:/{m="d";next} /^pub:/{m="q";next} /^ASN1/{m=""} m!=""{gsub(/[ :]/,""); printf "%s%s\n", m, $0}' >"$tmp/parts"
	D=$(grep '^d' "$tmp/parts" | sed 's/^d//' | tr -d '\n')
	Q=$(grep '^q' "$tmp/parts" | sed 's/^q//' | tr -d '\n')
}
{
	echo "# secp256k1 keys, ECDSA-SHA256 signatures (DER) and ECDH secrets by $(openssl version | cut -d' ' -f1-2)"
	for i in 1 2 3 4; do
		openssl ecparam -name secp256k1 -genkey -noout -out "$tmp/a.pem"
		openssl ecparam -name secp256k1 -genkey -noout -out "$tmp/b.pem"
		openssl ec -in "$tmp/b.pem" -pubout -out "$tmp/b.pub" 2>/dev/null
		keyparts "$tmp/b.pem"
		QB=$Q
		keyparts "$tmp/a.pem"
		openssl rand $((i * 37)) >"$tmp/m"
		openssl dgst -sha256 -sign "$tmp/a.pem" -out "$tmp/sig" "$tmp/m"
		openssl pkeyutl -derive -inkey "$tmp/a.pem" -peerkey "$tmp/b.pub" -out "$tmp/z"
		echo "D = $D"
		echo "Q = $Q"
		echo "Msg = $(hexof "$tmp/m")"
		echo "SigDER = $(hexof "$tmp/sig")"
		echo "PeerQ = $QB"
		echo "Z = $(hexof "$tmp/z")"
		echo
	done
} >secp256k1.txt
