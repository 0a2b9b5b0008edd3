package provider

// attrpolicy.go is DESIGN.md rule 3: the one table of attribute rules. Every
// path that makes or changes an object (C_CreateObject, C_CopyObject,
// C_SetAttributeValue, C_GenerateKey*, and later unwrap/derive) and every
// path that reveals one (C_GetAttributeValue, C_FindObjects) reads it.
//
// The footnotes of the PKCS#11 3.0 attribute tables (section 4.2) map to
// rule flags:
//   1  required at C_CreateObject            -> rqCreate
//   2  not specified at C_CreateObject       -> no inCreate
//   4  not specified at generate             -> no inGenerate
//   6  not specified at unwrap               -> (unwrap uses inGenerate)
//   7  not revealed if sensitive/unextract.  -> material
//   8  modifiable (Set and Copy)             -> modifiable
//   10 only the SO may set it to CK_TRUE     -> soTrue
//   11 cannot change once CK_TRUE            -> onlyToTrue
//   12 cannot change once CK_FALSE           -> onlyToFalse
//   (copyOnly: "can be changed in the process of copying", section 4.4)
//
// Token-specific defaults (footnote 9) chosen here, and why:
//   - CKA_PRIVATE: true for private and secret keys (key material behind a
//     login), false for public keys, certificates and data.
//   - CKA_SENSITIVE: true for private and secret keys, generated or imported.
//     For private keys the specification leaves it to the token; for secret
//     keys its table says CK_FALSE, and gohsm deliberately differs (as AWS
//     CloudHSM does): an HSM's point is that key bytes do not leave it in
//     clear unless the application asks for that (README, "Not supported").
//   - CKA_EXTRACTABLE: true, as CloudHSM and Luna do: a sensitive key can
//     still be wrapped (backed up) unless the application says otherwise.
//   - usage flags (CKA_SIGN, CKA_ENCRYPT ...): true, as SoftHSMv2 does, so
//     that tools which do not spell out usages (pkcs11-tool) work; CKA_DERIVE
//     keeps the specification's default, false.

import (
	"bytes"
	"math/big"
	"sort"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/mechanisms"
)

// valueKind is how an attribute value is encoded.
type valueKind uint8

const (
	kBytes valueKind = iota // byte array or string, any length
	kBool                   // CK_BBOOL: one byte, 0 or 1
	kULong                  // CK_ULONG: 8 bytes, native order
	kDate                   // CK_DATE: empty or 8 ASCII digits
	kMechs                  // CK_MECHANISM_TYPE array: a multiple of 8 bytes
	kAttrs                  // CK_ATTRIBUTE array in ck's attribute-array encoding
)

// ruleFlag holds one attribute's rules for one object class.
type ruleFlag uint16

const (
	rqCreate    ruleFlag = 1 << iota // must be given to C_CreateObject (footnote 1)
	inCreate                         // may be given to C_CreateObject (not footnote 2)
	inGenerate                       // may be given to C_GenerateKey*/unwrap/derive (not footnote 4)
	modifiable                       // may be changed by C_SetAttributeValue and C_CopyObject (footnote 8)
	copyOnly                         // may be changed by C_CopyObject only (CKA_TOKEN, CKA_PRIVATE, CKA_MODIFIABLE)
	material                         // key material: never revealed when sensitive or unextractable (footnote 7); always sealed
	onlyToTrue                       // may change only false -> true (footnote 11)
	onlyToFalse                      // may change only true -> false (footnote 12)
	soTrue                           // only the SO may set it to true (footnote 10)
)

// settable is the usual "given by the application, fixed afterwards".
const settable = inCreate | inGenerate

// attrRule is one cell of the table: attribute x object class.
type attrRule struct {
	kind  valueKind
	flags ruleFlag
	def   []byte // value given when the template does not; nil: no value (read as empty)
}

func (r attrRule) has(f ruleFlag) bool { return r.flags&f != 0 }

// classKey names one row set of the table: an object class with its key type
// (keys) or certificate type (certificates); 0 for data objects.
type classKey struct {
	class ck.ObjectClass
	sub   ck.ULong
}

// Class sets for the rows below.
type classSet uint8

const (
	cData classSet = 1 << iota
	cCert
	cPub
	cPriv
	cSecret

	cKeys    = cPub | cPriv | cSecret
	cStorage = cData | cCert | cKeys
)

// policyRow is one row of the table as written: an attribute's rules for the
// classes in `in`, narrowed to the sub-types in `subs` when not empty.
type policyRow struct {
	typ   ck.AttributeType
	in    classSet
	subs  []ck.ULong
	kind  valueKind
	flags ruleFlag
	def   []byte
}

var (
	vTrue  = []byte{1}
	vFalse = []byte{0}
	vEmpty = []byte{}
)

