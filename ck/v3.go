package ck

// Values added by PKCS#11 3.0, 3.1 and 3.2 that the 2.40 header lacks. They are
// written from the OASIS specification and cross-checked against the OASIS
// published 3.00, 3.01 and 3.02 headers and p11-kit's independent pkcs11.h
// (header_test.go checks whichever header is installed). The header's typo
// alias CKF_MULTI_MESSGE is left out on purpose.

// Kinds introduced by 3.0 and later; each has its own String (names.go).
type (
	GeneratorFunction          ULong // CK_GENERATOR_FUNCTION
	ProfileID                  ULong // CK_PROFILE_ID
	HedgeType                  ULong // CK_HEDGE_TYPE
	MLKEMParameterSet          ULong // CK_ML_KEM_PARAMETER_SET_TYPE
	MLDSAParameterSet          ULong // CK_ML_DSA_PARAMETER_SET_TYPE
	SLHDSAParameterSet         ULong // CK_SLH_DSA_PARAMETER_SET_TYPE
	TrustType                  ULong // CK_TRUST
	ValidationType             ULong // CK_VALIDATION_TYPE
	ValidationAuthorityType    ULong // CK_VALIDATION_AUTHORITY_TYPE
	SessionValidationFlagsType ULong // CK_SESSION_VALIDATION_FLAGS_TYPE
	PRFDataType                ULong // CK_PRF_DATA_TYPE
	SP800108DKMLengthMethod    ULong // CK_SP800_108_DKM_LENGTH_METHOD
)

// Return values (base specification, section 5.1).
const (
	// PKCS#11 3.0.
	CKR_AEAD_DECRYPT_FAILED     RV = 0x42
	CKR_TOKEN_RESOURCE_EXCEEDED RV = 0x201
	CKR_OPERATION_CANCEL_FAILED RV = 0x202
	CKR_KEY_EXHAUSTED           RV = 0x203
	// PKCS#11 3.2.
	CKR_PENDING                     RV = 0x204
	CKR_SESSION_ASYNC_NOT_SUPPORTED RV = 0x205
	CKR_SEED_RANDOM_REQUIRED        RV = 0x206
	CKR_OPERATION_NOT_VALIDATED     RV = 0x207
	CKR_TOKEN_NOT_INITIALIZED       RV = 0x208
	CKR_PARAMETER_SET_NOT_SUPPORTED RV = 0x209
)

