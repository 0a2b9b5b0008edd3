#!/bin/sh
# Regenerates the *.json.gz files here from a Project Wycheproof checkout
# (https://github.com/C2SP/wycheproof, Apache-2.0): the testvectors_v1 files
# listed below, with the key encodings the tests do not read (PEM, DER, JWK,
# PKCS #8, SPKI) removed, compacted by jq and gzipped. Everything else
# (groups, tests, flags, notes) is kept as Wycheproof wrote it.
#
# usage: fetch.sh <wycheproof git dir or work tree> [commit]
# Run from mechanisms/testdata/wycheproof. Needs git, jq and gzip.
set -eu
src=${1:?usage: fetch.sh <wycheproof checkout> [commit]}
commit=${2:-dac1dd4729fd1f8dd9e1e9f3dce51d783da6c166}

files="
aes_gcm aes_ccm aes_cbc_pkcs5 aes_cmac aes_wrap aes_kwp aes_xts chacha20_poly1305
hmac_sha1 hmac_sha224 hmac_sha256 hmac_sha384 hmac_sha512 hmac_sha512_224 hmac_sha512_256
hmac_sha3_224 hmac_sha3_256 hmac_sha3_384 hmac_sha3_512
hkdf_sha1 hkdf_sha256 hkdf_sha384 hkdf_sha512
pbkdf2_hmacsha1 pbkdf2_hmacsha224 pbkdf2_hmacsha256 pbkdf2_hmacsha384 pbkdf2_hmacsha512
ecdsa_secp224r1_sha224_p1363 ecdsa_secp224r1_sha256_p1363 ecdsa_secp224r1_sha512_p1363
ecdsa_secp256r1_sha256_p1363 ecdsa_secp256r1_sha512_p1363
ecdsa_secp384r1_sha384_p1363 ecdsa_secp384r1_sha512_p1363
ecdsa_secp521r1_sha512_p1363
ecdsa_secp256k1_sha256_p1363 ecdsa_secp256k1_sha512_p1363
ecdsa_secp224r1_sha3_224 ecdsa_secp256r1_sha3_256 ecdsa_secp384r1_sha3_384 ecdsa_secp521r1_sha3_512
ecdh_secp224r1_ecpoint ecdh_secp256r1_ecpoint ecdh_secp384r1_ecpoint ecdh_secp521r1_ecpoint ecdh_secp256k1
x25519 x448 ed25519 ed448
rsa_signature_2048_sha224 rsa_signature_2048_sha256 rsa_signature_2048_sha512 rsa_signature_2048_sha3_256
rsa_signature_3072_sha384 rsa_signature_4096_sha512
rsa_pkcs1_1024_sig_gen rsa_pkcs1_1536_sig_gen rsa_pkcs1_2048_sig_gen rsa_pkcs1_3072_sig_gen rsa_pkcs1_4096_sig_gen
rsa_pkcs1_2048 rsa_pkcs1_3072
rsa_pss_2048_sha1_mgf1_20 rsa_pss_2048_sha256_mgf1_0 rsa_pss_2048_sha256_mgf1_32 rsa_pss_2048_sha256_mgf1sha1_20
rsa_pss_2048_sha384_mgf1_48 rsa_pss_3072_sha256_mgf1_32 rsa_pss_misc
rsa_oaep_2048_sha1_mgf1sha1 rsa_oaep_2048_sha224_mgf1sha1 rsa_oaep_2048_sha224_mgf1sha224
rsa_oaep_2048_sha256_mgf1sha1 rsa_oaep_2048_sha256_mgf1sha256 rsa_oaep_2048_sha384_mgf1sha1
rsa_oaep_2048_sha384_mgf1sha384 rsa_oaep_2048_sha512_mgf1sha1 rsa_oaep_2048_sha512_mgf1sha512
rsa_oaep_3072_sha256_mgf1sha256 rsa_oaep_4096_sha512_mgf1sha512 rsa_three_primes_oaep_2048_sha1_mgf1sha1
mlkem_768 mlkem_512_encaps mlkem_512_semi_expanded_decaps mlkem_768_semi_expanded_decaps mlkem_1024_semi_expanded_decaps
mldsa_44_verify mldsa_44_sign_seed mldsa_44_sign_noseed
"

strip='del(.. | objects | (.publicKeyDer, .publicKeyPem, .publicKeyJwk, .keyJwk, .privateKeyPem,
  .privateKeyPkcs8, .privateKeyJwk, .keyDer, .keyPem, .publicKeyAsn, .keyAsn))'
for f in $files; do
	git -C "$src" show "$commit:testvectors_v1/${f}_test.json" | jq -c "$strip" | gzip -9n >"${f}_test.json.gz"
done
