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
		for alg in md5 sha1 sha224 sha256 sha384 sha512 sha512-224 sha512-256 sha3-224 sha3-256 sha3-384 sha3-512; do
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
		for alg in sha1 sha224 sha256 sha384 sha512 sha3-224 sha3-256 sha3-384 sha3-512; do
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

# RSA: one 2048-bit test key (a test fixture, never used for anything else),
# deterministic PKCS #1 v1.5 signatures (with each hash, and raw over the
# caller's bytes as CKM_RSA_PKCS takes them), PSS signatures with several salt
# lengths, and PKCS #1 v1.5 ciphertexts.
[ -f rsa2048.pem ] || openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa2048.pem 2>/dev/null
{
	echo "# PKCS #1 v1.5 signatures by $(openssl version | cut -d' ' -f1-2) with rsa2048.pem"
	for alg in none sha1 sha224 sha256 sha384 sha512 sha3-224 sha3-256 sha3-384 sha3-512; do
		# pkeyutl takes at most 64 bytes: 51 is the size of a SHA-256 DigestInfo.
		openssl rand 51 >"$tmp/m"
		if [ "$alg" = none ]; then
			openssl pkeyutl -sign -inkey rsa2048.pem -in "$tmp/m" -out "$tmp/sig"
		else
			openssl dgst -"$alg" -sign rsa2048.pem -out "$tmp/sig" "$tmp/m"
		fi
		echo "Hash = $alg"
		echo "Msg = $(xxd -p "$tmp/m" | tr -d '\n')"
		echo "Sig = $(xxd -p "$tmp/sig" | tr -d '\n')"
		echo
	done
} >rsa_pkcs1.txt
{
	echo "# PSS signatures (MGF1 with the same hash) by $(openssl version | cut -d' ' -f1-2) with rsa2048.pem"
	for alg in sha1 sha224 sha256 sha384 sha512 sha3-224 sha3-256 sha3-384 sha3-512; do
		for salt in 1 20 32 max; do
			openssl rand 50 >"$tmp/m"
			openssl dgst -"$alg" -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:"$salt" \
				-sigopt rsa_mgf1_md:"$alg" -sign rsa2048.pem -out "$tmp/sig" "$tmp/m"
			echo "Hash = $alg"
			echo "Salt = $salt"
			echo "Msg = $(xxd -p "$tmp/m" | tr -d '\n')"
			echo "Sig = $(xxd -p "$tmp/sig" | tr -d '\n')"
			echo
		done
	done
} >rsa_pss.txt
{
	echo "# PKCS #1 v1.5 ciphertexts by $(openssl version | cut -d' ' -f1-2) for rsa2048.pem"
	for len in 1 16 100 245; do
		openssl rand "$len" >"$tmp/m"
		openssl pkeyutl -encrypt -inkey rsa2048.pem -in "$tmp/m" -out "$tmp/c"
		echo "Msg = $(xxd -p "$tmp/m" | tr -d '\n')"
		echo "CT = $(xxd -p "$tmp/c" | tr -d '\n')"
		echo
	done
} >rsa_pkcs1_enc.txt

# HMAC: the RFC 4231 (and RFC 2202 for SHA-1) test inputs, MACs by openssl.
{
	echo "# HMACs computed by $(openssl version | cut -d' ' -f1-2) over the RFC 4231 inputs"
	hexof() { printf %s "$1" | xxd -p | tr -d '\n'; }
	rep() { printf "%0.s$1" $(seq "$2"); }
	while read -r key data; do
		printf %s "$data" | xxd -r -p >"$tmp/m"
		for alg in md5 sha1 sha224 sha256 sha384 sha512 sha512-224 sha512-256 sha3-224 sha3-256 sha3-384 sha3-512; do
			mac=$(openssl dgst -"$alg" -mac HMAC -macopt hexkey:"$key" -r "$tmp/m" | cut -d' ' -f1)
			echo "Alg = $alg"
			echo "Key = $key"
			echo "Msg = $data"
			echo "MAC = $mac"
			echo
		done
	done <<VECTORS
$(rep 0b 20) $(hexof "Hi There")
$(hexof Jefe) $(hexof "what do ya want for nothing?")
$(rep aa 20) $(rep dd 50)
0102030405060708090a0b0c0d0e0f10111213141516171819 $(rep cd 50)
$(rep 0c 20) $(hexof "Test With Truncation")
$(rep aa 131) $(hexof "Test Using Larger Than Block-Size Key - Hash Key First")
$(rep aa 131) $(hexof "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.")
VECTORS
} >hmac.txt