// Attributes. CKA_X2RATCHET_* are 3.0, CKA_HSS_* 3.1; the validation, trust,
// encapsulation and parameter-set attributes are 3.2.
const (
	// PKCS#11 3.0.
	CKA_UNIQUE_ID            AttributeType = 0x4
	CKA_PROFILE_ID           AttributeType = 0x601
	CKA_X2RATCHET_BAG        AttributeType = 0x602
	CKA_X2RATCHET_BAGSIZE    AttributeType = 0x603
	CKA_X2RATCHET_BOBS1STMSG AttributeType = 0x604
	CKA_X2RATCHET_CKR        AttributeType = 0x605
	CKA_X2RATCHET_CKS        AttributeType = 0x606
	CKA_X2RATCHET_DHP        AttributeType = 0x607
	CKA_X2RATCHET_DHR        AttributeType = 0x608
	CKA_X2RATCHET_DHS        AttributeType = 0x609
	CKA_X2RATCHET_HKR        AttributeType = 0x60a
	CKA_X2RATCHET_HKS        AttributeType = 0x60b
	CKA_X2RATCHET_ISALICE    AttributeType = 0x60c
	CKA_X2RATCHET_NHKR       AttributeType = 0x60d
	CKA_X2RATCHET_NHKS       AttributeType = 0x60e
	CKA_X2RATCHET_NR         AttributeType = 0x60f
	CKA_X2RATCHET_NS         AttributeType = 0x610
	CKA_X2RATCHET_PNS        AttributeType = 0x611
	CKA_X2RATCHET_RK         AttributeType = 0x612
	// PKCS#11 3.1.
	CKA_HSS_LEVELS         AttributeType = 0x617
	CKA_HSS_LMS_TYPE       AttributeType = 0x618
	CKA_HSS_LMOTS_TYPE     AttributeType = 0x619
	CKA_HSS_LMS_TYPES      AttributeType = 0x61a
	CKA_HSS_LMOTS_TYPES    AttributeType = 0x61b
	CKA_HSS_KEYS_REMAINING AttributeType = 0x61c
	// PKCS#11 3.2.
	CKA_PARAMETER_SET                     AttributeType = 0x61d
	CKA_OBJECT_VALIDATION_FLAGS           AttributeType = 0x61e
	CKA_VALIDATION_TYPE                   AttributeType = 0x61f
	CKA_VALIDATION_VERSION                AttributeType = 0x620
	CKA_VALIDATION_LEVEL                  AttributeType = 0x621
	CKA_VALIDATION_MODULE_ID              AttributeType = 0x622
	CKA_VALIDATION_FLAG                   AttributeType = 0x623
	CKA_VALIDATION_AUTHORITY_TYPE         AttributeType = 0x624
	CKA_VALIDATION_COUNTRY                AttributeType = 0x625
	CKA_VALIDATION_CERTIFICATE_IDENTIFIER AttributeType = 0x626
	CKA_VALIDATION_CERTIFICATE_URI        AttributeType = 0x627
	CKA_VALIDATION_VENDOR_URI             AttributeType = 0x628
	CKA_VALIDATION_PROFILE                AttributeType = 0x629
	CKA_ENCAPSULATE_TEMPLATE              AttributeType = 0x62a
	CKA_DECAPSULATE_TEMPLATE              AttributeType = 0x62b
	CKA_TRUST_SERVER_AUTH                 AttributeType = 0x62c
	CKA_TRUST_CLIENT_AUTH                 AttributeType = 0x62d
	CKA_TRUST_CODE_SIGNING                AttributeType = 0x62e
	CKA_TRUST_EMAIL_PROTECTION            AttributeType = 0x62f
	CKA_TRUST_IPSEC_IKE                   AttributeType = 0x630
	CKA_TRUST_TIME_STAMPING               AttributeType = 0x631
	CKA_TRUST_OCSP_SIGNING                AttributeType = 0x632
	CKA_ENCAPSULATE                       AttributeType = 0x633
	CKA_DECAPSULATE                       AttributeType = 0x634
	CKA_HASH_OF_CERTIFICATE               AttributeType = 0x635
	CKA_PUBLIC_CRC64_VALUE                AttributeType = 0x636
	CKA_SEED                              AttributeType = 0x637
)

