package ck

// PBKDF2Params is CK_PKCS5_PBKD2_PARAMS2 (and the older CK_PKCS5_PBKD2_PARAMS,
// whose password length is read through its pointer): the parameter of
// CKM_PKCS5_PBKD2 in C_GenerateKey.
type PBKDF2Params struct {
	SaltSource PBKDF2SaltSource
	Salt       []byte
	Iterations ULong
	PRF        PBKDF2PRF
	PRFData    []byte
	Password   []byte
}

// PRFDataParam is one CK_PRF_DATA_PARAM of an SP 800-108 KDF. Bytes is the
// value of a CK_SP800_108_BYTE_ARRAY; LittleEndian and WidthBits describe a
// counter (CK_SP800_108_COUNTER_FORMAT) or the DKM length
// (CK_SP800_108_DKM_LENGTH_FORMAT, with DKMMethod).
type PRFDataParam struct {
	Type         PRFDataType
	Bytes        []byte
	LittleEndian bool
	WidthBits    ULong
	DKMMethod    SP800108DKMLengthMethod
}

// SP800108Params is CK_SP800_108_KDF_PARAMS (counter and double-pipeline
// modes) and CK_SP800_108_FEEDBACK_KDF_PARAMS (feedback mode, with IV).
// AdditionalKeys is ulAdditionalDerivedKeys (gohsm derives none: the
// mechanism refuses a non-zero count).
type SP800108Params struct {
	PRF            MechanismType
	Data           []PRFDataParam
	IV             []byte
	AdditionalKeys ULong
}