func ulong(v ck.ULong) []byte { return ck.EncodeULong(v) }

func kts(ts ...ck.KeyType) []ck.ULong {
	out := make([]ck.ULong, len(ts))
	for i, t := range ts {
		out[i] = ck.ULong(t)
	}
	return out
}

// Key types by family; adding a key type of an existing family is one entry here.
var (
	ecFamily     = kts(ck.CKK_EC, ck.CKK_EC_EDWARDS, ck.CKK_EC_MONTGOMERY)
	rsaFamily    = kts(ck.CKK_RSA)
	secretFamily = kts(ck.CKK_AES, ck.CKK_GENERIC_SECRET, ck.CKK_SHA_1_HMAC, ck.CKK_SHA224_HMAC,
		ck.CKK_SHA256_HMAC, ck.CKK_SHA384_HMAC, ck.CKK_SHA512_HMAC, ck.CKK_SHA3_224_HMAC,
		ck.CKK_SHA3_256_HMAC, ck.CKK_SHA3_384_HMAC, ck.CKK_SHA3_512_HMAC, ck.CKK_CHACHA20,
		ck.CKK_MD5_HMAC, ck.CKK_SHA512_224_HMAC, ck.CKK_SHA512_256_HMAC, ck.CKK_HKDF, ck.CKK_AES_XTS)
	desFamily = kts(ck.CKK_DES2, ck.CKK_DES3) // fixed lengths: no CKA_VALUE_LEN
	pqcFamily = kts(ck.CKK_ML_DSA, ck.CKK_ML_KEM, ck.CKK_SLH_DSA)
	kemFamily = kts(ck.CKK_ML_KEM)
	x509Only  = []ck.ULong{ck.ULong(ck.CKC_X_509)}
)