// Mechanisms (current mechanisms specification). CKM_SHA3_*_KEY_DERIVE are
// the 3.0 header's aliases of CKM_SHA3_*_KEY_DERIVATION; String uses the latter.
const (
	// PKCS#11 3.0.
	CKM_DSA_SHA3_224                    MechanismType = 0x18
	CKM_DSA_SHA3_256                    MechanismType = 0x19
	CKM_DSA_SHA3_384                    MechanismType = 0x1a
	CKM_DSA_SHA3_512                    MechanismType = 0x1b
	CKM_SHA3_256_RSA_PKCS               MechanismType = 0x60
	CKM_SHA3_384_RSA_PKCS               MechanismType = 0x61
	CKM_SHA3_512_RSA_PKCS               MechanismType = 0x62
	CKM_SHA3_256_RSA_PKCS_PSS           MechanismType = 0x63
	CKM_SHA3_384_RSA_PKCS_PSS           MechanismType = 0x64
	CKM_SHA3_512_RSA_PKCS_PSS           MechanismType = 0x65
	CKM_SHA3_224_RSA_PKCS               MechanismType = 0x66
	CKM_SHA3_224_RSA_PKCS_PSS           MechanismType = 0x67
	CKM_SHA3_256                        MechanismType = 0x2b0
	CKM_SHA3_256_HMAC                   MechanismType = 0x2b1
	CKM_SHA3_256_HMAC_GENERAL           MechanismType = 0x2b2
	CKM_SHA3_256_KEY_GEN                MechanismType = 0x2b3
	CKM_SHA3_224                        MechanismType = 0x2b5
	CKM_SHA3_224_HMAC                   MechanismType = 0x2b6
	CKM_SHA3_224_HMAC_GENERAL           MechanismType = 0x2b7
	CKM_SHA3_224_KEY_GEN                MechanismType = 0x2b8
	CKM_SHA3_384                        MechanismType = 0x2c0
	CKM_SHA3_384_HMAC                   MechanismType = 0x2c1
	CKM_SHA3_384_HMAC_GENERAL           MechanismType = 0x2c2
	CKM_SHA3_384_KEY_GEN                MechanismType = 0x2c3
	CKM_SHA3_512                        MechanismType = 0x2d0
	CKM_SHA3_512_HMAC                   MechanismType = 0x2d1
	CKM_SHA3_512_HMAC_GENERAL           MechanismType = 0x2d2
	CKM_SHA3_512_KEY_GEN                MechanismType = 0x2d3
	CKM_SHA3_256_KEY_DERIVATION         MechanismType = 0x397
	CKM_SHA3_256_KEY_DERIVE             MechanismType = 0x397
	CKM_SHA3_224_KEY_DERIVATION         MechanismType = 0x398
	CKM_SHA3_224_KEY_DERIVE             MechanismType = 0x398
	CKM_SHA3_384_KEY_DERIVATION         MechanismType = 0x399
	CKM_SHA3_384_KEY_DERIVE             MechanismType = 0x399
	CKM_SHA3_512_KEY_DERIVATION         MechanismType = 0x39a
	CKM_SHA3_512_KEY_DERIVE             MechanismType = 0x39a
	CKM_SHAKE_128_KEY_DERIVATION        MechanismType = 0x39b
	CKM_SHAKE_128_KEY_DERIVE            MechanismType = 0x39b
	CKM_SHAKE_256_KEY_DERIVATION        MechanismType = 0x39c
	CKM_SHAKE_256_KEY_DERIVE            MechanismType = 0x39c
	CKM_SP800_108_COUNTER_KDF           MechanismType = 0x3ac
	CKM_SP800_108_FEEDBACK_KDF          MechanismType = 0x3ad
	CKM_SP800_108_DOUBLE_PIPELINE_KDF   MechanismType = 0x3ae
	CKM_ECDSA_SHA3_224                  MechanismType = 0x1047
	CKM_ECDSA_SHA3_256                  MechanismType = 0x1048
	CKM_ECDSA_SHA3_384                  MechanismType = 0x1049
	CKM_ECDSA_SHA3_512                  MechanismType = 0x104a
	CKM_EC_MONTGOMERY_KEY_PAIR_GEN      MechanismType = 0x1056
	CKM_AES_XTS                         MechanismType = 0x1071
	CKM_AES_XTS_KEY_GEN                 MechanismType = 0x1072
	CKM_CHACHA20_KEY_GEN                MechanismType = 0x1225
	CKM_CHACHA20                        MechanismType = 0x1226
	CKM_POLY1305_KEY_GEN                MechanismType = 0x1227
	CKM_POLY1305                        MechanismType = 0x1228
	CKM_EC_KEY_PAIR_GEN_W_EXTRA_BITS    MechanismType = 0x140b
	CKM_DSA_PROBABILISTIC_PARAMETER_GEN MechanismType = 0x2003
	CKM_DSA_FIPS_G_GEN                  MechanismType = 0x2005
	CKM_AES_KEY_WRAP_KWP                MechanismType = 0x210b
	CKM_SHA_1_KEY_GEN                   MechanismType = 0x4003
	CKM_SHA224_KEY_GEN                  MechanismType = 0x4004
	CKM_SHA256_KEY_GEN                  MechanismType = 0x4005
	CKM_SHA384_KEY_GEN                  MechanismType = 0x4006
	CKM_SHA512_KEY_GEN                  MechanismType = 0x4007
	CKM_SHA512_224_KEY_GEN              MechanismType = 0x4008
	CKM_SHA512_256_KEY_GEN              MechanismType = 0x4009
	CKM_SHA512_T_KEY_GEN                MechanismType = 0x400a
	CKM_NULL                            MechanismType = 0x400b
	CKM_BLAKE2B_160                     MechanismType = 0x400c
	CKM_BLAKE2B_160_HMAC                MechanismType = 0x400d
	CKM_BLAKE2B_160_HMAC_GENERAL        MechanismType = 0x400e
	CKM_BLAKE2B_160_KEY_DERIVE          MechanismType = 0x400f
	CKM_BLAKE2B_160_KEY_GEN             MechanismType = 0x4010
	CKM_BLAKE2B_256                     MechanismType = 0x4011
	CKM_BLAKE2B_256_HMAC                MechanismType = 0x4012
	CKM_BLAKE2B_256_HMAC_GENERAL        MechanismType = 0x4013
	CKM_BLAKE2B_256_KEY_DERIVE          MechanismType = 0x4014
	CKM_BLAKE2B_256_KEY_GEN             MechanismType = 0x4015
	CKM_BLAKE2B_384                     MechanismType = 0x4016
	CKM_BLAKE2B_384_HMAC                MechanismType = 0x4017
	CKM_BLAKE2B_384_HMAC_GENERAL        MechanismType = 0x4018
	CKM_BLAKE2B_384_KEY_DERIVE          MechanismType = 0x4019
	CKM_BLAKE2B_384_KEY_GEN             MechanismType = 0x401a
	CKM_BLAKE2B_512                     MechanismType = 0x401b
	CKM_BLAKE2B_512_HMAC                MechanismType = 0x401c
	CKM_BLAKE2B_512_HMAC_GENERAL        MechanismType = 0x401d
	CKM_BLAKE2B_512_KEY_DERIVE          MechanismType = 0x401e
	CKM_BLAKE2B_512_KEY_GEN             MechanismType = 0x401f
	CKM_SALSA20                         MechanismType = 0x4020
	CKM_CHACHA20_POLY1305               MechanismType = 0x4021
	CKM_SALSA20_POLY1305                MechanismType = 0x4022
	CKM_X3DH_INITIALIZE                 MechanismType = 0x4023
	CKM_X3DH_RESPOND                    MechanismType = 0x4024
	CKM_X2RATCHET_INITIALIZE            MechanismType = 0x4025
	CKM_X2RATCHET_RESPOND               MechanismType = 0x4026
	CKM_X2RATCHET_ENCRYPT               MechanismType = 0x4027
	CKM_X2RATCHET_DECRYPT               MechanismType = 0x4028
	CKM_XEDDSA                          MechanismType = 0x4029
	CKM_HKDF_DERIVE                     MechanismType = 0x402a
	CKM_HKDF_DATA                       MechanismType = 0x402b
	CKM_HKDF_KEY_GEN                    MechanismType = 0x402c
	CKM_SALSA20_KEY_GEN                 MechanismType = 0x402d
	// PKCS#11 3.1.
	CKM_AES_KEY_WRAP_PKCS7   MechanismType = 0x210c
	CKM_IKE2_PRF_PLUS_DERIVE MechanismType = 0x402e
	CKM_IKE_PRF_DERIVE       MechanismType = 0x402f
	CKM_IKE1_PRF_DERIVE      MechanismType = 0x4030
	CKM_IKE1_EXTENDED_DERIVE MechanismType = 0x4031
	CKM_HSS_KEY_PAIR_GEN     MechanismType = 0x4032
	CKM_HSS                  MechanismType = 0x4033
	// PKCS#11 3.2.
	CKM_ML_KEM_KEY_PAIR_GEN                 MechanismType = 0xf
	CKM_ML_KEM                              MechanismType = 0x17
	CKM_ML_DSA_KEY_PAIR_GEN                 MechanismType = 0x1c
	CKM_ML_DSA                              MechanismType = 0x1d
	CKM_HASH_ML_DSA                         MechanismType = 0x1f
	CKM_HASH_ML_DSA_SHA224                  MechanismType = 0x23
	CKM_HASH_ML_DSA_SHA256                  MechanismType = 0x24
	CKM_HASH_ML_DSA_SHA384                  MechanismType = 0x25
	CKM_HASH_ML_DSA_SHA512                  MechanismType = 0x26
	CKM_HASH_ML_DSA_SHA3_224                MechanismType = 0x27
	CKM_HASH_ML_DSA_SHA3_256                MechanismType = 0x28
	CKM_HASH_ML_DSA_SHA3_384                MechanismType = 0x29
	CKM_HASH_ML_DSA_SHA3_512                MechanismType = 0x2a
	CKM_HASH_ML_DSA_SHAKE128                MechanismType = 0x2b
	CKM_HASH_ML_DSA_SHAKE256                MechanismType = 0x2c
	CKM_SLH_DSA_KEY_PAIR_GEN                MechanismType = 0x2d
	CKM_SLH_DSA                             MechanismType = 0x2e
	CKM_HASH_SLH_DSA                        MechanismType = 0x34
	CKM_HASH_SLH_DSA_SHA224                 MechanismType = 0x36
	CKM_HASH_SLH_DSA_SHA256                 MechanismType = 0x37
	CKM_HASH_SLH_DSA_SHA384                 MechanismType = 0x38
	CKM_HASH_SLH_DSA_SHA512                 MechanismType = 0x39
	CKM_HASH_SLH_DSA_SHA3_224               MechanismType = 0x3a
	CKM_HASH_SLH_DSA_SHA3_256               MechanismType = 0x3b
	CKM_HASH_SLH_DSA_SHA3_384               MechanismType = 0x3c
	CKM_HASH_SLH_DSA_SHA3_512               MechanismType = 0x3d
	CKM_HASH_SLH_DSA_SHAKE128               MechanismType = 0x3e
	CKM_HASH_SLH_DSA_SHAKE256               MechanismType = 0x3f
	CKM_TLS12_EXTENDED_MASTER_KEY_DERIVE    MechanismType = 0x56
	CKM_TLS12_EXTENDED_MASTER_KEY_DERIVE_DH MechanismType = 0x57
	CKM_XMSS_KEY_PAIR_GEN                   MechanismType = 0x4034
	CKM_XMSSMT_KEY_PAIR_GEN                 MechanismType = 0x4035
	CKM_XMSS                                MechanismType = 0x4036
	CKM_XMSSMT                              MechanismType = 0x4037
	CKM_ECDH_X_AES_KEY_WRAP                 MechanismType = 0x4038
	CKM_ECDH_COF_AES_KEY_WRAP               MechanismType = 0x4039
	CKM_PUB_KEY_FROM_PRIV_KEY               MechanismType = 0x403a
)