# AES ECB, CBC and CBC-PAD by openssl enc, for each key size and several lengths.
{
	echo "# AES ciphertexts by $(openssl version | cut -d' ' -f1-2) (enc; -nopad for ECB and CBC)"
	for klen in 16 24 32; do
		for mode in ecb cbc cbc-pad; do
			for len in 0 1 15 16 17 32 100 160; do
				case $mode in ecb | cbc) [ $((len % 16)) = 0 ] || continue ;; esac
				key=$(openssl rand -hex "$klen")
				iv=$(openssl rand -hex 16)
				if [ "$len" = 0 ]; then : >"$tmp/m"; else openssl rand "$len" >"$tmp/m"; fi
				bits=$((klen * 8))
				case $mode in
				ecb) openssl enc -aes-$bits-ecb -nopad -K "$key" -in "$tmp/m" -out "$tmp/c"; iv= ;;
				cbc) openssl enc -aes-$bits-cbc -nopad -K "$key" -iv "$iv" -in "$tmp/m" -out "$tmp/c" ;;
				cbc-pad) openssl enc -aes-$bits-cbc -K "$key" -iv "$iv" -in "$tmp/m" -out "$tmp/c" ;;
				esac
				echo "Mode = $mode"
				echo "Key = $key"
				echo "IV = $iv"
				echo "PT = $(xxd -p "$tmp/m" | tr -d '\n')"
				echo "CT = $(xxd -p "$tmp/c" | tr -d '\n')"
				echo
			done
		done
	done
} >aes.txt

# Ed25519: the RFC 8032 section 7.1 secret keys and messages (TEST 1, 2, 3,
# 1024, SHA(abc)) plus random ones; public keys and signatures by openssl.
{
	echo "# Ed25519 public keys and signatures by $(openssl version | cut -d' ' -f1-2)"
	# openssl 3.0's pkeyutl cannot sign an empty message: RFC 8032 TEST 1 as published.
	echo "Seed = 9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
	echo "Pub = d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
	echo "Msg = "
	echo "Sig = e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
	echo
	while read -r seed msg; do
		[ "$seed" = random ] && seed=$(openssl rand -hex 32)
		[ "$msg" = random ] && msg=$(openssl rand -hex 77)
		# PKCS #8 wrapping of a raw Ed25519 seed (RFC 8410).
		echo "302e020100300506032b657004220420$seed" | xxd -r -p >"$tmp/k.der"
		printf %s "$msg" | xxd -r -p >"$tmp/m"
		openssl pkeyutl -sign -rawin -keyform DER -inkey "$tmp/k.der" -in "$tmp/m" -out "$tmp/sig"
		pub=$(openssl pkey -inform DER -in "$tmp/k.der" -pubout -outform DER | tail -c 32 | xxd -p | tr -d '\n')
		echo "Seed = $seed"
		echo "Pub = $pub"
		echo "Msg = $msg"
		echo "Sig = $(xxd -p "$tmp/sig" | tr -d '\n')"
		echo
	done <<VECTORS
4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb 72
c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7 af82
833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42 ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f
random random
random random
VECTORS
} >ed25519.txt

