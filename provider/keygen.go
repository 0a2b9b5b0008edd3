package provider

// keygen.go: C_GenerateKey and C_GenerateKeyPair (PKCS#11 3.0 section 5.18)
// through the mechanism registry; the attribute policy checks the templates
// and supplies defaults.

import (
	"maps"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/mechanisms"
)

// GenerateKey is C_GenerateKey.
func (m *Module) GenerateKey(h ck.SessionHandle, mech ck.Mechanism, tmpl ck.Template) (oh ck.ObjectHandle, err error) {
	na := &newAudit{op: "C_GenerateKey", target: mech.Type.String()}
	defer m.auditNewIn(h, na, &err, &oh)
	s, err := m.session(h)
	if err != nil {
		return 0, err
	}
	mm, ok := mechanisms.Lookup(mech.Type)
	if !ok {
		return 0, ck.CKR_MECHANISM_INVALID
	}
	gen, ok := mm.(mechanisms.KeyGenerator)
	if !ok {
		return 0, ck.CKR_MECHANISM_INVALID
	}
	pgen, withParam := gen.(mechanisms.KeyGeneratorWithParam)
	if !withParam {
		if err := noGenParam(mech.Parameter); err != nil {
			return 0, err
		}
	}
	tm, err := attrMap(tmpl)
	if err != nil {
		return 0, err
	}
	l := s.token.current()
	if err := checkGenTemplate(s, l, tm, ck.CKO_SECRET_KEY); err != nil {
		return 0, err
	}
	var vals map[ck.AttributeType][]byte
	if withParam {
		vals, err = pgen.GenerateKeyWithParam(mech.Parameter, tmpl)
		if _, ok := vals[ck.CKA_VALUE_LEN]; !ok && err == nil {
			// PBKDF2 took a compatible CKA_VALUE_LEN as its input for a key
			// type without the attribute (DES2, DES3): not the new key's.
			delete(tm, ck.CKA_VALUE_LEN)
		}
	} else {
		vals, err = gen.GenerateKey(tmpl)
	}
	if err != nil {
		return 0, err
	}
	o, err := m.generated(s, l, mech.Type, ck.CKO_SECRET_KEY, tm, vals)
	if err != nil {
		return 0, err
	}
	if err := m.commitObjectsAudited(s, l, na, o); err != nil {
		return 0, err
	}
	return o.handle, nil
}

// GenerateKeyPair is C_GenerateKeyPair. Both keys are stored, or neither.
func (m *Module) GenerateKeyPair(h ck.SessionHandle, mech ck.Mechanism, pubTmpl, privTmpl ck.Template) (pub, priv ck.ObjectHandle, err error) {
	na := &newAudit{op: "C_GenerateKeyPair", target: mech.Type.String()}
	defer m.auditNewIn(h, na, &err, &pub, &priv)
	s, err := m.session(h)
	if err != nil {
		return 0, 0, err
	}
	mm, ok := mechanisms.Lookup(mech.Type)
	if !ok {
		return 0, 0, ck.CKR_MECHANISM_INVALID
	}
	gen, ok := mm.(mechanisms.KeyPairGenerator)
	if !ok {
		return 0, 0, ck.CKR_MECHANISM_INVALID
	}
	if err := noGenParam(mech.Parameter); err != nil {
		return 0, 0, err
	}
	ptm, err := attrMap(pubTmpl)
	if err != nil {
		return 0, 0, err
	}
	vtm, err := attrMap(privTmpl)
	if err != nil {
		return 0, 0, err
	}
	l := s.token.current()
	if err := checkGenTemplate(s, l, ptm, ck.CKO_PUBLIC_KEY); err != nil {
		return 0, 0, err
	}
	if err := checkGenTemplate(s, l, vtm, ck.CKO_PRIVATE_KEY); err != nil {
		return 0, 0, err
	}
	pubVals, privVals, err := gen.GenerateKeyPair(pubTmpl, privTmpl)
	if err != nil {
		return 0, 0, err
	}
	po, err := m.generated(s, l, mech.Type, ck.CKO_PUBLIC_KEY, ptm, pubVals)
	if err != nil {
		return 0, 0, err
	}
	if info := po.attrs[ck.CKA_PUBLIC_KEY_INFO]; len(info) > 0 {
		// The pair's public half: the private key takes its SPKI rather than
		// deriving it again (an ML-DSA key generation, an EC point multiply).
		privVals = maps.Clone(privVals)
		privVals[ck.CKA_PUBLIC_KEY_INFO] = info
	}
	vo, err := m.generated(s, l, mech.Type, ck.CKO_PRIVATE_KEY, vtm, privVals)
	if err != nil {
		return 0, 0, err
	}
	if err := m.commitObjectsAudited(s, l, na, po, vo); err != nil {
		return 0, 0, err
	}
	return po.handle, vo.handle, nil
}

