/*
 * Mechanism parameter structures that cexport decodes into ck's Go values
 * (ck/params.go), from the PKCS#11 3.0 current mechanisms specification.
 */
#ifndef GOHSM_PKCS11_PARAMS_H
#define GOHSM_PKCS11_PARAMS_H

typedef CK_ULONG CK_RSA_PKCS_MGF_TYPE;
typedef CK_ULONG CK_RSA_PKCS_OAEP_SOURCE_TYPE;
typedef CK_ULONG CK_EC_KDF_TYPE;

/* CKM_AES_GCM (section 2.11.24). */
typedef struct CK_GCM_PARAMS {
	CK_BYTE_PTR pIv;
	CK_ULONG ulIvLen;
	CK_ULONG ulIvBits;
	CK_BYTE_PTR pAAD;
	CK_ULONG ulAADLen;
	CK_ULONG ulTagBits;
} CK_GCM_PARAMS;

/* CKM_AES_CCM (section 2.11.26). */
typedef struct CK_CCM_PARAMS {
	CK_ULONG ulDataLen;
	CK_BYTE_PTR pNonce;
	CK_ULONG ulNonceLen;
	CK_BYTE_PTR pAAD;
	CK_ULONG ulAADLen;
	CK_ULONG ulMACLen;
} CK_CCM_PARAMS;

/* CKM_RSA_PKCS_OAEP (section 2.1.8). */
typedef struct CK_RSA_PKCS_OAEP_PARAMS {
	CK_MECHANISM_TYPE hashAlg;
	CK_RSA_PKCS_MGF_TYPE mgf;
	CK_RSA_PKCS_OAEP_SOURCE_TYPE source;
	CK_VOID_PTR pSourceData;
	CK_ULONG ulSourceDataLen;
} CK_RSA_PKCS_OAEP_PARAMS;

/* CKM_RSA_PKCS_PSS and CKM_SHA*_RSA_PKCS_PSS (section 2.1.10). */
typedef struct CK_RSA_PKCS_PSS_PARAMS {
	CK_MECHANISM_TYPE hashAlg;
	CK_RSA_PKCS_MGF_TYPE mgf;
	CK_ULONG sLen;
} CK_RSA_PKCS_PSS_PARAMS;

/* CKM_ECDH1_DERIVE and CKM_ECDH1_COFACTOR_DERIVE (section 2.3.x). */
typedef struct CK_ECDH1_DERIVE_PARAMS {
	CK_EC_KDF_TYPE kdf;
	CK_ULONG ulSharedDataLen;
	CK_BYTE_PTR pSharedData;
	CK_ULONG ulPublicDataLen;
	CK_BYTE_PTR pPublicData;
} CK_ECDH1_DERIVE_PARAMS;

/* CKM_EDDSA (section 2.3.x). */
typedef struct CK_EDDSA_PARAMS {
	CK_BBOOL phFlag;
	CK_ULONG ulContextDataLen;
	CK_BYTE_PTR pContextData;
} CK_EDDSA_PARAMS;

/* CKM_CHACHA20_POLY1305 and CKM_SALSA20_POLY1305 (3.0 section 2.47). */
typedef struct CK_SALSA20_CHACHA20_POLY1305_PARAMS {
	CK_BYTE_PTR pNonce;
	CK_ULONG ulNonceLen;
	CK_BYTE_PTR pAAD;
	CK_ULONG ulAADLen;
} CK_SALSA20_CHACHA20_POLY1305_PARAMS;

/* CKM_CHACHA20 (3.0 section 2.45). */
typedef struct CK_CHACHA20_PARAMS {
	CK_BYTE_PTR pBlockCounter;
	CK_ULONG blockCounterBits;
	CK_BYTE_PTR pNonce;
	CK_ULONG ulNonceBits;
} CK_CHACHA20_PARAMS;

/* CKM_HKDF_DERIVE and CKM_HKDF_DATA (3.0 section 2.43). */
typedef struct CK_HKDF_PARAMS {
	CK_BBOOL bExtract;
	CK_BBOOL bExpand;
	CK_MECHANISM_TYPE prfHashMechanism;
	CK_ULONG ulSaltType;
	CK_BYTE_PTR pSalt;
	CK_ULONG ulSaltLen;
	CK_OBJECT_HANDLE hSaltKey;
	CK_BYTE_PTR pInfo;
	CK_ULONG ulInfoLen;
} CK_HKDF_PARAMS;

/* CKM_CONCATENATE_*, CKM_XOR_BASE_AND_DATA, CKM_*_ECB_ENCRYPT_DATA. */
typedef struct CK_KEY_DERIVATION_STRING_DATA {
	CK_BYTE_PTR pData;
	CK_ULONG ulLen;
} CK_KEY_DERIVATION_STRING_DATA;

