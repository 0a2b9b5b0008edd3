#!/usr/bin/env python3
"""Regenerates testdata/chacha20poly1305.txt: the RFC 8439 section 2.8.2
inputs and random ones, encrypted by the Python cryptography package
(OpenSSL underneath). Run from mechanisms/testdata."""
import os
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

rfc_pt = (b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip "
          b"for the future, sunscreen would be it.")
cases = [(bytes(range(0x80, 0xa0)), bytes.fromhex("070000004041424344454647"),
          bytes.fromhex("50515253c0c1c2c3c4c5c6c7"), rfc_pt)]
for ptlen, aadlen in ((0, 0), (1, 0), (64, 12), (100, 1), (0, 30)):
    cases.append((os.urandom(32), os.urandom(12), os.urandom(aadlen), os.urandom(ptlen)))
with open("chacha20poly1305.txt", "w") as f:
    f.write("# ChaCha20-Poly1305 by python cryptography over OpenSSL\n")
    for key, nonce, aad, pt in cases:
        ct = ChaCha20Poly1305(key).encrypt(nonce, pt, aad)
        f.write("Key = %s\nNonce = %s\nAAD = %s\nPT = %s\nCT = %s\n\n" % (key.hex(), nonce.hex(), aad.hex(), pt.hex(), ct.hex()))