// checkGenTemplate checks, before any work, what a template can be refused
// for without knowing the key type: a wrong CKA_CLASS, and the session state
// its CKA_TOKEN and CKA_PRIVATE ask for.
func checkGenTemplate(s *Session, l *loginState, tm map[ck.AttributeType][]byte, class ck.ObjectClass) error {
	if v, ok := tm[ck.CKA_CLASS]; ok {
		c, err := ck.DecodeULong(v)
		if err != nil {
			return ck.CKR_ATTRIBUTE_VALUE_INVALID
		}
		if ck.ObjectClass(c) != class {
			return ck.CKR_TEMPLATE_INCONSISTENT
		}
	}
	token, private := classDefault(class, ck.CKA_TOKEN), classDefault(class, ck.CKA_PRIVATE)
	if v, ok := tm[ck.CKA_TOKEN]; ok {
		b, err := ck.DecodeBool(v)
		if err != nil {
			return ck.CKR_ATTRIBUTE_VALUE_INVALID
		}
		token = b
	}
	if v, ok := tm[ck.CKA_PRIVATE]; ok {
		b, err := ck.DecodeBool(v)
		if err != nil {
			return ck.CKR_ATTRIBUTE_VALUE_INVALID
		}
		private = b
	}
	return checkWrite(s, l, token, private)
}

// generated builds a generated key object from the template tm and the
// values the mechanism determined: the policy checks the template, the
// token sets CKA_LOCAL, CKA_KEY_GEN_MECHANISM, CKA_ALWAYS_SENSITIVE and
// CKA_NEVER_EXTRACTABLE.
func (m *Module) generated(s *Session, l *loginState, mt ck.MechanismType, class ck.ObjectClass, tm, vals map[ck.AttributeType][]byte) (*object, error) {
	kt, ok := ulongOf(vals, ck.CKA_KEY_TYPE)
	if !ok {
		m.log.WithField("mechanism", mt.String()).Error("gohsm: generator returned no key type")
		return nil, ck.CKR_GENERAL_ERROR
	}
	k := classKey{class: class, sub: kt}
	if _, ok := policy[k]; !ok {
		m.log.WithField("mechanism", mt.String()).Error("gohsm: generator made a key type the policy does not know")
		return nil, ck.CKR_GENERAL_ERROR
	}
	set := make(map[ck.AttributeType][]byte, len(vals)+3)
	for t, v := range vals {
		set[t] = v
	}
	set[ck.CKA_CLASS] = ck.EncodeULong(ck.ULong(class))
	set[ck.CKA_LOCAL] = vTrue
	set[ck.CKA_KEY_GEN_MECHANISM] = ck.EncodeULong(ck.ULong(mt))
	attrs, err := buildAttrs(opGenerate, k, tm, set, isSO(l))
	if err != nil {
		return nil, err
	}
	if class != ck.CKO_PUBLIC_KEY {
		attrs[ck.CKA_ALWAYS_SENSITIVE] = ck.EncodeBool(boolOf(attrs, ck.CKA_SENSITIVE))
		attrs[ck.CKA_NEVER_EXTRACTABLE] = ck.EncodeBool(!boolOf(attrs, ck.CKA_EXTRACTABLE))
	}
	return m.newObject(s, l, k, attrs), nil
}

// noGenParam: a plain KeyGenerator takes no mechanism parameter, so one
// given is refused rather than ignored (KeyGeneratorWithParam takes one).
func noGenParam(p any) error {
	switch v := p.(type) {
	case nil:
		return nil
	case []byte:
		if len(v) == 0 {
			return nil
		}
	}
	return ck.CKR_MECHANISM_PARAM_INVALID
}
