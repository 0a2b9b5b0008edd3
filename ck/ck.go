// Package ck holds the PKCS#11 constants and the small value types that every
// layer of gohsm shares. It imports nothing of ours (DESIGN.md rule 5).
package ck

import "fmt"

type (
	ULong           = uint64 // CK_ULONG on LP64 Linux
	RV              ULong
	AttributeType   ULong
	MechanismType   ULong
	ObjectClass     ULong
	KeyType         ULong
	CertificateType ULong
	Flags           ULong
	UserType        ULong
	State           ULong
	EC_KDF          ULong
	MGF             ULong
	SourceType      ULong
	HWFeatureType   ULong
	Notification    ULong
	SlotID          ULong
	SessionHandle   ULong
	ObjectHandle    ULong
)

// UnavailableInformation is CK_UNAVAILABLE_INFORMATION.
const UnavailableInformation = ^ULong(0)

// InvalidHandle is CK_INVALID_HANDLE.
const InvalidHandle = 0

// Error makes an RV usable as a Go error; provider functions return RVs as errors.
func (r RV) Error() string { return r.String() }

// Attribute is one CK_ATTRIBUTE with its value in the byte layout of the C ABI
// (CK_BBOOL is one byte, CK_ULONG is 8 bytes native order).
type Attribute struct {
	Type  AttributeType
	Value []byte
}

// Mechanism is a CK_MECHANISM whose parameter has been decoded from C into a
// Go value by cexport (nil, []byte or one of the *Params types).
type Mechanism struct {
	Type      MechanismType
	Parameter any
}

// Version is CK_VERSION.
type Version struct{ Major, Minor byte }

func (v Version) String() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// EffectivelyInfinite is CK_EFFECTIVELY_INFINITE (3.0), for session counts.
const EffectivelyInfinite ULong = 0