// policyRows is the table. Sections follow PKCS#11 3.0 chapter 4.
var policyRows = []policyRow{
	// 4.2 common object attributes; CKA_CLASS, CKA_KEY_TYPE and
	// CKA_CERTIFICATE_TYPE pick the row set, so they are never modifiable.
	{typ: ck.CKA_CLASS, in: cStorage, kind: kULong, flags: rqCreate | settable},

	// 4.4 common storage object attributes.
	{typ: ck.CKA_TOKEN, in: cStorage, kind: kBool, flags: settable | copyOnly, def: vFalse},
	{typ: ck.CKA_PRIVATE, in: cData | cCert | cPub, kind: kBool, flags: settable | copyOnly, def: vFalse},
	{typ: ck.CKA_PRIVATE, in: cPriv | cSecret, kind: kBool, flags: settable | copyOnly, def: vTrue},
	{typ: ck.CKA_MODIFIABLE, in: cStorage, kind: kBool, flags: settable | copyOnly, def: vTrue},
	{typ: ck.CKA_LABEL, in: cStorage, kind: kBytes, flags: settable | modifiable, def: vEmpty},
	{typ: ck.CKA_COPYABLE, in: cStorage, kind: kBool, flags: settable | modifiable | onlyToFalse, def: vTrue},
	// 3.0 lets C_SetAttributeValue change only CKA_LABEL of these (and
	// CKA_COPYABLE to false): CKA_DESTROYABLE false cannot be undone by set.
	{typ: ck.CKA_DESTROYABLE, in: cStorage, kind: kBool, flags: settable | copyOnly, def: vTrue},
	{typ: ck.CKA_UNIQUE_ID, in: cStorage, kind: kBytes}, // assigned by the token (footnotes 2, 4, 6)

	// 4.5 data objects.
	// (settable: a data object derived with CKM_HKDF_DATA may be given them too.)
	{typ: ck.CKA_APPLICATION, in: cData, kind: kBytes, flags: settable, def: vEmpty},
	{typ: ck.CKA_OBJECT_ID, in: cData, kind: kBytes, flags: settable, def: vEmpty},
	{typ: ck.CKA_VALUE, in: cData, kind: kBytes, flags: inCreate, def: vEmpty},

	// 4.6 certificates, 4.6.3 X.509 public key certificates.
	{typ: ck.CKA_CERTIFICATE_TYPE, in: cCert, kind: kULong, flags: rqCreate | inCreate},
	{typ: ck.CKA_TRUSTED, in: cCert, kind: kBool, flags: inCreate | soTrue, def: vFalse},
	{typ: ck.CKA_CERTIFICATE_CATEGORY, in: cCert, kind: kULong, flags: inCreate, def: ulong(0)},
	{typ: ck.CKA_CHECK_VALUE, in: cCert, kind: kBytes, flags: inCreate},
	{typ: ck.CKA_START_DATE, in: cCert, kind: kDate, flags: inCreate, def: vEmpty},
	{typ: ck.CKA_END_DATE, in: cCert, kind: kDate, flags: inCreate, def: vEmpty},
	{typ: ck.CKA_PUBLIC_KEY_INFO, in: cCert, kind: kBytes, flags: inCreate, def: vEmpty},
	{typ: ck.CKA_SUBJECT, in: cCert, subs: x509Only, kind: kBytes, flags: rqCreate | inCreate},
	{typ: ck.CKA_ID, in: cCert, subs: x509Only, kind: kBytes, flags: inCreate | modifiable, def: vEmpty},
	{typ: ck.CKA_ISSUER, in: cCert, subs: x509Only, kind: kBytes, flags: inCreate | modifiable, def: vEmpty},
	{typ: ck.CKA_SERIAL_NUMBER, in: cCert, subs: x509Only, kind: kBytes, flags: inCreate | modifiable, def: vEmpty},
	{typ: ck.CKA_VALUE, in: cCert, subs: x509Only, kind: kBytes, flags: rqCreate | inCreate},
	{typ: ck.CKA_URL, in: cCert, subs: x509Only, kind: kBytes, flags: inCreate, def: vEmpty},
	{typ: ck.CKA_HASH_OF_SUBJECT_PUBLIC_KEY, in: cCert, subs: x509Only, kind: kBytes, flags: inCreate, def: vEmpty},
	{typ: ck.CKA_HASH_OF_ISSUER_PUBLIC_KEY, in: cCert, subs: x509Only, kind: kBytes, flags: inCreate, def: vEmpty},
	{typ: ck.CKA_JAVA_MIDP_SECURITY_DOMAIN, in: cCert, subs: x509Only, kind: kULong, flags: inCreate, def: ulong(0)},
	{typ: ck.CKA_NAME_HASH_ALGORITHM, in: cCert, subs: x509Only, kind: kULong, flags: inCreate, def: ulong(ck.ULong(ck.CKM_SHA_1))},

	// 4.7 common key attributes.
	{typ: ck.CKA_KEY_TYPE, in: cKeys, kind: kULong, flags: rqCreate | settable},
	{typ: ck.CKA_ID, in: cKeys, kind: kBytes, flags: settable | modifiable, def: vEmpty},
	{typ: ck.CKA_START_DATE, in: cKeys, kind: kDate, flags: settable | modifiable, def: vEmpty},
	{typ: ck.CKA_END_DATE, in: cKeys, kind: kDate, flags: settable | modifiable, def: vEmpty},
	{typ: ck.CKA_DERIVE, in: cKeys, kind: kBool, flags: settable | modifiable, def: vFalse},
	{typ: ck.CKA_LOCAL, in: cKeys, kind: kBool, def: vFalse},
	{typ: ck.CKA_KEY_GEN_MECHANISM, in: cKeys, kind: kULong, def: ulong(ck.UnavailableInformation)},
	// Array attributes: given at create/generate, fixed afterwards (no
	// footnote 8 in the 3.0 tables). No default: a key without them is
	// unrestricted, and an absent CKA_ALLOWED_MECHANISMS is not revealed as
	// an empty list, which clients read as "no mechanism allowed"
	// (readAttr). An application's empty list is also no restriction.
	{typ: ck.CKA_ALLOWED_MECHANISMS, in: cKeys, kind: kMechs, flags: settable},
	{typ: ck.CKA_DERIVE_TEMPLATE, in: cKeys, kind: kAttrs, flags: settable},
	{typ: ck.CKA_WRAP_TEMPLATE, in: cPub | cSecret, kind: kAttrs, flags: settable},
	{typ: ck.CKA_UNWRAP_TEMPLATE, in: cPriv | cSecret, kind: kAttrs, flags: settable},

	// 4.8 public keys.
	{typ: ck.CKA_SUBJECT, in: cPub | cPriv, kind: kBytes, flags: settable | modifiable, def: vEmpty},
	{typ: ck.CKA_ENCRYPT, in: cPub | cSecret, kind: kBool, flags: settable | modifiable, def: vTrue},
	{typ: ck.CKA_VERIFY, in: cPub | cSecret, kind: kBool, flags: settable | modifiable, def: vTrue},
	{typ: ck.CKA_VERIFY_RECOVER, in: cPub, kind: kBool, flags: settable | modifiable, def: vTrue},
	{typ: ck.CKA_WRAP, in: cPub | cSecret, kind: kBool, flags: settable | modifiable, def: vTrue},
	{typ: ck.CKA_TRUSTED, in: cPub | cSecret, kind: kBool, flags: settable | soTrue, def: vFalse},
	{typ: ck.CKA_PUBLIC_KEY_INFO, in: cPub | cPriv, kind: kBytes, flags: settable, def: vEmpty},

	// 4.9 private keys and 4.10 secret keys.
	{typ: ck.CKA_SENSITIVE, in: cPriv | cSecret, kind: kBool, flags: settable | modifiable | onlyToTrue, def: vTrue},
	{typ: ck.CKA_DECRYPT, in: cPriv | cSecret, kind: kBool, flags: settable | modifiable, def: vTrue},
	{typ: ck.CKA_SIGN, in: cPriv | cSecret, kind: kBool, flags: settable | modifiable, def: vTrue},
	{typ: ck.CKA_SIGN_RECOVER, in: cPriv, kind: kBool, flags: settable | modifiable, def: vTrue},
	{typ: ck.CKA_UNWRAP, in: cPriv | cSecret, kind: kBool, flags: settable | modifiable, def: vTrue},
	{typ: ck.CKA_EXTRACTABLE, in: cPriv | cSecret, kind: kBool, flags: settable | modifiable | onlyToFalse, def: vTrue},
	{typ: ck.CKA_ALWAYS_SENSITIVE, in: cPriv | cSecret, kind: kBool, def: vFalse},
	{typ: ck.CKA_NEVER_EXTRACTABLE, in: cPriv | cSecret, kind: kBool, def: vFalse},
	{typ: ck.CKA_WRAP_WITH_TRUSTED, in: cPriv | cSecret, kind: kBool, flags: settable | modifiable | onlyToTrue, def: vFalse},
	{typ: ck.CKA_ALWAYS_AUTHENTICATE, in: cPriv, kind: kBool, flags: settable, def: vFalse},
	{typ: ck.CKA_CHECK_VALUE, in: cSecret, kind: kBytes, flags: settable},

	// 2.3 (mechanisms) EC, Edwards and Montgomery keys.
	{typ: ck.CKA_EC_PARAMS, in: cPub, subs: ecFamily, kind: kBytes, flags: rqCreate | settable},
	{typ: ck.CKA_EC_POINT, in: cPub, subs: ecFamily, kind: kBytes, flags: rqCreate | inCreate},
	// CKA_EC_PARAMS of a private key is footnote 4, but clients do repeat
	// the public template's value; the generator checks that they agree.
	{typ: ck.CKA_EC_PARAMS, in: cPriv, subs: ecFamily, kind: kBytes, flags: rqCreate | settable},
	{typ: ck.CKA_VALUE, in: cPriv, subs: ecFamily, kind: kBytes, flags: rqCreate | inCreate | material},

	// PKCS#11 3.2 ML-DSA, ML-KEM and SLH-DSA keys: the parameter set comes
	// with the public template (a private template may repeat it, equal); a
	// private key holds CKA_SEED, CKA_VALUE or both (the mechanism checks
	// that they agree and that one is there).
	{typ: ck.CKA_PARAMETER_SET, in: cPub, subs: pqcFamily, kind: kULong, flags: rqCreate | settable},
	{typ: ck.CKA_VALUE, in: cPub, subs: pqcFamily, kind: kBytes, flags: rqCreate | inCreate},
	{typ: ck.CKA_PARAMETER_SET, in: cPriv, subs: pqcFamily, kind: kULong, flags: rqCreate | settable},
	{typ: ck.CKA_VALUE, in: cPriv, subs: pqcFamily, kind: kBytes, flags: inCreate | material},
	{typ: ck.CKA_SEED, in: cPriv, subs: pqcFamily, kind: kBytes, flags: inCreate | material},
	{typ: ck.CKA_ENCAPSULATE, in: cPub, subs: kemFamily, kind: kBool, flags: settable | modifiable, def: vTrue},
	{typ: ck.CKA_DECAPSULATE, in: cPriv, subs: kemFamily, kind: kBool, flags: settable | modifiable, def: vTrue},

	// 2.1 RSA keys.
	{typ: ck.CKA_MODULUS, in: cPub, subs: rsaFamily, kind: kBytes, flags: rqCreate | inCreate},
	{typ: ck.CKA_MODULUS_BITS, in: cPub, subs: rsaFamily, kind: kULong, flags: inGenerate},
	{typ: ck.CKA_PUBLIC_EXPONENT, in: cPub, subs: rsaFamily, kind: kBytes, flags: rqCreate | settable},
	{typ: ck.CKA_MODULUS, in: cPriv, subs: rsaFamily, kind: kBytes, flags: rqCreate | inCreate},
	{typ: ck.CKA_PUBLIC_EXPONENT, in: cPriv, subs: rsaFamily, kind: kBytes, flags: inCreate},
	{typ: ck.CKA_PRIVATE_EXPONENT, in: cPriv, subs: rsaFamily, kind: kBytes, flags: rqCreate | inCreate | material},
	{typ: ck.CKA_PRIME_1, in: cPriv, subs: rsaFamily, kind: kBytes, flags: inCreate | material},
	{typ: ck.CKA_PRIME_2, in: cPriv, subs: rsaFamily, kind: kBytes, flags: inCreate | material},
	{typ: ck.CKA_EXPONENT_1, in: cPriv, subs: rsaFamily, kind: kBytes, flags: inCreate | material},
	{typ: ck.CKA_EXPONENT_2, in: cPriv, subs: rsaFamily, kind: kBytes, flags: inCreate | material},
	{typ: ck.CKA_COEFFICIENT, in: cPriv, subs: rsaFamily, kind: kBytes, flags: inCreate | material},

	// AES, generic secret, HMAC and ChaCha20 keys: CKA_VALUE_LEN is derived
	// from CKA_VALUE at create and is a generator's input.
	{typ: ck.CKA_VALUE, in: cSecret, subs: secretFamily, kind: kBytes, flags: rqCreate | inCreate | material},
	{typ: ck.CKA_VALUE_LEN, in: cSecret, subs: secretFamily, kind: kULong, flags: inGenerate},
	{typ: ck.CKA_VALUE, in: cSecret, subs: desFamily, kind: kBytes, flags: rqCreate | inCreate | material},
}