# RSA-OAEP: ciphertexts by openssl for hash/MGF1 pairs, with and without a label.
{
	echo "# OAEP ciphertexts by $(openssl version | cut -d' ' -f1-2) for rsa2048.pem"
	for pair in sha1:sha1 sha256:sha256 sha256:sha1 sha384:sha256 sha512:sha512 sha224:sha224 sha3-256:sha3-256; do
		h=${pair%:*} mgf=${pair#*:}
		for label in "" 6c6162656c; do
			openssl rand 40 >"$tmp/m"
			set -- -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:"$h" -pkeyopt rsa_mgf1_md:"$mgf"
			[ -n "$label" ] && set -- "$@" -pkeyopt rsa_oaep_label:"$label"
			openssl pkeyutl -encrypt -inkey rsa2048.pem "$@" -in "$tmp/m" -out "$tmp/c"
			echo "Hash = $h"
			echo "MGF = $mgf"
			echo "Label = $label"
			echo "Msg = $(xxd -p "$tmp/m" | tr -d '\n')"
			echo "CT = $(xxd -p "$tmp/c" | tr -d '\n')"
			echo
		done
	done
} >rsa_oaep.txt

# ECDH: per curve, two openssl keys, Z by pkeyutl -derive, and 40 bytes of
# the X9.63 KDF and of the SP 800-56 single-step KDF (openssl kdf SSKDF)
# over Z with random shared info, for several hashes.
{
	echo "# ECDH and KDFs by $(openssl version | cut -d' ' -f1-2)"
	for curve in secp224r1 prime256v1 secp384r1 secp521r1; do
		openssl ecparam -name "$curve" -genkey -noout -out "$tmp/a.pem"
		openssl ecparam -name "$curve" -genkey -noout -out "$tmp/b.pem"
		openssl ec -in "$tmp/b.pem" -pubout -out "$tmp/b.pub" 2>/dev/null
		d=$(openssl ec -in "$tmp/a.pem" -text -noout 2>/dev/null | awk '/^priv:/{f=1;next} /^pub:/{f=0} f' | tr -d ' :\n')
		q=$(openssl ec -in "$tmp/b.pem" -text -noout 2>/dev/null | awk '/^pub:/{f=1;next} /^ASN1 OID:/{f=0} f' | tr -d ' :\n')
		z=$(openssl pkeyutl -derive -inkey "$tmp/a.pem" -peerkey "$tmp/b.pub" | xxd -p | tr -d '\n')
		for h in SHA1 SHA256 SHA384 SHA512 SHA3-256; do
			info=$(openssl rand -hex 11)
			x963=$(openssl kdf -keylen 40 -kdfopt digest:"$h" -kdfopt hexsecret:"$z" -kdfopt hexinfo:"$info" X963KDF | tr -d ':')
			ss=$(openssl kdf -keylen 40 -kdfopt digest:"$h" -kdfopt hexsecret:"$z" -kdfopt hexinfo:"$info" SSKDF | tr -d ':')
			echo "Curve = $curve"
			echo "D = $d"
			echo "Peer = $q"
			echo "Z = $z"
			echo "Hash = $h"
			echo "Info = $info"
			echo "X963 = $x963"
			echo "SP800 = $ss"
			echo
		done
	done
} >ecdh.txt

# AES key wrap by openssl enc: RFC 3394 section 4 and RFC 5649 section 6
# inputs, then random keys and data of several lengths.
{
	echo "# AES key wrap (RFC 3394) and with padding (RFC 5649) by $(openssl version | cut -d' ' -f1-2)"
	kek16=000102030405060708090a0b0c0d0e0f
	kek24=${kek16}1011121314151617
	kek32=${kek16}101112131415161718191a1b1c1d1e1f
	data=00112233445566778899aabbccddeeff000102030405060708090a0b0c0d0e0f
	rfc5649=5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8
	while read -r mode kek p; do
		[ "$kek" = random ] && kek=$(openssl rand -hex 32)
		case $p in random*) p=$(openssl rand -hex "${p#random}") ;; esac
		printf %s "$p" | xxd -r -p >"$tmp/m"
		bits=$((${#kek} * 4))
		if [ "$mode" = pkcs7 ]; then # PKCS #7 padding to 8 bytes, then RFC 3394
			n=$((8 - ${#p} / 2 % 8))
			for _ in $(seq "$n"); do printf "\\$(printf %03o "$n")"; done >>"$tmp/m"
			openssl enc -id-aes$bits-wrap -K "$kek" -iv A6A6A6A6A6A6A6A6 -in "$tmp/m" -out "$tmp/c"
		elif [ "$mode" = kw ]; then
			openssl enc -id-aes$bits-wrap -K "$kek" -iv A6A6A6A6A6A6A6A6 -in "$tmp/m" -out "$tmp/c"
		else
			openssl enc -id-aes$bits-wrap-pad -K "$kek" -iv A65959A6 -in "$tmp/m" -out "$tmp/c"
		fi
		echo "Mode = $mode"
		echo "KEK = $kek"
		echo "P = $p"
		echo "C = $(xxd -p "$tmp/c" | tr -d '\n')"
		echo
	done <<VECTORS
kw $kek16 $(echo $data | cut -c1-32)
kw $kek24 $(echo $data | cut -c1-32)
kw $kek32 $(echo $data | cut -c1-32)
kw $kek24 $(echo $data | cut -c1-48)
kw $kek32 $(echo $data | cut -c1-48)
kw $kek32 $data
kw random random40
kwp $rfc5649 c37b7e6492584340bed12207808941155068f738
kwp $rfc5649 466f7250617369
kwp random random1
kwp random random8
kwp random random9
kwp random random33
pkcs7 random random8
pkcs7 random random9
pkcs7 random random16
pkcs7 random random20
pkcs7 random random31
VECTORS
} >aes_kw.txt

# CMAC by openssl mac: the SP 800-38B example key and messages for AES-128,
# then random keys of each size and random messages around block boundaries.
{
	echo "# CMACs by $(openssl version | cut -d' ' -f1-2)"
	sp=6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710
	while read -r cipher key msg; do
		case $key in random*) key=$(openssl rand -hex "${key#random}") ;; esac
		case $msg in random*) msg=$(openssl rand -hex "${msg#random}") ;; esac
		[ "$msg" = - ] && msg=
		printf %s "$msg" | xxd -r -p >"$tmp/m"
		echo "Cipher = $cipher"
		echo "Key = $key"
		echo "Msg = $msg"
		echo "MAC = $(openssl mac -cipher "$cipher" -macopt hexkey:"$key" -in "$tmp/m" CMAC)"
		echo
	done <<VECTORS
AES-128-CBC 2b7e151628aed2a6abf7158809cf4f3c -
AES-128-CBC 2b7e151628aed2a6abf7158809cf4f3c $(echo $sp | cut -c1-32)
AES-128-CBC 2b7e151628aed2a6abf7158809cf4f3c $(echo $sp | cut -c1-80)
AES-128-CBC 2b7e151628aed2a6abf7158809cf4f3c $sp
AES-192-CBC random24 random15
AES-256-CBC random32 random16
AES-256-CBC random32 random17
AES-192-CBC random24 random100
AES-128-CBC random16 random1
DES-EDE3-CBC random24 -
DES-EDE3-CBC random24 random8
DES-EDE3-CBC random24 random13
DES-EDE3-CBC random24 random64
VECTORS
} >cmac.txt

# Triple DES ECB, CBC and CBC-PAD by openssl enc, for 24-byte (DES3) and
# 16-byte (DES2, openssl's des-ede) keys.
{
	echo "# Triple DES ciphertexts by $(openssl version | cut -d' ' -f1-2)"
	for klen in 16 24; do
		for mode in ecb cbc cbc-pad; do
			for len in 0 8 16 5 23 64; do
				case $mode in ecb | cbc) [ $((len % 8)) = 0 ] || continue ;; esac
				key=$(openssl rand -hex "$klen")
				iv=$(openssl rand -hex 8)
				if [ "$len" = 0 ]; then : >"$tmp/m"; else openssl rand "$len" >"$tmp/m"; fi
				alg=des-ede3; [ "$klen" = 16 ] && alg=des-ede
				case $mode in
				ecb) openssl enc -"$alg"-ecb -nopad -K "$key" -in "$tmp/m" -out "$tmp/c"; iv= ;;
				cbc) openssl enc -"$alg"-cbc -nopad -K "$key" -iv "$iv" -in "$tmp/m" -out "$tmp/c" ;;
				cbc-pad) openssl enc -"$alg"-cbc -K "$key" -iv "$iv" -in "$tmp/m" -out "$tmp/c" ;;
				esac
				echo "Mode = $mode"
				echo "Key = $key"
				echo "IV = $iv"
				echo "PT = $(xxd -p "$tmp/m" | tr -d '\n')"
				echo "CT = $(xxd -p "$tmp/c" | tr -d '\n')"
				echo
			done
		done
	done
} >des3.txt

