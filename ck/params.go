package ck

// Mechanism parameters whose C structs carry pointers. cexport copies them
// out of C memory into these values (ck.Mechanism.Parameter), so no layer
// below cexport ever holds a C pointer. Lengths that the C structs carry
// beside a pointer (ulIvLen, ulAADLen ...) are the lengths of the slices.

// GCMParams is CK_GCM_PARAMS (CKM_AES_GCM): pIv/ulIvLen, ulIvBits, pAAD/ulAADLen
// and ulTagBits. IVBits is advisory in the specification; TagBits is the tag
// length in bits.
type GCMParams struct {
	IV, AAD []byte
	IVBits  ULong
	TagBits ULong
}

// CCMParams is CK_CCM_PARAMS (CKM_AES_CCM): ulDataLen, pNonce/ulNonceLen,
// pAAD/ulAADLen and ulMACLen (the tag length in bytes).
type CCMParams struct {
	DataLen    ULong
	Nonce, AAD []byte
	MACLen     ULong
}

// OAEPParams is CK_RSA_PKCS_OAEP_PARAMS (CKM_RSA_PKCS_OAEP): hashAlg, mgf,
// source and pSourceData/ulSourceDataLen (the label when Source is
// CKZ_DATA_SPECIFIED).
type OAEPParams struct {
	Hash       MechanismType
	MGF        MGF
	Source     SourceType
	SourceData []byte
}

// PSSParams is CK_RSA_PKCS_PSS_PARAMS (CKM_RSA_PKCS_PSS and CKM_SHA*_RSA_PKCS_PSS):
// hashAlg, mgf and sLen. It has no pointers but is decoded the same way.
type PSSParams struct {
	Hash       MechanismType
	MGF        MGF
	SaltLength ULong
}

// ECDH1DeriveParams is CK_ECDH1_DERIVE_PARAMS (CKM_ECDH1_DERIVE and
// CKM_ECDH1_COFACTOR_DERIVE): kdf, pSharedData/ulSharedDataLen and
// pPublicData/ulPublicDataLen (the other party's public value).
type ECDH1DeriveParams struct {
	KDF                    EC_KDF
	SharedData, PublicData []byte
}

// EdDSAParams is CK_EDDSA_PARAMS (CKM_EDDSA): phFlag (pre-hash, Ed25519ph and
// Ed448ph) and pContextData/ulContextDataLen. A CKM_EDDSA mechanism without a
// parameter means pure Ed25519.
type EdDSAParams struct {
	PHFlag      bool
	ContextData []byte
}
