#!/usr/bin/env python3
"""Regenerates testdata/aes_ccm.txt: AES-CCM by the Python cryptography
package (OpenSSL underneath), every nonce length 7..13 and tag length
4..16, with and without AAD. Run from mechanisms/testdata."""
import os
from cryptography.hazmat.primitives.ciphers.aead import AESCCM

with open("aes_ccm.txt", "w") as f:
    f.write("# AES-CCM by python cryptography over OpenSSL\n")
    cases = [(16, n, 16, 24, 20) for n in range(7, 14)]
    cases += [(klen, 12, tag, 33, 0) for klen in (16, 24, 32) for tag in (4, 6, 8, 10, 12, 14, 16)]
    cases += [(32, 13, 8, 0, 5), (24, 7, 16, 100, 300), (16, 11, 10, 1, 65300)]
    for klen, nlen, tag, ptlen, aadlen in cases:
        key, nonce, pt, aad = (os.urandom(n) for n in (klen, nlen, ptlen, aadlen))
        ct = AESCCM(key, tag_length=tag).encrypt(nonce, pt, aad)
        f.write("Key = %s\nNonce = %s\nAAD = %s\nPT = %s\nCT = %s\nTagLen = %d\n\n" % (
            key.hex(), nonce.hex(), aad.hex(), pt.hex(), ct.hex(), tag))