/* CKM_DES3_CBC_ENCRYPT_DATA and CKM_AES_CBC_ENCRYPT_DATA. */
typedef struct CK_DES_CBC_ENCRYPT_DATA_PARAMS {
	CK_BYTE iv[8];
	CK_BYTE_PTR pData;
	CK_ULONG length;
} CK_DES_CBC_ENCRYPT_DATA_PARAMS;

typedef struct CK_AES_CBC_ENCRYPT_DATA_PARAMS {
	CK_BYTE iv[16];
	CK_BYTE_PTR pData;
	CK_ULONG length;
} CK_AES_CBC_ENCRYPT_DATA_PARAMS;

/* CKM_RSA_AES_KEY_WRAP (3.0 section 2.1.21). */
typedef struct CK_RSA_AES_KEY_WRAP_PARAMS {
	CK_ULONG ulAESKeyBits;
	CK_RSA_PKCS_OAEP_PARAMS *pOAEPParams;
} CK_RSA_AES_KEY_WRAP_PARAMS;

/* CKM_PKCS5_PBKD2 (3.0 section 2.40.5): PARAMS2 carries the password
 * length by value, the older PARAMS by pointer; both have the same size. */
typedef struct CK_PKCS5_PBKD2_PARAMS2 {
	CK_ULONG saltSource;
	CK_VOID_PTR pSaltSourceData;
	CK_ULONG ulSaltSourceDataLen;
	CK_ULONG iterations;
	CK_ULONG prf;
	CK_VOID_PTR pPrfData;
	CK_ULONG ulPrfDataLen;
	CK_UTF8CHAR_PTR pPassword;
	CK_ULONG ulPasswordLen;
} CK_PKCS5_PBKD2_PARAMS2;

/* CKM_SP800_108_* (3.0 section 2.42). */
typedef struct CK_PRF_DATA_PARAM {
	CK_ULONG type;
	CK_VOID_PTR pValue;
	CK_ULONG ulValueLen;
} CK_PRF_DATA_PARAM;

typedef struct CK_SP800_108_COUNTER_FORMAT {
	CK_BBOOL bLittleEndian;
	CK_ULONG ulWidthInBits;
} CK_SP800_108_COUNTER_FORMAT;

typedef struct CK_SP800_108_DKM_LENGTH_FORMAT {
	CK_ULONG dkmLengthMethod;
	CK_BBOOL bLittleEndian;
	CK_ULONG ulWidthInBits;
} CK_SP800_108_DKM_LENGTH_FORMAT;

typedef struct CK_DERIVED_KEY {
	CK_ATTRIBUTE *pTemplate;
	CK_ULONG ulAttributeCount;
	CK_OBJECT_HANDLE *phKey;
} CK_DERIVED_KEY;

typedef struct CK_SP800_108_KDF_PARAMS {
	CK_MECHANISM_TYPE prfType;
	CK_ULONG ulNumberOfDataParams;
	CK_PRF_DATA_PARAM *pDataParams;
	CK_ULONG ulAdditionalDerivedKeys;
	CK_DERIVED_KEY *pAdditionalDerivedKeys;
} CK_SP800_108_KDF_PARAMS;

typedef struct CK_SP800_108_FEEDBACK_KDF_PARAMS {
	CK_MECHANISM_TYPE prfType;
	CK_ULONG ulNumberOfDataParams;
	CK_PRF_DATA_PARAM *pDataParams;
	CK_ULONG ulIVLen;
	CK_BYTE_PTR pIV;
	CK_ULONG ulAdditionalDerivedKeys;
	CK_DERIVED_KEY *pAdditionalDerivedKeys;
} CK_SP800_108_FEEDBACK_KDF_PARAMS;

/* The message-based AEAD parameters (3.0 sections 2.11.x, 2.47). */
typedef struct CK_GCM_MESSAGE_PARAMS {
	CK_BYTE_PTR pIv;
	CK_ULONG ulIvLen;
	CK_ULONG ulIvFixedBits;
	CK_ULONG ivGenerator;
	CK_BYTE_PTR pTag;
	CK_ULONG ulTagBits;
} CK_GCM_MESSAGE_PARAMS;

typedef struct CK_CCM_MESSAGE_PARAMS {
	CK_ULONG ulDataLen;
	CK_BYTE_PTR pNonce;
	CK_ULONG ulNonceLen;
	CK_ULONG ulNonceFixedBits;
	CK_ULONG nonceGenerator;
	CK_BYTE_PTR pMAC;
	CK_ULONG ulMACLen;
} CK_CCM_MESSAGE_PARAMS;

typedef struct CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS {
	CK_BYTE_PTR pNonce;
	CK_ULONG ulNonceLen;
	CK_BYTE_PTR pTag;
} CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS;

#endif