// policy is policyRows compiled: class key -> attribute -> rule.
var policy = compilePolicy(policyRows)

func compilePolicy(rows []policyRow) map[classKey]map[ck.AttributeType]attrRule {
	keys := []struct {
		set  classSet
		cls  ck.ObjectClass
		subs []ck.ULong
	}{
		{cData, ck.CKO_DATA, []ck.ULong{0}},
		{cCert, ck.CKO_CERTIFICATE, x509Only},
		{cPub, ck.CKO_PUBLIC_KEY, append(append(append([]ck.ULong{}, ecFamily...), rsaFamily...), pqcFamily...)},
		{cPriv, ck.CKO_PRIVATE_KEY, append(append(append([]ck.ULong{}, ecFamily...), rsaFamily...), pqcFamily...)},
		{cSecret, ck.CKO_SECRET_KEY, append(append([]ck.ULong{}, secretFamily...), desFamily...)},
	}
	out := map[classKey]map[ck.AttributeType]attrRule{}
	for _, k := range keys {
		for _, sub := range k.subs {
			key := classKey{k.cls, sub}
			rules := map[ck.AttributeType]attrRule{}
			for _, r := range rows {
				if r.in&k.set == 0 || (len(r.subs) > 0 && !containsULong(r.subs, sub)) {
					continue
				}
				if _, dup := rules[r.typ]; dup {
					panic("attrpolicy: two rules for one attribute and class")
				}
				rules[r.typ] = attrRule{kind: r.kind, flags: r.flags, def: r.def}
			}
			out[key] = rules
		}
	}
	return out
}

