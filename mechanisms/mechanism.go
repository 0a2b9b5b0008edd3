// Package mechanisms is the cryptography of gohsm: one registered value per
// CKM_* (DESIGN.md rule 2). A mechanism implements Mechanism and any of the
// capability interfaces below; C_GetMechanismList and C_GetMechanismInfo are
// derived from what is registered, so they cannot drift from what works.
//
// Errors are ck.RV values (CKR_KEY_TYPE_INCONSISTENT, CKR_MECHANISM_PARAM_INVALID,
// CKR_DATA_LEN_RANGE, CKR_SIGNATURE_INVALID, ...). Usage flags such as CKA_SIGN
// are checked by provider before a mechanism sees the key.
package mechanisms

import (
	"hash"
	"maps"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/gohsm/gohsm/ck"
)

// Info is the static part of CK_MECHANISM_INFO; the operation flags are added
// from the capability interfaces the mechanism implements.
type Info struct {
	MinKeySize, MaxKeySize ck.ULong
	ExtraFlags             ck.Flags // e.g. CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS
}

// Mechanism is one CKM_* value.
type Mechanism interface {
	Type() ck.MechanismType
	Info() Info
}

// Key is what a mechanism sees of a key object: its class, key type and its
// attributes, unsealed. Parsed forms are cached on the Key so that a key is
// parsed once, not on every operation.
type Key struct {
	Class   ck.ObjectClass
	KeyType ck.KeyType
	Attrs   map[ck.AttributeType][]byte

	mu     sync.Mutex                     // serialises making parsed forms
	parsed atomic.Pointer[map[string]any] // copy-on-write: read without mu
}

