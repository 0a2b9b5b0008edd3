package main

/*
#include "pkcs11.h"
*/
import "C"

import (
	"strings"
	"unsafe"

	"github.com/gohsm/gohsm/ck"
)

//export goGetSlotList
func goGetSlotList(tokenPresent C.CK_BBOOL, p *C.CK_SLOT_ID, pCount *C.CK_ULONG) (rv C.CK_RV) {
	const fn = "C_GetSlotList"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	slots, err := m.SlotList(tokenPresent != C.CK_FALSE)
	if err != nil {
		return rvOf(fn, err)
	}
	return listOut(fn, slots, (*C.CK_ULONG)(p), pCount)
}

//export goGetSlotInfo
func goGetSlotInfo(id C.CK_SLOT_ID, p *C.CK_SLOT_INFO) (rv C.CK_RV) {
	const fn = "C_GetSlotInfo"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	si, err := m.SlotInfo(ck.SlotID(id))
	if err != nil {
		return rvOf(fn, err)
	}
	padded(unsafe.Pointer(&p.slotDescription[0]), len(p.slotDescription), si.SlotDescription)
	padded(unsafe.Pointer(&p.manufacturerID[0]), len(p.manufacturerID), si.ManufacturerID)
	p.flags = C.CK_FLAGS(si.Flags)
	p.hardwareVersion = version(si.HardwareVersion)
	p.firmwareVersion = version(si.FirmwareVersion)
	return C.CKR_OK
}

//export goGetTokenInfo
func goGetTokenInfo(id C.CK_SLOT_ID, p *C.CK_TOKEN_INFO) (rv C.CK_RV) {
	const fn = "C_GetTokenInfo"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	ti, err := m.TokenInfo(ck.SlotID(id))
	if err != nil {
		return rvOf(fn, err)
	}
	padded(unsafe.Pointer(&p.label[0]), len(p.label), ti.Label)
	padded(unsafe.Pointer(&p.manufacturerID[0]), len(p.manufacturerID), ti.ManufacturerID)
	padded(unsafe.Pointer(&p.model[0]), len(p.model), ti.Model)
	padded(unsafe.Pointer(&p.serialNumber[0]), len(p.serialNumber), ti.SerialNumber)
	p.flags = C.CK_FLAGS(ti.Flags)
	p.ulMaxSessionCount = C.CK_ULONG(ti.MaxSessionCount)
	p.ulSessionCount = C.CK_ULONG(ti.SessionCount)
	p.ulMaxRwSessionCount = C.CK_ULONG(ti.MaxRwSessionCount)
	p.ulRwSessionCount = C.CK_ULONG(ti.RwSessionCount)
	p.ulMaxPinLen = C.CK_ULONG(ti.MaxPinLen)
	p.ulMinPinLen = C.CK_ULONG(ti.MinPinLen)
	p.ulTotalPublicMemory = C.CK_ULONG(ti.TotalPublicMemory)
	p.ulFreePublicMemory = C.CK_ULONG(ti.FreePublicMemory)
	p.ulTotalPrivateMemory = C.CK_ULONG(ti.TotalPrivateMemory)
	p.ulFreePrivateMemory = C.CK_ULONG(ti.FreePrivateMemory)
	p.hardwareVersion = version(ti.HardwareVersion)
	p.firmwareVersion = version(ti.FirmwareVersion)
	utc := "" // blanks when the token has no clock
	if !ti.UTCTime.IsZero() {
		utc = ti.UTCTime.UTC().Format("20060102150405") + "00"
	}
	padded(unsafe.Pointer(&p.utcTime[0]), len(p.utcTime), utc)
	return C.CKR_OK
}

//export goGetMechanismList
func goGetMechanismList(id C.CK_SLOT_ID, p *C.CK_MECHANISM_TYPE, pCount *C.CK_ULONG) (rv C.CK_RV) {
	const fn = "C_GetMechanismList"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	mechs, err := m.MechanismList(ck.SlotID(id))
	if err != nil {
		return rvOf(fn, err)
	}
	return listOut(fn, mechs, (*C.CK_ULONG)(p), pCount)
}

//export goGetMechanismInfo
func goGetMechanismInfo(id C.CK_SLOT_ID, t C.CK_MECHANISM_TYPE, p *C.CK_MECHANISM_INFO) (rv C.CK_RV) {
	const fn = "C_GetMechanismInfo"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	mi, err := m.MechanismInfo(ck.SlotID(id), ck.MechanismType(t))
	if err != nil {
		return rvOf(fn, err)
	}
	p.ulMinKeySize = C.CK_ULONG(mi.MinKeySize)
	p.ulMaxKeySize = C.CK_ULONG(mi.MaxKeySize)
	p.flags = C.CK_FLAGS(mi.Flags)
	return C.CKR_OK
}

// goInitToken: pLabel is the 32-byte blank-padded label; trailing blanks (and
// anything after a NUL, which lenient callers send) are not part of it.
//
//export goInitToken
func goInitToken(id C.CK_SLOT_ID, pPin *C.CK_UTF8CHAR, pinLen C.CK_ULONG, pLabel *C.CK_UTF8CHAR) (rv C.CK_RV) {
	const fn = "C_InitToken"
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
	raw := unsafe.Slice((*byte)(unsafe.Pointer(pLabel)), 32)
	label := string(raw)
	if i := strings.IndexByte(label, 0); i >= 0 {
		label = label[:i]
	}
	label = strings.TrimRight(label, " ")
	return rvOf(fn, m.InitToken(ck.SlotID(id), pin, label))
}

//export goInitPIN
func goInitPIN(h C.CK_SESSION_HANDLE, pPin *C.CK_UTF8CHAR, pinLen C.CK_ULONG) (rv C.CK_RV) {
	const fn = "C_InitPIN"
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
	return rvOf(fn, m.InitPIN(ck.SessionHandle(h), pin))
}

//export goSetPIN
func goSetPIN(h C.CK_SESSION_HANDLE, pOld *C.CK_UTF8CHAR, oldLen C.CK_ULONG, pNew *C.CK_UTF8CHAR, newLen C.CK_ULONG) (rv C.CK_RV) {
	const fn = "C_SetPIN"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	oldPIN, err := inBytes(unsafe.Pointer(pOld), oldLen)
	if err != nil {
		return rvOf(fn, err)
	}
	defer wipe(oldPIN)
	newPIN, err := inBytes(unsafe.Pointer(pNew), newLen)
	if err != nil {
		return rvOf(fn, err)
	}
	defer wipe(newPIN)
	return rvOf(fn, m.SetPIN(ck.SessionHandle(h), oldPIN, newPIN))
}

//export goWaitForSlotEvent
func goWaitForSlotEvent(flags C.CK_FLAGS, pSlot *C.CK_SLOT_ID) (rv C.CK_RV) {
	const fn = "C_WaitForSlotEvent"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	id, err := m.WaitForSlotEvent(ck.Flags(flags))
	if err != nil {
		return rvOf(fn, err)
	}
	*pSlot = C.CK_SLOT_ID(id)
	return C.CKR_OK
}