func containsULong(s []ck.ULong, v ck.ULong) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// indexedAttrs are kept in the store's indexed columns (never in the
// attribute maps): they are public search keys even of private objects.
var indexedAttrs = map[ck.AttributeType]bool{
	ck.CKA_CLASS: true, ck.CKA_KEY_TYPE: true, ck.CKA_ID: true, ck.CKA_LABEL: true, ck.CKA_PRIVATE: true,
}

// implicitAttrs are derived when an object is read back (CKA_TOKEN from where
// it lives, CKA_UNIQUE_ID from its store ID) and never stored in the maps.
var implicitAttrs = map[ck.AttributeType]bool{ck.CKA_TOKEN: true, ck.CKA_UNIQUE_ID: true}

// secretAtRest says whether attribute t of an object is sealed in the store:
// key material always, and every non-indexed attribute of a private object.
func secretAtRest(r attrRule, t ck.AttributeType, private bool) bool {
	if r.has(material) {
		return true
	}
	return private && !indexedAttrs[t]
}

// rulesFor returns the row set of a class key, or CKR_ATTRIBUTE_VALUE_INVALID
// for a class, key type or certificate type gohsm does not hold.
func rulesFor(k classKey) (map[ck.AttributeType]attrRule, error) {
	r, ok := policy[k]
	if !ok {
		return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	return r, nil
}

// classDefault is a boolean attribute's default for a class whatever the
// key type (CKA_TOKEN, CKA_PRIVATE: the table gives them per class).
func classDefault(class ck.ObjectClass, t ck.AttributeType) bool {
	for k, rules := range policy {
		if k.class == class {
			return bytes.Equal(rules[t].def, vTrue)
		}
	}
	return false
}

// checkEncoding validates a value against its kind.
func checkEncoding(kind valueKind, v []byte) error {
	switch kind {
	case kBool:
		if _, err := ck.DecodeBool(v); err != nil {
			return ck.CKR_ATTRIBUTE_VALUE_INVALID
		}
	case kULong:
		if len(v) != 8 {
			return ck.CKR_ATTRIBUTE_VALUE_INVALID
		}
	case kDate:
		if len(v) == 0 {
			return nil
		}
		if len(v) != 8 {
			return ck.CKR_ATTRIBUTE_VALUE_INVALID
		}
		for _, c := range v {
			if c < '0' || c > '9' {
				return ck.CKR_ATTRIBUTE_VALUE_INVALID
			}
		}
	case kMechs:
		if len(v)%8 != 0 {
			return ck.CKR_ATTRIBUTE_VALUE_INVALID
		}
	case kAttrs:
		if _, err := ck.DecodeAttributeArray(v); err != nil {
			return err
		}
	}
	return nil
}

// attrMap turns a template into a map. An attribute given twice with two
// values contradicts itself: CKR_TEMPLATE_INCONSISTENT.
func attrMap(tmpl ck.Template) (map[ck.AttributeType][]byte, error) {
	m := make(map[ck.AttributeType][]byte, len(tmpl))
	for _, a := range tmpl {
		if old, dup := m[a.Type]; dup {
			if !bytes.Equal(old, a.Value) {
				return nil, ck.CKR_TEMPLATE_INCONSISTENT
			}
			continue
		}
		m[a.Type] = bytes.Clone(a.Value)
		if m[a.Type] == nil {
			m[a.Type] = []byte{}
		}
	}
	return m, nil
}

// boolOf reads a CK_BBOOL attribute from a map of checked values.
func boolOf(m map[ck.AttributeType][]byte, t ck.AttributeType) bool {
	v := m[t]
	return len(v) == 1 && v[0] == 1
}

// ulongOf reads a CK_ULONG attribute from a map of checked values.
func ulongOf(m map[ck.AttributeType][]byte, t ck.AttributeType) (ck.ULong, bool) {
	v, ok := m[t]
	if !ok || len(v) != 8 {
		return 0, false
	}
	u, _ := ck.DecodeULong(v)
	return u, true
}

// classKeyOf finds the row set a template (or an object) belongs to. class
// is the class the operation makes (C_GenerateKey: secret key) or
// UnavailableInformation when the template names it.
func classKeyOf(m map[ck.AttributeType][]byte, class ck.ObjectClass) (classKey, error) {
	if v, ok := m[ck.CKA_CLASS]; ok {
		c, err := ck.DecodeULong(v)
		if err != nil {
			return classKey{}, ck.CKR_ATTRIBUTE_VALUE_INVALID
		}
		if class != ck.ObjectClass(ck.UnavailableInformation) && ck.ObjectClass(c) != class {
			return classKey{}, ck.CKR_TEMPLATE_INCONSISTENT
		}
		class = ck.ObjectClass(c)
	} else if class == ck.ObjectClass(ck.UnavailableInformation) {
		return classKey{}, ck.CKR_TEMPLATE_INCOMPLETE
	}
	k := classKey{class: class}
	var subAttr ck.AttributeType
	switch class {
	case ck.CKO_DATA:
		return k, nil
	case ck.CKO_CERTIFICATE:
		subAttr = ck.CKA_CERTIFICATE_TYPE
	case ck.CKO_PUBLIC_KEY, ck.CKO_PRIVATE_KEY, ck.CKO_SECRET_KEY:
		subAttr = ck.CKA_KEY_TYPE
	default:
		return classKey{}, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	v, ok := m[subAttr]
	if !ok {
		return classKey{}, ck.CKR_TEMPLATE_INCOMPLETE
	}
	sub, err := ck.DecodeULong(v)
	if err != nil {
		return classKey{}, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	k.sub = sub
	if _, ok := policy[k]; !ok {
		return classKey{}, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	return k, nil
}

// buildOp says which path builds an object: it picks the "may be given" flag.
type buildOp uint8

const (
	opCreate   buildOp = iota // C_CreateObject
	opGenerate                // C_GenerateKey, C_GenerateKeyPair, C_UnwrapKey, C_DeriveKey
)

// buildAttrs checks an application's template for a new object of class
// key k and returns its full attribute set: the template, then the token's
// values (set: what a mechanism determined and CKA_LOCAL etc.), then the
// defaults. isSO allows footnote-10 attributes to be true.
func buildAttrs(op buildOp, k classKey, tmpl, set map[ck.AttributeType][]byte, isSO bool) (map[ck.AttributeType][]byte, error) {
	rules := policy[k]
	allowed := inCreate
	if op == opGenerate {
		allowed = inGenerate
	}
	// Sorted, so that the error a template earns does not depend on map order.
	types := make([]ck.AttributeType, 0, len(tmpl))
	for t := range tmpl {
		types = append(types, t)
	}
	sort.Slice(types, func(i, j int) bool { return types[i] < types[j] })
	for _, t := range types {
		if err := checkGiven(rules, t, tmpl[t], allowed, isSO); err != nil {
			return nil, err
		}
	}
	out := make(map[ck.AttributeType][]byte, len(rules))
	for t, v := range tmpl {
		out[t] = v
	}
	// A mechanism's values win over the template's (it may normalise, say, a
	// public exponent with a leading zero); only a different class or key
	// type is a contradiction.
	for t, v := range set {
		if old, given := tmpl[t]; given && !bytes.Equal(old, v) && (t == ck.CKA_CLASS || t == ck.CKA_KEY_TYPE) {
			return nil, ck.CKR_TEMPLATE_INCONSISTENT
		}
		out[t] = v
	}
	for t, r := range rules {
		if _, ok := out[t]; !ok && r.def != nil {
			out[t] = bytes.Clone(r.def)
		}
	}
	if op == opCreate {
		for t, r := range rules {
			if _, ok := out[t]; !ok && r.has(rqCreate) {
				return nil, ck.CKR_TEMPLATE_INCOMPLETE
			}
		}
	}
	if err := checkConsistent(k, out); err != nil {
		return nil, err
	}
	if err := settlePublicKeyInfo(k, out, tmpl, set); err != nil { // pubkeyinfo.go
		return nil, err
	}
	return out, nil
}

// checkGiven checks one attribute an application gives for a new object.
func checkGiven(rules map[ck.AttributeType]attrRule, t ck.AttributeType, v []byte, allowed ruleFlag, isSO bool) error {
	r, ok := rules[t]
	if !ok {
		return ck.CKR_ATTRIBUTE_TYPE_INVALID
	}
	if err := checkEncoding(r.kind, v); err != nil {
		return err
	}
	if !r.has(allowed) {
		return ck.CKR_ATTRIBUTE_READ_ONLY
	}
	if r.has(soTrue) && !isSO && bytes.Equal(v, vTrue) {
		return ck.CKR_ATTRIBUTE_READ_ONLY
	}
	return nil
}

// checkConsistent holds the rules across attributes of a new object.
func checkConsistent(k classKey, m map[ck.AttributeType][]byte) error {
	if k.class == ck.CKO_SECRET_KEY {
		if v, ok := m[ck.CKA_VALUE]; ok {
			if !validSecretLen(ck.KeyType(k.sub), len(v)) {
				return ck.CKR_ATTRIBUTE_VALUE_INVALID
			}
			if _, ok := policy[k][ck.CKA_VALUE_LEN]; ok {
				m[ck.CKA_VALUE_LEN] = ck.EncodeULong(ck.ULong(len(v)))
			}
		}
	}
	return checkKeyMaterial(k, m)
}

// validSecretLen bounds a secret key's length in bytes by key type.
func validSecretLen(kt ck.KeyType, n int) bool {
	switch kt {
	case ck.CKK_AES:
		return n == 16 || n == 24 || n == 32
	case ck.CKK_CHACHA20:
		return n == 32
	case ck.CKK_AES_XTS: // two AES-128 or AES-256 keys
		return n == 32 || n == 64
	case ck.CKK_DES2:
		return n == 16
	case ck.CKK_DES3:
		return n == 24
	}
	return n >= 1 && n <= 1024
}

// setChange checks that an existing object with attributes cur may take the
// value v for t: by C_SetAttributeValue (copy=false) or C_CopyObject.
func setChange(rules map[ck.AttributeType]attrRule, cur map[ck.AttributeType][]byte, t ck.AttributeType, v []byte, copy, isSO bool) error {
	r, ok := rules[t]
	if !ok {
		return ck.CKR_ATTRIBUTE_TYPE_INVALID
	}
	if err := checkEncoding(r.kind, v); err != nil {
		return err
	}
	old, had := cur[t]
	if !had {
		old = r.def
	}
	switch {
	case r.has(modifiable):
	case copy && r.has(copyOnly):
	default:
		return ck.CKR_ATTRIBUTE_READ_ONLY
	}
	if bytes.Equal(old, v) {
		return nil
	}
	if r.has(onlyToTrue) && bytes.Equal(old, vTrue) {
		return ck.CKR_ATTRIBUTE_READ_ONLY
	}
	if r.has(onlyToFalse) && bytes.Equal(old, vFalse) {
		return ck.CKR_ATTRIBUTE_READ_ONLY
	}
	if r.has(soTrue) && !isSO && bytes.Equal(v, vTrue) {
		return ck.CKR_ATTRIBUTE_READ_ONLY
	}
	return nil
}

// changeAttrs applies a C_SetAttributeValue or C_CopyObject template to the
// attributes cur of an object of class key k, all or nothing, and returns the
// new attribute set (cur is not changed).
func changeAttrs(k classKey, cur map[ck.AttributeType][]byte, tmpl ck.Template, copy, isSO bool) (map[ck.AttributeType][]byte, error) {
	tm, err := attrMap(tmpl)
	if err != nil {
		return nil, err
	}
	if err := checkPublicKeyInfoChange(k, cur, tm); err != nil { // pubkeyinfo.go
		return nil, err
	}
	rules := policy[k]
	types := make([]ck.AttributeType, 0, len(tm))
	for t := range tm {
		types = append(types, t)
	}
	sort.Slice(types, func(i, j int) bool { return types[i] < types[j] })
	for _, t := range types {
		if err := setChange(rules, cur, t, tm[t], copy, isSO); err != nil {
			return nil, err
		}
	}
	out := make(map[ck.AttributeType][]byte, len(cur)+len(tm))
	for t, v := range cur {
		out[t] = v
	}
	for t, v := range tm {
		out[t] = v
	}
	return out, nil
}

// revealable says whether attribute t of an object may be read: CKR_OK, or
// CKR_ATTRIBUTE_TYPE_INVALID (not an attribute of this class) or
// CKR_ATTRIBUTE_SENSITIVE (key material of a sensitive or unextractable key).
func revealable(k classKey, attrs map[ck.AttributeType][]byte, t ck.AttributeType) error {
	r, ok := policy[k][t]
	if !ok {
		return ck.CKR_ATTRIBUTE_TYPE_INVALID
	}
	if r.has(material) && (boolOf(attrs, ck.CKA_SENSITIVE) || !boolOf(attrs, ck.CKA_EXTRACTABLE)) {
		return ck.CKR_ATTRIBUTE_SENSITIVE
	}
	return nil
}

// checkKeyMaterial checks imported key values that the token can check
// cheaply, and derives CKA_MODULUS_BITS: a key that cannot work is refused
// at C_CreateObject rather than at its first use.
func checkKeyMaterial(k classKey, m map[ck.AttributeType][]byte) error {
	switch {
	case containsULong(pqcFamily, k.sub):
		// Without CKA_VALUE or CKA_SEED this is a generator's template.
		if m[ck.CKA_VALUE] == nil && m[ck.CKA_SEED] == nil {
			return nil
		}
		return mechanisms.CheckPQCKeyMaterial(k.class, ck.KeyType(k.sub), m)
	case k.sub == ck.ULong(ck.CKK_EC) && (k.class == ck.CKO_PUBLIC_KEY || k.class == ck.CKO_PRIVATE_KEY):
		params, ok := m[ck.CKA_EC_PARAMS]
		if !ok {
			return nil // a generator's template: the mechanism checks it
		}
		c, err := mechanisms.CurveFromParams(params)
		if err != nil {
			return err
		}
		if p, ok := m[ck.CKA_EC_POINT]; ok && k.class == ck.CKO_PUBLIC_KEY {
			if _, err := mechanisms.DecodeECPoint(c, p); err != nil {
				return ck.CKR_ATTRIBUTE_VALUE_INVALID
			}
		}
		if d, ok := m[ck.CKA_VALUE]; ok && k.class == ck.CKO_PRIVATE_KEY {
			// The scalar must be in [1, n-1]: a zero or out-of-range value
			// is no key (and would otherwise fail only at first use).
			d = bytes.TrimLeft(d, "\x00")
			if len(d) == 0 || len(d) > c.Size() || new(big.Int).SetBytes(d).Cmp(c.Curve.Params().N) >= 0 {
				return ck.CKR_ATTRIBUTE_VALUE_INVALID
			}
		}
	case k.sub == ck.ULong(ck.CKK_RSA):
		// An exponent Go's crypto/rsa refuses (even, under 3, 2^31 or more)
		// would make a key no operation can use: refused as at generation.
		if e, ok := m[ck.CKA_PUBLIC_EXPONENT]; ok {
			if err := mechanisms.CheckRSAPublicExponent(e); err != nil {
				return err
			}
		}
		if k.class != ck.CKO_PUBLIC_KEY {
			return nil
		}
		n, ok := m[ck.CKA_MODULUS]
		if !ok {
			return nil
		}
		n = bytes.TrimLeft(n, "\x00")
		if len(n) == 0 {
			return ck.CKR_ATTRIBUTE_VALUE_INVALID
		}
		bits := ck.ULong(8*(len(n)-1)) + ck.ULong(bitLen(n[0]))
		if b, given := ulongOf(m, ck.CKA_MODULUS_BITS); given && b != bits {
			return ck.CKR_TEMPLATE_INCONSISTENT
		}
		m[ck.CKA_MODULUS_BITS] = ck.EncodeULong(bits)
	}
	return nil
}

func bitLen(b byte) int {
	n := 0
	for ; b != 0; b >>= 1 {
		n++
	}
	return n
}