// Key types.
const (
	// PKCS#11 3.0.
	CKK_CHACHA20         KeyType = 0x33
	CKK_POLY1305         KeyType = 0x34
	CKK_AES_XTS          KeyType = 0x35
	CKK_SHA3_224_HMAC    KeyType = 0x36
	CKK_SHA3_256_HMAC    KeyType = 0x37
	CKK_SHA3_384_HMAC    KeyType = 0x38
	CKK_SHA3_512_HMAC    KeyType = 0x39
	CKK_BLAKE2B_160_HMAC KeyType = 0x3a
	CKK_BLAKE2B_256_HMAC KeyType = 0x3b
	CKK_BLAKE2B_384_HMAC KeyType = 0x3c
	CKK_BLAKE2B_512_HMAC KeyType = 0x3d
	CKK_SALSA20          KeyType = 0x3e
	CKK_X2RATCHET        KeyType = 0x3f
	CKK_EC_MONTGOMERY    KeyType = 0x41
	CKK_HKDF             KeyType = 0x42
	CKK_SHA512_224_HMAC  KeyType = 0x43
	CKK_SHA512_256_HMAC  KeyType = 0x44
	CKK_SHA512_T_HMAC    KeyType = 0x45
	// PKCS#11 3.1.
	CKK_HSS KeyType = 0x46
	// PKCS#11 3.2.
	CKK_XMSS    KeyType = 0x47
	CKK_XMSSMT  KeyType = 0x48
	CKK_ML_KEM  KeyType = 0x49
	CKK_ML_DSA  KeyType = 0x4a
	CKK_SLH_DSA KeyType = 0x4b
)

