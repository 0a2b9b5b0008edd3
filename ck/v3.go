package ck

// Values added by PKCS#11 3.0 and later that Debian's 2.40 header lacks, written
// from the OASIS specification text (DESIGN.md section 2).
const (
	CKO_PROFILE ObjectClass = 0x9

	CKA_UNIQUE_ID  AttributeType = 0x4
	CKA_PROFILE_ID AttributeType = 0x601

	CKR_TOKEN_RESOURCE_EXCEEDED RV = 0x201
	CKR_OPERATION_CANCEL_FAILED RV = 0x202
	CKR_KEY_EXHAUSTED           RV = 0x203

	// CK_INTERFACE flags.
	CKF_INTERFACE_FORK_SAFE Flags = 0x1
	// C_SessionCancel flags (3.0 section 5.6).
	CKF_MESSAGE_ENCRYPT Flags = 0x2
	CKF_MESSAGE_DECRYPT Flags = 0x4
	CKF_MESSAGE_SIGN    Flags = 0x8
	CKF_MESSAGE_VERIFY  Flags = 0x10
	CKF_MULTI_MESSAGE   Flags = 0x20
	CKF_FIND_OBJECTS    Flags = 0x40
)

// CK_MECHANISM_INFO flags for EC domain parameters (3.0 section 2.3 of the
// mechanisms specification). CKF_EC_OID is the 3.0 name of CKF_EC_NAMEDCURVE.
const (
	CKF_EC_F_2M         Flags = 0x200000
	CKF_EC_ECPARAMETERS Flags = 0x400000
	CKF_EC_OID          Flags = 0x800000
	CKF_EC_CURVENAME    Flags = 0x4000000
)

// GCMParams is CK_GCM_PARAMS as cexport decodes it: the IV, the additional
// authenticated data and the tag length in bits (ulTagBits). ulIvBits is
// advisory in the specification and not carried.
type GCMParams struct {
	IV, AAD []byte
	TagBits uint
}
