package capi

// Func is one entry of CK_FUNCTION_LIST_3_0: its name and its arguments, one
// letter each, so that tests can build valid calls and then break one argument:
//
//	S session   l slot ID   b CK_BBOOL   f flags   u user type   m mechanism type
//	K object handle   M CK_MECHANISM*   T template*   N count (of the T before, or a maximum)
//	B input bytes (with the L after it: their length; alone: a fixed-size input)   L length
//	O required output   o output buffer, NULL for a length query   P in/out CK_ULONG* length
//	p optional CK_ULONG* (NULL allowed)   V reserved or optional pointer, NULL
//	C optional C string   v optional CK_VERSION*
type Func struct {
	Name string
	Args string
}

// Arity is the number of arguments.
func (f Func) Arity() int { return len(f.Args) }

// Functions is CK_FUNCTION_LIST_3_0 in order (PKCS#11 3.0 section 3.6): the
// 68 functions of the 2.40 list, then the 24 added by 3.0.
var Functions = []Func{
	{"C_Initialize", "V"}, {"C_Finalize", "V"}, {"C_GetInfo", "O"}, {"C_GetFunctionList", "O"},
	{"C_GetSlotList", "boP"}, {"C_GetSlotInfo", "lO"}, {"C_GetTokenInfo", "lO"},
	{"C_GetMechanismList", "loP"}, {"C_GetMechanismInfo", "lmO"},
	{"C_InitToken", "lBLB"}, {"C_InitPIN", "SBL"}, {"C_SetPIN", "SBLBL"},
	{"C_OpenSession", "lfVVO"}, {"C_CloseSession", "S"}, {"C_CloseAllSessions", "l"}, {"C_GetSessionInfo", "SO"},
	{"C_GetOperationState", "SoP"}, {"C_SetOperationState", "SBLKK"},
	{"C_Login", "SuBL"}, {"C_Logout", "S"},
	{"C_CreateObject", "STNO"}, {"C_CopyObject", "SKTNO"}, {"C_DestroyObject", "SK"}, {"C_GetObjectSize", "SKO"},
	{"C_GetAttributeValue", "SKTN"}, {"C_SetAttributeValue", "SKTN"},
	{"C_FindObjectsInit", "STN"}, {"C_FindObjects", "SONO"}, {"C_FindObjectsFinal", "S"},
	{"C_EncryptInit", "SMK"}, {"C_Encrypt", "SBLoP"}, {"C_EncryptUpdate", "SBLoP"}, {"C_EncryptFinal", "SoP"},
	{"C_DecryptInit", "SMK"}, {"C_Decrypt", "SBLoP"}, {"C_DecryptUpdate", "SBLoP"}, {"C_DecryptFinal", "SoP"},
	{"C_DigestInit", "SM"}, {"C_Digest", "SBLoP"}, {"C_DigestUpdate", "SBL"}, {"C_DigestKey", "SK"}, {"C_DigestFinal", "SoP"},
	{"C_SignInit", "SMK"}, {"C_Sign", "SBLoP"}, {"C_SignUpdate", "SBL"}, {"C_SignFinal", "SoP"},
	{"C_SignRecoverInit", "SMK"}, {"C_SignRecover", "SBLoP"},
	{"C_VerifyInit", "SMK"}, {"C_Verify", "SBLBL"}, {"C_VerifyUpdate", "SBL"}, {"C_VerifyFinal", "SBL"},
	{"C_VerifyRecoverInit", "SMK"}, {"C_VerifyRecover", "SBLoP"},
	{"C_DigestEncryptUpdate", "SBLoP"}, {"C_DecryptDigestUpdate", "SBLoP"},
	{"C_SignEncryptUpdate", "SBLoP"}, {"C_DecryptVerifyUpdate", "SBLoP"},
	{"C_GenerateKey", "SMTNO"}, {"C_GenerateKeyPair", "SMTNTNOO"}, {"C_WrapKey", "SMKKoP"},
	{"C_UnwrapKey", "SMKBLTNO"}, {"C_DeriveKey", "SMKTNO"},
	{"C_SeedRandom", "SBL"}, {"C_GenerateRandom", "SOL"},
	{"C_GetFunctionStatus", "S"}, {"C_CancelFunction", "S"}, {"C_WaitForSlotEvent", "fOV"},
	// PKCS#11 3.0
	{"C_GetInterfaceList", "oP"}, {"C_GetInterface", "CvOf"}, {"C_LoginUser", "SuBLBL"}, {"C_SessionCancel", "Sf"},
	{"C_MessageEncryptInit", "SMK"}, {"C_EncryptMessage", "SBLBLBLoP"}, {"C_EncryptMessageBegin", "SBLBL"},
	{"C_EncryptMessageNext", "SBLBLoPf"}, {"C_MessageEncryptFinal", "S"},
	{"C_MessageDecryptInit", "SMK"}, {"C_DecryptMessage", "SBLBLBLoP"}, {"C_DecryptMessageBegin", "SBLBL"},
	{"C_DecryptMessageNext", "SBLBLoPf"}, {"C_MessageDecryptFinal", "S"},
	{"C_MessageSignInit", "SMK"}, {"C_SignMessage", "SBLBLoP"}, {"C_SignMessageBegin", "SBL"},
	{"C_SignMessageNext", "SBLBLop"}, {"C_MessageSignFinal", "S"},
	{"C_MessageVerifyInit", "SMK"}, {"C_VerifyMessage", "SBLBLBL"}, {"C_VerifyMessageBegin", "SBL"},
	{"C_VerifyMessageNext", "SBLBLBL"}, {"C_MessageVerifyFinal", "S"},
}

// Functions32 are the 12 functions PKCS#11 3.2 appends in CK_FUNCTION_LIST_3_2
// (OASIS 3.2 pkcs11f.h order).
var Functions32 = []Func{
	{"C_EncapsulateKey", "SMKTNoPO"}, {"C_DecapsulateKey", "SMKTNBLO"},
	{"C_VerifySignatureInit", "SMKBL"}, {"C_VerifySignature", "SBL"}, {"C_VerifySignatureUpdate", "SBL"},
	{"C_VerifySignatureFinal", "S"}, {"C_GetSessionValidationFlags", "SfO"},
	{"C_AsyncComplete", "SCO"}, {"C_AsyncGetID", "SCO"}, {"C_AsyncJoin", "SCfBL"},
	{"C_WrapKeyAuthenticated", "SMKKBLoP"}, {"C_UnwrapKeyAuthenticated", "SMKBLTNBLO"},
}

// All is CK_FUNCTION_LIST_3_2 in order: Functions, then Functions32. The
// sweeps go through All; Lib calls through the 3.2 list.
var All = append(append([]Func{}, Functions...), Functions32...)

// Functions240 is how many entries the 2.40 CK_FUNCTION_LIST has.
const Functions240 = 68