// Object classes (3.2: validation and trust objects).
const (
	// PKCS#11 3.0.
	CKO_PROFILE ObjectClass = 0x9
	// PKCS#11 3.2.
	CKO_VALIDATION ObjectClass = 0xa
	CKO_TRUST      ObjectClass = 0xb
)

// Flags of PKCS#11 3.0 and later. Flags is one Go type for every CK_FLAGS
// namespace, so values repeat across groups.
const (
	// CK_INTERFACE flags (3.0).
	CKF_INTERFACE_FORK_SAFE Flags = 0x1

	// C_SessionCancel flags (3.0 section 5.6), also CK_MECHANISM_INFO flags
	// of the message API.
	CKF_MESSAGE_ENCRYPT Flags = 0x2
	CKF_MESSAGE_DECRYPT Flags = 0x4
	CKF_MESSAGE_SIGN    Flags = 0x8
	CKF_MESSAGE_VERIFY  Flags = 0x10
	CKF_MULTI_MESSAGE   Flags = 0x20
	CKF_FIND_OBJECTS    Flags = 0x40

	// C_EncryptMessageNext and friends (3.0).
	CKF_END_OF_MESSAGE Flags = 0x1

	// CK_HKDF_PARAMS.ulSaltType (3.0).
	CKF_HKDF_SALT_NULL Flags = 0x1
	CKF_HKDF_SALT_DATA Flags = 0x2
	CKF_HKDF_SALT_KEY  Flags = 0x4

	// CK_MECHANISM_INFO flags for EC domain parameters (3.0 section 2.3 of the
	// mechanisms specification). CKF_EC_OID is the 3.0 name of CKF_EC_NAMEDCURVE.
	CKF_EC_F_2M         Flags = 0x200000
	CKF_EC_ECPARAMETERS Flags = 0x400000
	CKF_EC_OID          Flags = 0x800000
	CKF_EC_CURVENAME    Flags = 0x4000000

	// CK_MECHANISM_INFO flags for key encapsulation (3.2).
	CKF_ENCAPSULATE Flags = 0x10000000
	CKF_DECAPSULATE Flags = 0x20000000

	// CK_TOKEN_INFO flags (3.2).
	CKF_SEED_RANDOM_REQUIRED    Flags = 0x2000000
	CKF_ASYNC_SESSION_SUPPORTED Flags = 0x4000000

	// CK_SESSION_INFO and C_OpenSession flags (3.2).
	CKF_ASYNC_SESSION Flags = 0x8
)

