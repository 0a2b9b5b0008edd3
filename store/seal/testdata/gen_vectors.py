#!/usr/bin/env python3
"""Known-answer vectors for store/seal, computed with an independent
implementation (pyca/cryptography: Argon2id and AES-256-GCM).

    python3 gen_vectors.py > vectors.json

Layout checked: sealed = nonce(12) || ciphertext || tag(16); attribute AD =
big-endian u64 object ID || big-endian u64 attribute type; the PIN secret's
Argon2id output is verifier(32) || kek(32) and the master key is sealed
under kek with AD "gohsm master key".
"""
import json, struct
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

master = bytes(range(0x20, 0x40))
vectors = {"master_key": master.hex(), "attributes": [], "pin": {}}

for obj_id, attr, nonce, pt in [
    (1, 0x11, bytes(12), b"GOHSM-KNOWN-AES-KEY-0123456789!!"),
    (0x7FFFFFFFFFFFFFFF, 0x123, bytes(range(12)), bytes.fromhex("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721")),
    (42, 0x80000001, b"\xff" * 12, b""),
]:
    ad = struct.pack(">QQ", obj_id, attr)
    sealed = nonce + AESGCM(master).encrypt(nonce, pt, ad)
    vectors["attributes"].append({"object_id": obj_id, "type": attr, "plaintext": pt.hex(), "sealed": sealed.hex()})

pin, salt, t, m, p = b"1234", b"0123456789abcdef", 1, 64, 1
out = Argon2id(salt=salt, length=64, iterations=t, lanes=p, memory_cost=m).derive(pin)
nonce = bytes(range(100, 112))
wrapped = nonce + AESGCM(out[32:]).encrypt(nonce, master, b"gohsm master key")
vectors["pin"] = {"pin": pin.decode(), "time": t, "memory_kib": m, "threads": p, "salt": salt.hex(),
                  "verifier": out[:32].hex(), "wrapped_master_key": wrapped.hex()}
print(json.dumps(vectors, indent=1))
