/* keys.c: key management and random numbers (base 3.0 sections 5.18, 5.19). */
#include "front.h"
#include "_cgo_export.h"

CK_RV C_GenerateKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		    CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phKey)
{
	GOHSM_ENTER(C_GenerateKey, (hSession, pMechanism, pTemplate, ulCount, phKey));
	if (pMechanism == NULL || GOHSM_BAD_BUF(pTemplate, ulCount) || phKey == NULL)
		return CKR_ARGUMENTS_BAD;
	return goGenerateKey(hSession, pMechanism, pTemplate, ulCount, phKey);
}

CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
			CK_ATTRIBUTE_PTR pPublicKeyTemplate, CK_ULONG ulPublicKeyAttributeCount,
			CK_ATTRIBUTE_PTR pPrivateKeyTemplate, CK_ULONG ulPrivateKeyAttributeCount,
			CK_OBJECT_HANDLE_PTR phPublicKey, CK_OBJECT_HANDLE_PTR phPrivateKey)
{
	GOHSM_ENTER(C_GenerateKeyPair, (hSession, pMechanism, pPublicKeyTemplate, ulPublicKeyAttributeCount,
					pPrivateKeyTemplate, ulPrivateKeyAttributeCount, phPublicKey, phPrivateKey));
	if (pMechanism == NULL || GOHSM_BAD_BUF(pPublicKeyTemplate, ulPublicKeyAttributeCount) ||
	    GOHSM_BAD_BUF(pPrivateKeyTemplate, ulPrivateKeyAttributeCount) ||
	    phPublicKey == NULL || phPrivateKey == NULL)
		return CKR_ARGUMENTS_BAD;
	return goGenerateKeyPair(hSession, pMechanism, pPublicKeyTemplate, ulPublicKeyAttributeCount,
				 pPrivateKeyTemplate, ulPrivateKeyAttributeCount, phPublicKey, phPrivateKey);
}

CK_RV C_WrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hWrappingKey,
		CK_OBJECT_HANDLE hKey, CK_BYTE_PTR pWrappedKey, CK_ULONG_PTR pulWrappedKeyLen)
{
	GOHSM_ENTER(C_WrapKey, (hSession, pMechanism, hWrappingKey, hKey, pWrappedKey, pulWrappedKeyLen));
	if (pMechanism == NULL || pulWrappedKeyLen == NULL)
		return CKR_ARGUMENTS_BAD;
	return goWrapKey(hSession, pMechanism, hWrappingKey, hKey, pWrappedKey, pulWrappedKeyLen);
}

CK_RV C_UnwrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hUnwrappingKey,
		  CK_BYTE_PTR pWrappedKey, CK_ULONG ulWrappedKeyLen, CK_ATTRIBUTE_PTR pTemplate,
		  CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey)
{
	GOHSM_ENTER(C_UnwrapKey, (hSession, pMechanism, hUnwrappingKey, pWrappedKey, ulWrappedKeyLen,
				  pTemplate, ulAttributeCount, phKey));
	if (pMechanism == NULL || GOHSM_BAD_BUF(pWrappedKey, ulWrappedKeyLen) ||
	    GOHSM_BAD_BUF(pTemplate, ulAttributeCount) || phKey == NULL)
		return CKR_ARGUMENTS_BAD;
	return goUnwrapKey(hSession, pMechanism, hUnwrappingKey, pWrappedKey, ulWrappedKeyLen,
			   pTemplate, ulAttributeCount, phKey);
}

CK_RV C_DeriveKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hBaseKey,
		  CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey)
{
	GOHSM_ENTER(C_DeriveKey, (hSession, pMechanism, hBaseKey, pTemplate, ulAttributeCount, phKey));
	if (pMechanism == NULL || GOHSM_BAD_BUF(pTemplate, ulAttributeCount) || phKey == NULL)
		return CKR_ARGUMENTS_BAD;
	return goDeriveKey(hSession, pMechanism, hBaseKey, pTemplate, ulAttributeCount, phKey);
}

CK_RV C_SeedRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSeed, CK_ULONG ulSeedLen)
{
	GOHSM_ENTER(C_SeedRandom, (hSession, pSeed, ulSeedLen));
	if (GOHSM_BAD_BUF(pSeed, ulSeedLen))
		return CKR_ARGUMENTS_BAD;
	return goSeedRandom(hSession, pSeed, ulSeedLen);
}

CK_RV C_GenerateRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR RandomData, CK_ULONG ulRandomLen)
{
	GOHSM_ENTER(C_GenerateRandom, (hSession, RandomData, ulRandomLen));
	if (GOHSM_BAD_BUF(RandomData, ulRandomLen))
		return CKR_ARGUMENTS_BAD;
	return goGenerateRandom(hSession, RandomData, ulRandomLen);
}