// Key derivation functions of CK_EC_KDF_TYPE (and CK_X9_42_DH_KDF_TYPE).
const (
	// PKCS#11 3.0.
	CKD_SHA3_224_KDF       EC_KDF = 0xa
	CKD_SHA3_256_KDF       EC_KDF = 0xb
	CKD_SHA3_384_KDF       EC_KDF = 0xc
	CKD_SHA3_512_KDF       EC_KDF = 0xd
	CKD_SHA1_KDF_SP800     EC_KDF = 0xe
	CKD_SHA224_KDF_SP800   EC_KDF = 0xf
	CKD_SHA256_KDF_SP800   EC_KDF = 0x10
	CKD_SHA384_KDF_SP800   EC_KDF = 0x11
	CKD_SHA512_KDF_SP800   EC_KDF = 0x12
	CKD_SHA3_224_KDF_SP800 EC_KDF = 0x13
	CKD_SHA3_256_KDF_SP800 EC_KDF = 0x14
	CKD_SHA3_384_KDF_SP800 EC_KDF = 0x15
	CKD_SHA3_512_KDF_SP800 EC_KDF = 0x16
	CKD_BLAKE2B_160_KDF    EC_KDF = 0x17
	CKD_BLAKE2B_256_KDF    EC_KDF = 0x18
	CKD_BLAKE2B_384_KDF    EC_KDF = 0x19
	CKD_BLAKE2B_512_KDF    EC_KDF = 0x1a
)

// MGF1 with SHA-3 (CK_RSA_PKCS_MGF_TYPE).
const (
	// PKCS#11 3.0.
	CKG_MGF1_SHA3_224 MGF = 0x6
	CKG_MGF1_SHA3_256 MGF = 0x7
	CKG_MGF1_SHA3_384 MGF = 0x8
	CKG_MGF1_SHA3_512 MGF = 0x9
)

// IV and nonce generators (CK_GENERATOR_FUNCTION) of CK_GCM_MESSAGE_PARAMS,
// CK_CCM_MESSAGE_PARAMS and the ChaCha20/Salsa20 message parameters.
const (
	// PKCS#11 3.0.
	CKG_NO_GENERATE      GeneratorFunction = 0x0
	CKG_GENERATE         GeneratorFunction = 0x1
	CKG_GENERATE_COUNTER GeneratorFunction = 0x2
	CKG_GENERATE_RANDOM  GeneratorFunction = 0x3
	// PKCS#11 3.1.
	CKG_GENERATE_COUNTER_XOR GeneratorFunction = 0x4
)

// Profiles (CK_PROFILE_ID), the CKA_PROFILE_ID of a CKO_PROFILE object.
const (
	// PKCS#11 3.0.
	CKP_INVALID_ID                ProfileID = 0x0
	CKP_BASELINE_PROVIDER         ProfileID = 0x1
	CKP_EXTENDED_PROVIDER         ProfileID = 0x2
	CKP_AUTHENTICATION_TOKEN      ProfileID = 0x3
	CKP_PUBLIC_CERTIFICATES_TOKEN ProfileID = 0x4
	CKP_VENDOR_DEFINED            ProfileID = 0x80000000
	// PKCS#11 3.1.
	CKP_COMPLETE_PROVIDER ProfileID = 0x5
	CKP_HKDF_TLS_TOKEN    ProfileID = 0x6
)

// ML-DSA and SLH-DSA signing variants (CK_HEDGE_TYPE). CKH_ also names
// HWFeatureType values; the two kinds are distinct Go types.
const (
	// PKCS#11 3.2.
	CKH_HEDGE_PREFERRED        HedgeType = 0x0
	CKH_HEDGE_REQUIRED         HedgeType = 0x1
	CKH_DETERMINISTIC_REQUIRED HedgeType = 0x2
)

