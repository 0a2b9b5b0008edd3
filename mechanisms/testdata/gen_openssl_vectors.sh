#!/bin/sh
# Regenerates the OpenSSL-made reference vectors in this directory with the
# openssl command line (run from mechanisms/testdata). The committed files are
# what the tests read; this script documents where they came from.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# SHA digests: FIPS 180 example messages plus random messages around the
# block boundaries (64 and 128 bytes).
{
	echo "# Digests computed by $(openssl version | cut -d' ' -f1-2)"
	for len in 0 1 3 55 56 63 64 65 111 112 127 128 129 200 1000; do
		if [ "$len" = 0 ]; then : >"$tmp/m"; elif [ "$len" = 3 ]; then printf abc >"$tmp/m"; else openssl rand "$len" >"$tmp/m"; fi
		msg=$(xxd -p "$tmp/m" | tr -d '\n')
		for alg in sha1 sha224 sha256 sha384 sha512 sha512-224 sha512-256; do
			md=$(openssl dgst -"$alg" -r "$tmp/m" | cut -d' ' -f1)
			echo "Alg = $alg"
			echo "Msg = $msg"
			echo "MD = $md"
			echo
		done
	done
} >sha.txt

# ECDSA: a key per curve made by openssl, its scalar and point, and
# signatures by openssl over random messages with each hash, as r||s.
{
	echo "# Keys and signatures made by $(openssl version | cut -d' ' -f1-2)"
	for curve in secp224r1 prime256v1 secp384r1 secp521r1; do
		openssl ecparam -name "$curve" -genkey -noout -out "$tmp/k.pem"
		openssl ec -in "$tmp/k.pem" -pubout -out "$tmp/p.pem" 2>/dev/null
		text=$(openssl ec -in "$tmp/k.pem" -text -noout 2>/dev/null)
		priv=$(echo "$text" | awk '/^priv:/{f=1;next} /^pub:/{f=0} f' | tr -d ' :\n')
		pub=$(echo "$text" | awk '/^pub:/{f=1;next} /^ASN1 OID:/{f=0} f' | tr -d ' :\n')
		for alg in sha1 sha224 sha256 sha384 sha512; do
			openssl rand 100 >"$tmp/m"
			openssl dgst -"$alg" -sign "$tmp/k.pem" -out "$tmp/sig" "$tmp/m"
			echo "Curve = $curve"
			echo "Hash = $alg"
			echo "D = $priv"
			echo "Q = $pub"
			echo "Msg = $(xxd -p "$tmp/m" | tr -d '\n')"
			echo "SigDER = $(xxd -p "$tmp/sig" | tr -d '\n')"
			echo
		done
	done
} >ecdsa_openssl.txt
