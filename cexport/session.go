package main

/*
#include "pkcs11.h"
*/
import "C"

import (
	"unsafe"

	"github.com/gohsm/gohsm/ck"
)

//export goOpenSession
func goOpenSession(id C.CK_SLOT_ID, flags C.CK_FLAGS, ph *C.CK_SESSION_HANDLE) (rv C.CK_RV) {
	const fn = "C_OpenSession"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	h, err := m.OpenSession(ck.SlotID(id), ck.Flags(flags))
	if err != nil {
		return rvOf(fn, err)
	}
	*ph = C.CK_SESSION_HANDLE(h)
	return C.CKR_OK
}

//export goCloseSession
func goCloseSession(h C.CK_SESSION_HANDLE) (rv C.CK_RV) {
	const fn = "C_CloseSession"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	return rvOf(fn, m.CloseSession(ck.SessionHandle(h)))
}

//export goCloseAllSessions
func goCloseAllSessions(id C.CK_SLOT_ID) (rv C.CK_RV) {
	const fn = "C_CloseAllSessions"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	return rvOf(fn, m.CloseAllSessions(ck.SlotID(id)))
}

//export goGetSessionInfo
func goGetSessionInfo(h C.CK_SESSION_HANDLE, p *C.CK_SESSION_INFO) (rv C.CK_RV) {
	const fn = "C_GetSessionInfo"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	si, err := m.SessionInfo(ck.SessionHandle(h))
	if err != nil {
		return rvOf(fn, err)
	}
	p.slotID = C.CK_SLOT_ID(si.SlotID)
	p.state = C.CK_STATE(si.State)
	p.flags = C.CK_FLAGS(si.Flags)
	p.ulDeviceError = C.CK_ULONG(si.DeviceError)
	return C.CKR_OK
}

//export goLogin
func goLogin(h C.CK_SESSION_HANDLE, ut C.CK_USER_TYPE, pPin *C.CK_UTF8CHAR, pinLen C.CK_ULONG) (rv C.CK_RV) {
	const fn = "C_Login"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	pin, err := inBytes(unsafe.Pointer(pPin), pinLen)
	if err != nil {
		return rvOf(fn, err)
	}
	defer wipe(pin)
	return rvOf(fn, m.Login(ck.SessionHandle(h), ck.UserType(ut), pin))
}

//export goLoginUser
func goLoginUser(h C.CK_SESSION_HANDLE, ut C.CK_USER_TYPE, pPin *C.CK_UTF8CHAR, pinLen C.CK_ULONG,
	pUser *C.CK_UTF8CHAR, userLen C.CK_ULONG) (rv C.CK_RV) {
	const fn = "C_LoginUser"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	pin, err := inBytes(unsafe.Pointer(pPin), pinLen)
	if err != nil {
		return rvOf(fn, err)
	}
	defer wipe(pin)
	user, err := inBytes(unsafe.Pointer(pUser), userLen)
	if err != nil {
		return rvOf(fn, err)
	}
	return rvOf(fn, m.LoginUser(ck.SessionHandle(h), ck.UserType(ut), pin, user))
}

//export goLogout
func goLogout(h C.CK_SESSION_HANDLE) (rv C.CK_RV) {
	const fn = "C_Logout"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	return rvOf(fn, m.Logout(ck.SessionHandle(h)))
}

//export goSessionCancel
func goSessionCancel(h C.CK_SESSION_HANDLE, flags C.CK_FLAGS) (rv C.CK_RV) {
	const fn = "C_SessionCancel"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	return rvOf(fn, m.SessionCancel(ck.SessionHandle(h), ck.Flags(flags)))
}

// goNotParallel answers the legacy C_GetFunctionStatus and C_CancelFunction:
// the session handle is checked like any other, then CKR_FUNCTION_NOT_PARALLEL.
//
//export goNotParallel
func goNotParallel(h C.CK_SESSION_HANDLE) (rv C.CK_RV) {
	const fn = "C_GetFunctionStatus"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	if _, err := m.SessionInfo(ck.SessionHandle(h)); err != nil {
		return rvOf(fn, err)
	}
	return C.CKR_FUNCTION_NOT_PARALLEL
}