// ML-KEM parameter sets (CKA_PARAMETER_SET of a CKK_ML_KEM key).
const (
	// PKCS#11 3.2.
	CKP_ML_KEM_512  MLKEMParameterSet = 0x1
	CKP_ML_KEM_768  MLKEMParameterSet = 0x2
	CKP_ML_KEM_1024 MLKEMParameterSet = 0x3
)

// ML-DSA parameter sets (CKA_PARAMETER_SET of a CKK_ML_DSA key).
const (
	// PKCS#11 3.2.
	CKP_ML_DSA_44 MLDSAParameterSet = 0x1
	CKP_ML_DSA_65 MLDSAParameterSet = 0x2
	CKP_ML_DSA_87 MLDSAParameterSet = 0x3
)

// SLH-DSA parameter sets (CKA_PARAMETER_SET of a CKK_SLH_DSA key).
const (
	// PKCS#11 3.2.
	CKP_SLH_DSA_SHA2_128S  SLHDSAParameterSet = 0x1
	CKP_SLH_DSA_SHAKE_128S SLHDSAParameterSet = 0x2
	CKP_SLH_DSA_SHA2_128F  SLHDSAParameterSet = 0x3
	CKP_SLH_DSA_SHAKE_128F SLHDSAParameterSet = 0x4
	CKP_SLH_DSA_SHA2_192S  SLHDSAParameterSet = 0x5
	CKP_SLH_DSA_SHAKE_192S SLHDSAParameterSet = 0x6
	CKP_SLH_DSA_SHA2_192F  SLHDSAParameterSet = 0x7
	CKP_SLH_DSA_SHAKE_192F SLHDSAParameterSet = 0x8
	CKP_SLH_DSA_SHA2_256S  SLHDSAParameterSet = 0x9
	CKP_SLH_DSA_SHAKE_256S SLHDSAParameterSet = 0xa
	CKP_SLH_DSA_SHA2_256F  SLHDSAParameterSet = 0xb
	CKP_SLH_DSA_SHAKE_256F SLHDSAParameterSet = 0xc
)

// Trust values of a CKO_TRUST object (CK_TRUST).
const (
	// PKCS#11 3.2.
	CKT_TRUST_UNKNOWN           TrustType = 0x0
	CKT_TRUSTED                 TrustType = 0x1
	CKT_TRUST_ANCHOR            TrustType = 0x2
	CKT_NOT_TRUSTED             TrustType = 0x3
	CKT_TRUST_MUST_VERIFY_TRUST TrustType = 0x4
)

// CKA_VALIDATION_TYPE values (CK_VALIDATION_TYPE).
const (
	// PKCS#11 3.2.
	CKV_TYPE_UNSPECIFIED ValidationType = 0x0
	CKV_TYPE_SOFTWARE    ValidationType = 0x1
	CKV_TYPE_HARDWARE    ValidationType = 0x2
	CKV_TYPE_FIRMWARE    ValidationType = 0x3
	CKV_TYPE_HYBRID      ValidationType = 0x4
)

// CKA_VALIDATION_AUTHORITY_TYPE values (CK_VALIDATION_AUTHORITY_TYPE).
const (
	// PKCS#11 3.2.
	CKV_AUTHORITY_TYPE_UNSPECIFIED     ValidationAuthorityType = 0x0
	CKV_AUTHORITY_TYPE_NIST_CMVP       ValidationAuthorityType = 0x1
	CKV_AUTHORITY_TYPE_COMMON_CRITERIA ValidationAuthorityType = 0x2
)

// C_GetSessionValidationFlags selector (CK_SESSION_VALIDATION_FLAGS_TYPE).
const (
	// PKCS#11 3.2.
	CKS_LAST_VALIDATION_OK SessionValidationFlagsType = 0x1
)

// SP 800-108 KDF data parameter types (CK_PRF_DATA_TYPE). CK_SP800_108_COUNTER
// is the header's alias of CK_SP800_108_OPTIONAL_COUNTER.
const (
	// PKCS#11 3.0.
	CK_SP800_108_ITERATION_VARIABLE PRFDataType = 0x1
	CK_SP800_108_OPTIONAL_COUNTER   PRFDataType = 0x2
	CK_SP800_108_COUNTER            PRFDataType = 0x2
	CK_SP800_108_DKM_LENGTH         PRFDataType = 0x3
	CK_SP800_108_BYTE_ARRAY         PRFDataType = 0x4
	CK_SP800_108_KEY_HANDLE         PRFDataType = 0x5
)