# AES stream modes (CTR, OFB, CFB8, CFB128) by openssl enc.
{
	echo "# AES stream-mode ciphertexts by $(openssl version | cut -d' ' -f1-2)"
	for klen in 16 24 32; do
		for mode in ctr ofb cfb8 cfb; do
			for len in 0 1 16 33 100; do
				key=$(openssl rand -hex "$klen")
				iv=$(openssl rand -hex 16)
				if [ "$len" = 0 ]; then : >"$tmp/m"; else openssl rand "$len" >"$tmp/m"; fi
				openssl enc -aes-$((klen * 8))-"$mode" -K "$key" -iv "$iv" -in "$tmp/m" -out "$tmp/c"
				echo "Mode = $mode"
				echo "Key = $key"
				echo "IV = $iv"
				echo "PT = $(xxd -p "$tmp/m" | tr -d '\n')"
				echo "CT = $(xxd -p "$tmp/c" | tr -d '\n')"
				echo
			done
		done
	done
} >aes_stream.txt

# X25519: the RFC 7748 section 6.1 private keys and random ones; public keys
# and shared secrets by openssl.
{
	echo "# X25519 public keys and shared secrets by $(openssl version | cut -d' ' -f1-2)"
	while read -r a b; do
		[ "$a" = random ] && a=$(openssl rand -hex 32)
		[ "$b" = random ] && b=$(openssl rand -hex 32)
		echo "302e020100300506032b656e04220420$a" | xxd -r -p >"$tmp/a.der"
		echo "302e020100300506032b656e04220420$b" | xxd -r -p >"$tmp/b.der"
		openssl pkey -inform DER -in "$tmp/b.der" -pubout -out "$tmp/b.pub"
		pa=$(openssl pkey -inform DER -in "$tmp/a.der" -pubout -outform DER | tail -c 32 | xxd -p | tr -d '\n')
		pb=$(openssl pkey -in "$tmp/b.pub" -pubin -outform DER | tail -c 32 | xxd -p | tr -d '\n')
		z=$(openssl pkeyutl -derive -keyform DER -inkey "$tmp/a.der" -peerkey "$tmp/b.pub" | xxd -p | tr -d '\n')
		echo "PrivA = $a"
		echo "PubA = $pa"
		echo "PubB = $pb"
		echo "Z = $z"
		echo
	done <<VECTORS
77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a 5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb
random random
random random
VECTORS
} >x25519.txt

