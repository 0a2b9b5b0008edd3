package ck

import (
	"encoding/binary"
	"time"
)

// Template is a list of attributes as given to C_CreateObject and friends.
type Template []Attribute

// Lookup returns the value of the first attribute of type t.
func (tm Template) Lookup(t AttributeType) ([]byte, bool) {
	for _, a := range tm {
		if a.Type == t {
			return a.Value, true
		}
	}
	return nil, false
}

// ULong decodes attribute t as a CK_ULONG. A wrong length is CKR_ATTRIBUTE_VALUE_INVALID.
func (tm Template) ULong(t AttributeType) (v ULong, ok bool, err error) {
	b, ok := tm.Lookup(t)
	if !ok {
		return 0, false, nil
	}
	v, err = DecodeULong(b)
	return v, true, err
}

// Bool decodes attribute t as a CK_BBOOL. A wrong length is CKR_ATTRIBUTE_VALUE_INVALID.
func (tm Template) Bool(t AttributeType) (v, ok bool, err error) {
	b, ok := tm.Lookup(t)
	if !ok {
		return false, false, nil
	}
	v, err = DecodeBool(b)
	return v, true, err
}

// DecodeULong reads a CK_ULONG in the C ABI's layout.
func DecodeULong(b []byte) (ULong, error) {
	if len(b) != 8 {
		return 0, CKR_ATTRIBUTE_VALUE_INVALID
	}
	return binary.NativeEndian.Uint64(b), nil
}

// DecodeBool reads a CK_BBOOL: exactly one byte, CK_FALSE or CK_TRUE.
func DecodeBool(b []byte) (bool, error) {
	if len(b) != 1 || b[0] > 1 {
		return false, CKR_ATTRIBUTE_VALUE_INVALID
	}
	return b[0] == 1, nil
}

// EncodeULong writes v in the C ABI's CK_ULONG layout.
func EncodeULong(v ULong) []byte {
	b := make([]byte, 8)
	binary.NativeEndian.PutUint64(b, v)
	return b
}

// EncodeBool writes a CK_BBOOL.
func EncodeBool(v bool) []byte {
	if v {
		return []byte{1}
	}
	return []byte{0}
}

// Info is CK_INFO.
type Info struct {
	CryptokiVersion    Version
	ManufacturerID     string // padded to 32 by cexport
	Flags              Flags
	LibraryDescription string // padded to 32
	LibraryVersion     Version
}

// SlotInfo is CK_SLOT_INFO.
type SlotInfo struct {
	SlotDescription string // 64
	ManufacturerID  string // 32
	Flags           Flags
	HardwareVersion Version
	FirmwareVersion Version
}

// TokenInfo is CK_TOKEN_INFO. ULongs that are unknown hold UnavailableInformation.
type TokenInfo struct {
	Label, ManufacturerID, Model, SerialNumber string // 32, 32, 16, 16
	Flags                                      Flags
	MaxSessionCount, SessionCount              ULong
	MaxRwSessionCount, RwSessionCount          ULong
	MaxPinLen, MinPinLen                       ULong
	TotalPublicMemory, FreePublicMemory        ULong
	TotalPrivateMemory, FreePrivateMemory      ULong
	HardwareVersion, FirmwareVersion           Version
	UTCTime                                    time.Time // CKF_CLOCK_ON_TOKEN is set, so this is filled
}

// SessionInfo is CK_SESSION_INFO.
type SessionInfo struct {
	SlotID      SlotID
	State       State
	Flags       Flags
	DeviceError ULong
}

// MechanismInfo is CK_MECHANISM_INFO.
type MechanismInfo struct {
	MinKeySize, MaxKeySize ULong
	Flags                  Flags
}