// Parsed returns the cached parsed form named kind, making it with parse once.
// A cached form is read without a lock: every session using the key reads it
// at each C_XxxInit, and a mutex there was the hottest lock with several
// sessions (mutex profile of provider's BenchmarkHotGCMEncrypt1KParallel).
func (k *Key) Parsed(kind string, parse func() (any, error)) (any, error) {
	if m := k.parsed.Load(); m != nil {
		if v, ok := (*m)[kind]; ok {
			return v, nil
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	old := k.parsed.Load()
	if old != nil {
		if v, ok := (*old)[kind]; ok {
			return v, nil
		}
	}
	v, err := parse()
	if err != nil {
		return nil, err
	}
	next := make(map[string]any, 1)
	if old != nil {
		maps.Copy(next, *old)
	}
	next[kind] = v
	k.parsed.Store(&next)
	return v, nil
}

// Signer makes signatures and MACs (C_SignInit).
type Signer interface {
	SignInit(key *Key, param any) (SignContext, error)
}

// SignContext is one signing operation. SignatureLen is exact or an upper bound.
type SignContext interface {
	SignatureLen() int
	Sign(data []byte) ([]byte, error)
}

// MultipartSign is implemented by contexts that allow C_SignUpdate/C_SignFinal.
type MultipartSign interface {
	Update(data []byte) error
	Final() ([]byte, error)
}

// Verifier checks signatures and MACs (C_VerifyInit).
type Verifier interface {
	VerifyInit(key *Key, param any) (VerifyContext, error)
}

// VerifyContext is one verification; a bad signature is CKR_SIGNATURE_INVALID,
// a signature of the wrong length CKR_SIGNATURE_LEN_RANGE.
type VerifyContext interface {
	Verify(data, signature []byte) error
}

// MultipartVerify is implemented by contexts that allow C_VerifyUpdate/C_VerifyFinal.
type MultipartVerify interface {
	Update(data []byte) error
	Final(signature []byte) error
}

// Encrypter and Decrypter start cipher operations (C_EncryptInit, C_DecryptInit).
type Encrypter interface {
	EncryptInit(key *Key, param any) (CipherContext, error)
}
type Decrypter interface {
	DecryptInit(key *Key, param any) (CipherContext, error)
}

// CipherContext is one encryption or decryption. The *Len methods return the
// exact output length or an upper bound, for the length-query convention.
type CipherContext interface {
	OutputLen(inputLen int) int
	Do(input []byte) ([]byte, error) // single-part C_Encrypt / C_Decrypt
}

// MultipartCipher is implemented by contexts that allow Update/Final.
type MultipartCipher interface {
	UpdateLen(inputLen int) int
	Update(input []byte) ([]byte, error)
	FinalLen() int
	Final() ([]byte, error)
}

// Digester starts a digest (C_DigestInit); a hash.Hash is the whole state.
type Digester interface {
	DigestInit(param any) (hash.Hash, error)
}

// KeyGenerator makes a secret key (C_GenerateKey). It returns the attributes
// it determines (CKA_KEY_TYPE, CKA_VALUE, CKA_VALUE_LEN ...); provider adds
// the rest from the template and the attribute policy.
type KeyGenerator interface {
	GenerateKey(tmpl ck.Template) (map[ck.AttributeType][]byte, error)
}

// KeyGeneratorWithParam is a KeyGenerator whose mechanism takes a parameter
// (CKM_PKCS5_PBKD2); provider calls GenerateKeyWithParam with the decoded
// parameter instead of GenerateKey. Parameterless generators stay KeyGenerators.
type KeyGeneratorWithParam interface {
	KeyGenerator
	GenerateKeyWithParam(param any, tmpl ck.Template) (map[ck.AttributeType][]byte, error)
}

// KeyPairGenerator makes a key pair (C_GenerateKeyPair), returning the
// attributes it determines for the public and the private key.
type KeyPairGenerator interface {
	GenerateKeyPair(pubTmpl, privTmpl ck.Template) (pub, priv map[ck.AttributeType][]byte, err error)
}

// SignRecoverer signs so that the data can be recovered from the signature
// (C_SignRecoverInit); the context is single-part only.
type SignRecoverer interface {
	SignRecoverInit(key *Key, param any) (SignContext, error)
}

// VerifyRecoverer checks a signature and recovers the data (C_VerifyRecoverInit).
type VerifyRecoverer interface {
	VerifyRecoverInit(key *Key, param any) (VerifyRecoverContext, error)
}

// VerifyRecoverContext is one verification with recovery. DataLen is the
// exact recovered length or an upper bound; a bad signature is
// CKR_SIGNATURE_INVALID (or CKR_SIGNATURE_LEN_RANGE).
type VerifyRecoverContext interface {
	DataLen(signatureLen int) int
	VerifyRecover(signature []byte) ([]byte, error)
}

// KeyWrapper encrypts the value of key under wrapping (C_WrapKey). Usage and
// extractability are checked by provider before.
type KeyWrapper interface {
	WrapKey(wrapping, key *Key, param any) ([]byte, error)
}

// KeyUnwrapper decrypts a wrapped key (C_UnwrapKey), returning the attributes
// it determines (CKA_VALUE, CKA_KEY_TYPE ...) like KeyGenerator; provider
// adds the rest from the template and the attribute policy.
type KeyUnwrapper interface {
	UnwrapKey(unwrapping *Key, param any, wrapped []byte, tmpl ck.Template) (map[ck.AttributeType][]byte, error)
}

// KeyDeriver derives a secret key from base (C_DeriveKey), returning the
// attributes it determines like KeyGenerator.
type KeyDeriver interface {
	DeriveKey(base *Key, param any, tmpl ck.Template) (map[ck.AttributeType][]byte, error)
}

// DerivedClasser is implemented by a KeyDeriver whose C_DeriveKey makes an
// object of another class than CKO_SECRET_KEY (CKM_HKDF_DATA: CKO_DATA), so
// that provider checks the template and builds the object for that class.
type DerivedClasser interface {
	DerivedClass() ck.ObjectClass
}

// Encapsulator makes a shared secret under a public key (C_EncapsulateKey,
// PKCS#11 3.2): the ciphertext for the holder of the private key and the
// attributes of the new secret key, like KeyDeriver. CiphertextLen is exact,
// for the length query, which makes no key.
type Encapsulator interface {
	CiphertextLen(key *Key, param any) (int, error)
	Encapsulate(key *Key, param any, tmpl ck.Template) (ciphertext []byte, secret map[ck.AttributeType][]byte, err error)
}

// Decapsulator recovers the shared secret from a ciphertext with the private
// key (C_DecapsulateKey), returning the new secret key's attributes.
type Decapsulator interface {
	Decapsulate(key *Key, param any, ciphertext []byte, tmpl ck.Template) (map[ck.AttributeType][]byte, error)
}

var (
	regMu    sync.RWMutex
	registry = map[ck.MechanismType]Mechanism{}
	// regSnap is a copy of registry that Lookup reads without a lock (every
	// C_XxxInit looks its mechanism up); Register drops it, the next Lookup
	// makes it again. Registration happens at init, so it is made once.
	regSnap atomic.Pointer[map[ck.MechanismType]Mechanism]
)

// Register adds m; registering one type twice is a programming error.
func Register(m Mechanism) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := registry[m.Type()]; dup {
		panic("mechanisms: duplicate registration of " + m.Type().String())
	}
	registry[m.Type()] = m
	regSnap.Store(nil)
}

// Lookup returns the registered mechanism t.
func Lookup(t ck.MechanismType) (Mechanism, bool) {
	snap := regSnap.Load()
	if snap == nil {
		// Made under the read lock, so no Register runs between the copy
		// and the store (it drops the snapshot under the write lock).
		regMu.RLock()
		if snap = regSnap.Load(); snap == nil {
			c := maps.Clone(registry)
			snap = &c
			regSnap.Store(snap)
		}
		regMu.RUnlock()
	}
	m, ok := (*snap)[t]
	return m, ok
}

// Types lists every registered mechanism type in ascending order.
func Types() []ck.MechanismType {
	regMu.RLock()
	defer regMu.RUnlock()
	ts := make([]ck.MechanismType, 0, len(registry))
	for t := range registry {
		ts = append(ts, t)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
	return ts
}

// MechanismInfo derives CK_MECHANISM_INFO from what m implements.
func MechanismInfo(m Mechanism) ck.MechanismInfo {
	i := m.Info()
	f := i.ExtraFlags
	if _, ok := m.(Encrypter); ok {
		f |= ck.CKF_ENCRYPT
	}
	if _, ok := m.(Decrypter); ok {
		f |= ck.CKF_DECRYPT
	}
	if _, ok := m.(Digester); ok {
		f |= ck.CKF_DIGEST
	}
	if _, ok := m.(Signer); ok {
		f |= ck.CKF_SIGN
	}
	if _, ok := m.(Verifier); ok {
		f |= ck.CKF_VERIFY
	}
	if _, ok := m.(SignRecoverer); ok {
		f |= ck.CKF_SIGN_RECOVER
	}
	if _, ok := m.(VerifyRecoverer); ok {
		f |= ck.CKF_VERIFY_RECOVER
	}
	if _, ok := m.(KeyWrapper); ok {
		f |= ck.CKF_WRAP
	}
	if _, ok := m.(KeyUnwrapper); ok {
		f |= ck.CKF_UNWRAP
	}
	if _, ok := m.(KeyDeriver); ok {
		f |= ck.CKF_DERIVE
	}
	if _, ok := m.(KeyGenerator); ok {
		f |= ck.CKF_GENERATE
	}
	if _, ok := m.(KeyPairGenerator); ok {
		f |= ck.CKF_GENERATE_KEY_PAIR
	}
	if _, ok := m.(MessageEncrypter); ok {
		f |= ck.CKF_MESSAGE_ENCRYPT
	}
	if _, ok := m.(MessageDecrypter); ok {
		f |= ck.CKF_MESSAGE_DECRYPT
	}
	if _, ok := m.(MessageSigner); ok {
		f |= ck.CKF_MESSAGE_SIGN | ck.CKF_MESSAGE_VERIFY
	}
	if _, ok := m.(Encapsulator); ok {
		f |= ck.CKF_ENCAPSULATE
	}
	if _, ok := m.(Decapsulator); ok {
		f |= ck.CKF_DECAPSULATE
	}
	return ck.MechanismInfo{MinKeySize: i.MinKeySize, MaxKeySize: i.MaxKeySize, Flags: f}
}