// SP 800-108 derived keying material length methods (CK_SP800_108_DKM_LENGTH_METHOD).
const (
	// PKCS#11 3.0.
	CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS     SP800108DKMLengthMethod = 0x1
	CK_SP800_108_DKM_LENGTH_SUM_OF_SEGMENTS SP800108DKMLengthMethod = 0x2
)

// gohsm vendor extensions: CKA_VENDOR_DEFINED | 0x4748xx ("GH"), with bit 30
// clear (it is CKF_ARRAY_ATTRIBUTE, which would make the value a template).
const (
	// CKA_GOHSM_SHARED_WITH: the Crypto Users a token key is shared with, as
	// a comma-separated list of user names (DESIGN.md rule 6; provider/share.go).
	CKA_GOHSM_SHARED_WITH AttributeType = 0x80474801
)

// ChaCha20Poly1305Params is CK_SALSA20_CHACHA20_POLY1305_PARAMS
// (CKM_CHACHA20_POLY1305): pNonce/ulNonceLen and pAAD/ulAADLen.
type ChaCha20Poly1305Params struct {
	Nonce, AAD []byte
}

// ChaCha20Params is CK_CHACHA20_PARAMS (CKM_CHACHA20): the initial block
// counter (CounterBits/8 bytes from pBlockCounter, as they stand in the
// ChaCha20 state: little-endian) and the nonce (NonceBits/8 bytes).
type ChaCha20Params struct {
	BlockCounter []byte
	CounterBits  ULong
	Nonce        []byte
	NonceBits    ULong
}

// HKDFParams is CK_HKDF_PARAMS (CKM_HKDF_DERIVE): bExtract, bExpand,
// prfHashMechanism, ulSaltType (CKF_HKDF_SALT_*), pSalt/ulSaltLen, hSaltKey
// and pInfo/ulInfoLen. With CKF_HKDF_SALT_KEY, provider puts the value of the
// key SaltKey in Salt before the mechanism sees the parameter.
type HKDFParams struct {
	Extract, Expand bool
	PRF             MechanismType
	SaltType        Flags
	Salt            []byte
	SaltKey         ObjectHandle
	Info            []byte
}

// ConcatenateKeyParams is the parameter of CKM_CONCATENATE_BASE_AND_KEY: the
// CK_OBJECT_HANDLE of the key whose value follows the base key's. Provider
// fills in that key's class and attributes (OtherClass, OtherAttrs) before
// the mechanism sees the parameter, as it does for HKDF's salt key.
type ConcatenateKeyParams struct {
	Other      ObjectHandle
	OtherClass ObjectClass
	OtherAttrs map[AttributeType][]byte
}

// KeyDerivationStringData is CK_KEY_DERIVATION_STRING_DATA (pData/ulLen):
// the parameter of CKM_CONCATENATE_BASE_AND_DATA, CKM_CONCATENATE_DATA_AND_BASE,
// CKM_XOR_BASE_AND_DATA and CKM_AES/DES3_ECB_ENCRYPT_DATA.
type KeyDerivationStringData struct {
	Data []byte
}

// CBCEncryptDataParams is CK_AES_CBC_ENCRYPT_DATA_PARAMS (iv[16]) and
// CK_DES_CBC_ENCRYPT_DATA_PARAMS (iv[8]), with pData/length:
// the parameter of CKM_AES_CBC_ENCRYPT_DATA and CKM_DES3_CBC_ENCRYPT_DATA.
type CBCEncryptDataParams struct {
	IV, Data []byte
}

// RSAAESKeyWrapParams is CK_RSA_AES_KEY_WRAP_PARAMS (CKM_RSA_AES_KEY_WRAP):
// ulAESKeyBits and pOAEPParams.
type RSAAESKeyWrapParams struct {
	AESKeyBits ULong
	OAEP       OAEPParams
}

// SignAdditionalContext is CK_SIGN_ADDITIONAL_CONTEXT (PKCS#11 3.2; CKM_ML_DSA,
// CKM_SLH_DSA and the HashML-DSA/HashSLH-DSA with hashing): hedgeVariant and
// pContext/ulContextLen (the FIPS 204/205 context string, at most 255 bytes).
type SignAdditionalContext struct {
	Hedge   HedgeType
	Context []byte
}
