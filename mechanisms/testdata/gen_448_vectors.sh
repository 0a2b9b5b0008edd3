#!/bin/sh
# Regenerates x448.txt and ed448_openssl.txt with the openssl command line
# (run from mechanisms/testdata). ed448.txt holds the RFC 8032 7.4/7.5 vectors
# as published; openssl 3.0's CLI has no Ed448 context or Ed448ph.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# X448: the RFC 7748 section 6.2 private keys and random ones; public keys and
# shared secrets by openssl.
{
	echo "# X448 public keys and shared secrets by $(openssl version | cut -d' ' -f1-2)"
	while read -r a b; do
		[ "$a" = random ] && a=$(openssl rand -hex 56)
		[ "$b" = random ] && b=$(openssl rand -hex 56)
		echo "3046020100300506032b656f043a0438$a" | xxd -r -p >"$tmp/a.der"
		echo "3046020100300506032b656f043a0438$b" | xxd -r -p >"$tmp/b.der"
		openssl pkey -inform DER -in "$tmp/b.der" -pubout -out "$tmp/b.pub"
		pa=$(openssl pkey -inform DER -in "$tmp/a.der" -pubout -outform DER | tail -c 56 | xxd -p | tr -d '\n')
		pb=$(openssl pkey -in "$tmp/b.pub" -pubin -outform DER | tail -c 56 | xxd -p | tr -d '\n')
		z=$(openssl pkeyutl -derive -keyform DER -inkey "$tmp/a.der" -peerkey "$tmp/b.pub" | xxd -p | tr -d '\n')
		echo "PrivA = $a"
		echo "PubA = $pa"
		echo "PubB = $pb"
		echo "Z = $z"
		echo
	done <<VECTORS
9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b 1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d
random random
random random
VECTORS
} >x448.txt

# Ed448 (pure, empty context): random seeds and messages; public keys and
# signatures by openssl.
{
	echo "# Ed448 public keys and signatures by $(openssl version | cut -d' ' -f1-2)"
	for i in 1 2 3; do
		seed=$(openssl rand -hex 57)
		msg=$(openssl rand -hex $((i * 41)))
		echo "3047020100300506032b6571043b0439$seed" | xxd -r -p >"$tmp/k.der"
		printf %s "$msg" | xxd -r -p >"$tmp/m"
		openssl pkeyutl -sign -rawin -keyform DER -inkey "$tmp/k.der" -in "$tmp/m" -out "$tmp/sig"
		echo "Secret = $seed"
		echo "Public = $(openssl pkey -inform DER -in "$tmp/k.der" -pubout -outform DER | tail -c 57 | xxd -p | tr -d '\n')"
		echo "Message = $msg"
		echo "Context = "
		echo "PH = 0"
		echo "Signature = $(xxd -p "$tmp/sig" | tr -d '\n')"
		echo
	done
} >ed448_openssl.txt
