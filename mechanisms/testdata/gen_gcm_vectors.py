#!/usr/bin/env python3
"""Regenerates testdata/aes_gcm.txt: AES-GCM by the Python cryptography
package (OpenSSL underneath), for each key size, IV lengths 12 and others,
tag lengths 96..128 bits, with and without AAD. Run from mechanisms/testdata."""
import os
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

with open("aes_gcm.txt", "w") as f:
    f.write("# AES-GCM by python cryptography over OpenSSL\n")
    for klen in (16, 24, 32):
        for ivlen, tag in ((12, 16), (12, 12), (12, 13), (8, 16), (60, 16), (16, 16)):
            for ptlen, aadlen in ((0, 0), (0, 20), (16, 0), (60, 20), (100, 3)):
                key, iv, pt, aad = (os.urandom(n) for n in (klen, ivlen, ptlen, aadlen))
                enc = Cipher(algorithms.AES(key), modes.GCM(iv)).encryptor()
                enc.authenticate_additional_data(aad)
                ct = enc.update(pt) + enc.finalize()
                f.write("Key = %s\nIV = %s\nAAD = %s\nPT = %s\nCT = %s\nTag = %s\n\n" % (
                    key.hex(), iv.hex(), aad.hex(), pt.hex(), ct.hex(), enc.tag[:tag].hex()))
