package capi

// Func is one entry of CK_FUNCTION_LIST_3_0: its name and number of arguments.
type Func struct {
	Name  string
	Arity int
}

// Functions is CK_FUNCTION_LIST_3_0 in order (PKCS#11 3.0 section 3.6): the
// 68 functions of the 2.40 list, then the 24 added by 3.0.
var Functions = []Func{
	{"C_Initialize", 1}, {"C_Finalize", 1}, {"C_GetInfo", 1}, {"C_GetFunctionList", 1},
	{"C_GetSlotList", 3}, {"C_GetSlotInfo", 2}, {"C_GetTokenInfo", 2},
	{"C_GetMechanismList", 3}, {"C_GetMechanismInfo", 3},
	{"C_InitToken", 4}, {"C_InitPIN", 3}, {"C_SetPIN", 5},
	{"C_OpenSession", 5}, {"C_CloseSession", 1}, {"C_CloseAllSessions", 1}, {"C_GetSessionInfo", 2},
	{"C_GetOperationState", 3}, {"C_SetOperationState", 5},
	{"C_Login", 4}, {"C_Logout", 1},
	{"C_CreateObject", 4}, {"C_CopyObject", 5}, {"C_DestroyObject", 2}, {"C_GetObjectSize", 3},
	{"C_GetAttributeValue", 4}, {"C_SetAttributeValue", 4},
	{"C_FindObjectsInit", 3}, {"C_FindObjects", 4}, {"C_FindObjectsFinal", 1},
	{"C_EncryptInit", 3}, {"C_Encrypt", 5}, {"C_EncryptUpdate", 5}, {"C_EncryptFinal", 3},
	{"C_DecryptInit", 3}, {"C_Decrypt", 5}, {"C_DecryptUpdate", 5}, {"C_DecryptFinal", 3},
	{"C_DigestInit", 2}, {"C_Digest", 5}, {"C_DigestUpdate", 3}, {"C_DigestKey", 2}, {"C_DigestFinal", 3},
	{"C_SignInit", 3}, {"C_Sign", 5}, {"C_SignUpdate", 3}, {"C_SignFinal", 3},
	{"C_SignRecoverInit", 3}, {"C_SignRecover", 5},
	{"C_VerifyInit", 3}, {"C_Verify", 5}, {"C_VerifyUpdate", 3}, {"C_VerifyFinal", 3},
	{"C_VerifyRecoverInit", 3}, {"C_VerifyRecover", 5},
	{"C_DigestEncryptUpdate", 5}, {"C_DecryptDigestUpdate", 5},
	{"C_SignEncryptUpdate", 5}, {"C_DecryptVerifyUpdate", 5},
	{"C_GenerateKey", 5}, {"C_GenerateKeyPair", 8}, {"C_WrapKey", 6}, {"C_UnwrapKey", 8}, {"C_DeriveKey", 6},
	{"C_SeedRandom", 3}, {"C_GenerateRandom", 3},
	{"C_GetFunctionStatus", 1}, {"C_CancelFunction", 1}, {"C_WaitForSlotEvent", 3},
	// PKCS#11 3.0
	{"C_GetInterfaceList", 2}, {"C_GetInterface", 4}, {"C_LoginUser", 6}, {"C_SessionCancel", 2},
	{"C_MessageEncryptInit", 3}, {"C_EncryptMessage", 9}, {"C_EncryptMessageBegin", 5},
	{"C_EncryptMessageNext", 8}, {"C_MessageEncryptFinal", 1},
	{"C_MessageDecryptInit", 3}, {"C_DecryptMessage", 9}, {"C_DecryptMessageBegin", 5},
	{"C_DecryptMessageNext", 8}, {"C_MessageDecryptFinal", 1},
	{"C_MessageSignInit", 3}, {"C_SignMessage", 7}, {"C_SignMessageBegin", 3},
	{"C_SignMessageNext", 7}, {"C_MessageSignFinal", 1},
	{"C_MessageVerifyInit", 3}, {"C_VerifyMessage", 7}, {"C_VerifyMessageBegin", 3},
	{"C_VerifyMessageNext", 7}, {"C_MessageVerifyFinal", 1},
}

// Functions240 is how many entries the 2.40 CK_FUNCTION_LIST has.
const Functions240 = 68
