package ck

// Per-message parameters of the PKCS#11 3.0 message-based AEAD functions
// (C_EncryptMessage, C_DecryptMessage and their Begin/Next forms). They are
// in and out: cexport copies the C structure in, the mechanism fills IV
// (when it generates one) and Tag, and cexport copies them back to the
// application's pIv and pTag.

// GCMMessageParams is CK_GCM_MESSAGE_PARAMS (CKM_AES_GCM): pIv/ulIvLen,
// ulIvFixedBits, ivGenerator (CKG_*), pTag and ulTagBits. Tag is the tag to
// check when decrypting and the tag made when encrypting.
type GCMMessageParams struct {
	IV          []byte
	IVFixedBits ULong
	IVGenerator GeneratorFunction
	Tag         []byte
	TagBits     ULong
}

// ChaCha20Poly1305MessageParams is CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS
// (CKM_CHACHA20_POLY1305): pNonce/ulNonceLen and pTag (16 bytes).
type ChaCha20Poly1305MessageParams struct {
	Nonce, Tag []byte
}

// CCMMessageParams is CK_CCM_MESSAGE_PARAMS (CKM_AES_CCM): ulDataLen,
// pNonce/ulNonceLen, ulNonceFixedBits, nonceGenerator (CKG_*), pMAC and
// ulMACLen (the tag, in bytes).
type CCMMessageParams struct {
	DataLen        ULong
	Nonce          []byte
	NonceFixedBits ULong
	NonceGenerator GeneratorFunction
	MAC            []byte
	MACLen         ULong
}