# CBC-MAC (CKM_AES_MAC, CKM_DES3_MAC): the last block of openssl enc's
# CBC encryption, zero IV, of the data zero-padded to whole blocks.
{
	echo "# CBC-MAC full last blocks by $(openssl version | cut -d' ' -f1-2) enc"
	for c in aes-128 aes-192 aes-256 des-ede3; do
		for len in 0 1 8 16 17 40; do
			case $c in aes-*) bs=16 klen=$((${c#aes-} / 8)) ;; *) bs=8 klen=24 ;; esac
			key=$(openssl rand -hex "$klen")
			if [ "$len" = 0 ]; then : >"$tmp/m"; else openssl rand "$len" >"$tmp/m"; fi
			padded=$(( (len + bs - 1) / bs * bs ))
			[ "$padded" = 0 ] && padded=$bs
			cp "$tmp/m" "$tmp/p"
			head -c $((padded - len)) /dev/zero >>"$tmp/p"
			mac=$(openssl enc -"$c"-cbc -nopad -K "$key" -iv "$(head -c "$bs" /dev/zero | xxd -p)" -in "$tmp/p" | tail -c "$bs" | xxd -p | tr -d '\n')
			echo "Cipher = $c"
			echo "Key = $key"
			echo "Msg = $(xxd -p "$tmp/m" | tr -d '\n')"
			echo "MAC = $mac"
			echo
		done
	done
} >cbc_mac.txt

# HKDF by openssl kdf: the RFC 5869 test case 1-3 inputs and random ones,
# extract-and-expand, extract only and expand only.
{
	echo "# HKDF by $(openssl version | cut -d' ' -f1-2)"
	while read -r h ikm salt info len; do
		case $ikm in random*) ikm=$(openssl rand -hex "${ikm#random}") ;; esac
		case $salt in random*) salt=$(openssl rand -hex "${salt#random}") ;; -) salt= ;; esac
		case $info in random*) info=$(openssl rand -hex "${info#random}") ;; -) info= ;; esac
		set -- -kdfopt digest:"$h" -kdfopt hexkey:"$ikm"
		[ -n "$salt" ] && set -- "$@" -kdfopt hexsalt:"$salt"
		[ -n "$info" ] && set -- "$@" -kdfopt hexinfo:"$info"
		okm=$(openssl kdf -keylen "$len" "$@" HKDF | tr -d ':')
		prk=$(openssl kdf -keylen "$(openssl dgst -"$h" </dev/null | awk '{print length($NF)/2}')" "$@" -kdfopt mode:EXTRACT_ONLY HKDF | tr -d ':')
		exp=$(openssl kdf -keylen "$len" "$@" -kdfopt mode:EXPAND_ONLY HKDF | tr -d ':')
		echo "Hash = $h"
		echo "IKM = $ikm"
		echo "Salt = $salt"
		echo "Info = $info"
		echo "OKM = $okm"
		echo "PRK = $prk"
		echo "ExpandOnly = $exp"
		echo
	done <<VECTORS
SHA256 0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b 000102030405060708090a0b0c f0f1f2f3f4f5f6f7f8f9 42
SHA256 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f 606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff 82
SHA256 0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b - - 42
SHA1 random20 random10 random5 50
SHA384 random48 random48 random20 32
SHA512 random64 - random8 100
SHA3-256 random32 random16 random16 32
VECTORS
} >hkdf.txt

# AES-CTS (CS1, openssl's AES-*-CBC-CTS) by openssl enc.
{
	echo "# AES-CBC-CTS (CS1) ciphertexts by $(openssl version | cut -d' ' -f1-2)"
	for klen in 16 24 32; do
		for len in 16 17 31 32 33 47 48 100; do
			key=$(openssl rand -hex "$klen")
			iv=$(openssl rand -hex 16)
			openssl rand "$len" >"$tmp/m"
			openssl enc -aes-$((klen * 8))-cbc-cts -K "$key" -iv "$iv" -in "$tmp/m" -out "$tmp/c"
			echo "Key = $key"
			echo "IV = $iv"
			echo "PT = $(xxd -p "$tmp/m" | tr -d '\n')"
			echo "CT = $(xxd -p "$tmp/c" | tr -d '\n')"
			echo
		done
	done
} >aes_cts.txt
